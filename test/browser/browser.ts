/** A headless Chromium for the browser tier: the distribution's binary, driven by playwright-core. */
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';

/** Where the screenshots go (git-ignored; CI keeps them as artifacts). */
export const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/console/', import.meta.url));

const CANDIDATES = [process.env.CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter((path): path is string => typeof path === 'string' && path !== '');

/** The Chromium binary, or a clear error saying how to get one. */
export function chromiumPath(): string {
  const found = CANDIDATES.find((path) => existsSync(path));
  if (!found) throw new Error(`No Chromium at ${CANDIDATES.join(', ')}: apt-get install chromium, or set CHROMIUM to its path`);
  return found;
}

/** A browser for the file (launched in `beforeAll`, closed in `afterAll`) and a fresh page per call. */
export function useBrowser(): { page(): Promise<Page> } {
  let browser: Browser | undefined;
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    browser = await chromium.launch({
      executablePath: chromiumPath(),
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });
  afterAll(async () => {
    await browser?.close();
  });
  return {
    async page() {
      if (!browser) throw new Error('the browser is not running yet: use it from a hook or a test');
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: 'light' });
      return context.newPage();
    },
  };
}
