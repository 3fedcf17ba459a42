import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext } from 'puppeteer-core';
import { REPORTS_OPTIONS, type ReportsOptions } from '../options';
import { CHROMIUM_FLAGS, chromiumMissing, chromiumPath } from './chromium';

/** Why a print failed, for the run's record: Chromium missing, stopped, or too slow. */
export class PrintError extends Error {}

/**
 * Prints HTML to PDF with one long-lived Chromium (launched at the first print, relaunched at the next print after it
 * crashed or disconnected): a fresh browser context per print (no cookie, cache or storage shared between reports),
 * every network request refused (the HTML is self-contained: a request is a bug or an injection), JavaScript off, a
 * timeout on each print, and at most `concurrency` prints at once, the others queued in order.
 */
@Injectable()
export class Printer implements OnApplicationShutdown {
  private readonly logger = new Logger('Printer');
  private browser?: Promise<{ browser: Browser; profile: string }>;
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  private closed = false;

  private readonly options: { concurrency: number; timeoutMs: number; chromiumPath?: string };

  constructor(@Inject(REPORTS_OPTIONS) options: ReportsOptions) {
    this.options = { concurrency: options.concurrency, timeoutMs: options.renderTimeoutMs, chromiumPath: options.chromiumPath };
  }

  /** The browser's process id (tests stop it to see a crash handled). */
  async pid(): Promise<number | undefined> {
    return (await this.browser)?.browser.process()?.pid;
  }

  private launch(): Promise<{ browser: Browser; profile: string }> {
    const executablePath = chromiumPath(this.options.chromiumPath);
    if (!executablePath) return Promise.reject(new PrintError(chromiumMissing(this.options.chromiumPath)));
    const started = (async () => {
      const { default: puppeteer } = await import('puppeteer-core');
      const profile = mkdtempSync(join(tmpdir(), 'svm-print-'));
      try {
        const browser = await puppeteer.launch({ executablePath, headless: true, args: CHROMIUM_FLAGS, userDataDir: profile, handleSIGINT: false, handleSIGTERM: false, handleSIGHUP: false });
        browser.on('disconnected', () => {
          // a crash or a kill: the next print launches a new one
          if (this.browser === started) this.browser = undefined;
          removeProfile(profile);
          if (!this.closed) this.logger.warn({ msg: 'Chromium disconnected; the next print starts a new one' });
        });
        return { browser, profile };
      } catch (err) {
        removeProfile(profile);
        throw new PrintError(`Chromium did not start (${executablePath}): ${(err as Error).message}`);
      }
    })();
    started.catch(() => {
      if (this.browser === started) this.browser = undefined;
    });
    return started;
  }

  private async slot(): Promise<() => void> {
    if (this.active >= this.options.concurrency) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    return () => {
      this.active--;
      this.waiting.shift()?.();
    };
  }

  /** Prints the document: A4, backgrounds, tagged (accessible), with an outline from its headings. */
  async print(html: string, timeoutMs = this.options.timeoutMs): Promise<Uint8Array> {
    if (this.closed) throw new PrintError('The printer is closed: the service is stopping');
    const release = await this.slot();
    let timer: NodeJS.Timeout | undefined;
    let stopped: (() => void) | undefined;
    let context: BrowserContext | undefined;
    try {
      this.browser ??= this.launch();
      const { browser } = await this.browser;
      // Chromium gone (crashed, killed): every print under way fails at once, not at its timeout
      const gone = new Promise<never>((_, reject) => {
        stopped = () => reject(new PrintError('Chromium stopped during the print; the next print starts a new one'));
        browser.once('disconnected', stopped);
        if (!browser.connected) stopped();
      });
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new PrintError(`The print took longer than ${timeoutMs} ms and was stopped`)), timeoutMs);
      });
      const work = (async () => {
        context = await browser.createBrowserContext();
        const page = await context.newPage();
        await page.setJavaScriptEnabled(false);
        await page.setRequestInterception(true);
        page.on('request', (request) => {
          if (request.isInterceptResolutionHandled()) return;
          void request.abort('blockedbyclient');
        });
        await page.setContent(html, { waitUntil: 'load', timeout: timeoutMs });
        return page.pdf({ format: 'A4', printBackground: true, tagged: true, outline: true, preferCSSPageSize: true, timeout: timeoutMs });
      })();
      work.catch(() => undefined); // settled by the race below; a late rejection is not unhandled
      try {
        return await Promise.race([work, timeout, gone]);
      } catch (err) {
        if (err instanceof PrintError) throw err;
        throw new PrintError(browser.connected ? `Chromium failed to print: ${(err as Error).message}` : 'Chromium stopped during the print; the next print starts a new one');
      } finally {
        browser.off('disconnected', stopped!);
      }
    } finally {
      clearTimeout(timer);
      if (context) await Promise.race([context.close().catch(() => undefined), new Promise((r) => setTimeout(r, 5000).unref())]);
      release();
    }
  }

  onApplicationShutdown(): Promise<void> {
    return this.close();
  }

  async close(): Promise<void> {
    this.closed = true;
    const current = this.browser;
    this.browser = undefined;
    if (!current) return;
    try {
      const { browser, profile } = await current;
      await browser.close().catch(() => undefined);
      removeProfile(profile);
    } catch {
      // never started
    }
  }
}

/** Removes a browser profile (Chromium may still be writing to it as it goes down: a few tries, then left to the OS). */
function removeProfile(profile: string): void {
  try {
    rmSync(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
  } catch {
    // a temporary folder: the system cleans it
  }
}
