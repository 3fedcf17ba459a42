import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'puppeteer-core';

/**
 * A real Chromium for the browser tests (docs ../shared/STACK.md: Debian's chromium, driven by puppeteer-core): found at
 * PUPPETEER_EXECUTABLE_PATH, else /usr/bin/chromium, else /usr/bin/chromium-browser. Without one, a browser suite
 * skips with a warning saying how to install it, or fails when SVM_BROWSER=required (as CI sets it).
 */

const DEBIAN_PATHS = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

/** The flags that work on the project's machines: headless, no sandbox or GPU, and no traffic to the internet. */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** The places looked at, in order: the variable's path (when set), then Debian's. */
function candidates(): string[] {
  const fromEnv = process.env.PUPPETEER_EXECUTABLE_PATH;
  return [...(fromEnv ? [fromEnv] : []), ...DEBIAN_PATHS];
}

/** Chromium's path, or undefined when none of the places has it. */
export function chromiumPath(): string | undefined {
  return candidates().find((p) => existsSync(p));
}

export function browserAvailable(): boolean {
  return chromiumPath() !== undefined;
}

const INSTALL_HINT = 'install Debian\'s Chromium (sudo apt-get install -y chromium) or set PUPPETEER_EXECUTABLE_PATH to a Chromium or Chrome binary';

function missingMessage(): string {
  const looked = [`PUPPETEER_EXECUTABLE_PATH (${process.env.PUPPETEER_EXECUTABLE_PATH ? process.env.PUPPETEER_EXECUTABLE_PATH : 'not set'})`, ...DEBIAN_PATHS];
  return `No Chromium found: looked at ${looked.join(', ')}. To run the browser tests, ${INSTALL_HINT}.`;
}

export interface LaunchedBrowser {
  browser: Browser;
  /** Closes the browser and removes its profile. */
  close(): Promise<void>;
}

/** Launches Chromium with the project's flags and a fresh profile of its own (removed on close). */
export async function launchBrowser(): Promise<LaunchedBrowser> {
  const executablePath = chromiumPath();
  if (!executablePath) throw new Error(missingMessage());
  const { default: puppeteer } = await import('puppeteer-core');
  const userDataDir = mkdtempSync(join(tmpdir(), 'svm-chromium-'));
  let browser: Browser;
  try {
    browser = await puppeteer.launch({ executablePath, headless: true, args: CHROMIUM_FLAGS, userDataDir, defaultViewport: { width: 1280, height: 900 } });
  } catch (err) {
    rmSync(userDataDir, { recursive: true, force: true });
    throw err;
  }
  return {
    browser,
    close: async () => {
      try {
        await browser.close();
      } finally {
        rmSync(userDataDir, { recursive: true, force: true });
      }
    },
  };
}

/**
 * A suite that needs Chromium: run when it is there; else failed when SVM_BROWSER=required (CI), skipped with a warning
 * otherwise.
 */
export function describeWithBrowser(name: string, fn: () => void): void {
  if (browserAvailable()) {
    describe(name, fn);
    return;
  }
  if (process.env.SVM_BROWSER === 'required') {
    describe(name, () => {
      it('needs Chromium (SVM_BROWSER=required)', () => {
        throw new Error(missingMessage());
      });
    });
    return;
  }
  console.warn(`${missingMessage()} Skipping "${name}" (set SVM_BROWSER=required to fail instead).`);
  // skipped, not failed: `npm test` passes on a newcomer's machine without Chromium (Debian's, not an npm package);
  // CI installs it and sets SVM_BROWSER=required, so there the suite always runs
  describe.skip(name, fn);
}
