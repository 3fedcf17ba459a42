import { existsSync } from 'node:fs';

/**
 * Where Chromium is (docs ../shared/STACK.md: Debian's chromium, driven by puppeteer-core): the configured path when
 * set (CHROMIUM_PATH), else /usr/bin/chromium, else /usr/bin/chromium-browser. The reports print with it; the browser
 * tests drive it.
 */
export const DEBIAN_CHROMIUM_PATHS = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

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

export const CHROMIUM_INSTALL_HINT =
  "install Debian's Chromium (sudo apt-get install -y chromium) or set CHROMIUM_PATH to a Chromium or Chrome binary";

function candidates(configured: string | undefined): string[] {
  return [...(configured ? [configured] : []), ...DEBIAN_CHROMIUM_PATHS];
}

/** Chromium's path (the configured one first), or undefined when none of the places has it. */
export function chromiumPath(configured?: string): string | undefined {
  return candidates(configured).find((p) => existsSync(p));
}

/** Why no Chromium was found, and how to get one. */
export function chromiumMissing(configured?: string): string {
  return `No Chromium found: looked at ${candidates(configured).join(', ')}. To print reports, ${CHROMIUM_INSTALL_HINT}.`;
}
