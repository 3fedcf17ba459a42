import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEFAULT_REPORTS_OPTIONS } from '../../reports/options';
import { readPdf } from '../../reports/render/pdf';
import { PrintError, Printer } from '../../reports/render/printer';
import { describeWithBrowser } from '../support/browser';

/**
 * The printer on a real Chromium: an A4, tagged PDF with an outline from the headings; no request leaves the page;
 * a print that takes too long is stopped; Chromium killed in the middle of a print fails that print with a clear
 * error and the next one starts a new browser and succeeds.
 */
jest.setTimeout(120_000);

const CHROMIUM_PATH = process.env.CHROMIUM_PATH || process.env.PUPPETEER_EXECUTABLE_PATH || undefined;
const printerWith = (o: Partial<typeof DEFAULT_REPORTS_OPTIONS>) => new Printer({ ...DEFAULT_REPORTS_OPTIONS, chromiumPath: CHROMIUM_PATH, ...o });

const doc = (body: string) => `<!doctype html><html lang="en"><head><title>Printer test</title><style>@page { size: A4; margin: 15mm }</style></head><body>${body}</body></html>`;

describeWithBrowser('the printer', () => {
  let printer: Printer;
  let server: Server;
  let hits = 0;
  let origin = '';

  beforeAll(async () => {
    printer = printerWith({ concurrency: 2, renderTimeoutMs: 30_000 });
    server = createServer((req, res) => {
      hits++;
      res.end('body { color: red }');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await printer?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  it('prints A4 with an outline of the headings, and lets no request out', async () => {
    const html = doc(`
      <link rel="stylesheet" href="${origin}/style.css">
      <h1>First</h1><p>one</p><img src="${origin}/image.png" alt="">
      <h2 style="break-before: page">Second</h2><iframe src="${origin}/frame"></iframe>
      <script src="${origin}/script.js"></script><script>fetch('${origin}/fetch')</script>`);
    const pdf = await printer.print(html);
    const facts = await readPdf(pdf);
    expect(facts.pages).toBe(2);
    expect(facts.bookmarks.map((b) => [b.title, b.page])).toEqual([
      ['First', 1],
      ['Second', 2],
    ]);
    expect(hits).toBe(0);
  });

  it('prints several at once, each in a context of its own', async () => {
    const pdfs = await Promise.all([1, 2, 3, 4].map((n) => printer.print(doc(`<h1>Report ${n}</h1>`))));
    for (const [i, pdf] of pdfs.entries()) expect((await readPdf(pdf)).bookmarks[0].title).toBe(`Report ${i + 1}`);
  });

  it('stops a print that takes longer than its timeout', async () => {
    const slow = printerWith({ concurrency: 1, renderTimeoutMs: 1000 });
    try {
      // some 4,000 pages of table: many seconds of layout on any machine
      const rows = Array.from({ length: 150_000 }, (_, i) => `<tr><td>${i}</td><td>row ${i}</td></tr>`).join('');
      await expect(slow.print(doc(`<table>${rows}</table>`))).rejects.toThrow(/longer than 1000 ms/);
      // its one slot is free again (a longer timeout: the stopped page may still be winding down)
      expect((await readPdf(await slow.print(doc('<h1>After</h1>'), 60_000))).pages).toBe(1);
    } finally {
      await slow.close();
    }
  });

  it('fails a print whose Chromium is killed, with a clear error, and the next print starts a new one', async () => {
    await printer.print(doc('<h1>Warm</h1>'));
    const pid = await printer.pid();
    expect(pid).toBeDefined();
    const rows = Array.from({ length: 20_000 }, (_, i) => `<tr><td>${i}</td></tr>`).join('');
    const printing = printer.print(doc(`<table>${rows}</table>`));
    setTimeout(() => process.kill(pid!, 'SIGKILL'), 100);
    const err = await printing.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(PrintError);
    expect((err as Error).message).toMatch(/Chromium stopped during the print/);
    const after = await printer.print(doc('<h1>Next</h1>'));
    expect((await readPdf(after)).bookmarks[0].title).toBe('Next');
    expect(await printer.pid()).not.toBe(pid);
  });
});
