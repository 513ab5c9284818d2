// Launches Debian's chromium through playwright-core for the browser tests: headless, fresh
// profile, no network chatter. The path comes from CHROMIUM_PATH or scripts/chromium.mjs.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type ConsoleMessage, type Page } from 'playwright-core';
import { findChromium } from '../../scripts/chromium.mjs';

const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface Browser {
  readonly context: BrowserContext;
  /** A new page whose console errors and uncaught exceptions are collected in `errors`. */
  page(): Promise<{ page: Page; errors: string[] }>;
  close(): Promise<void>;
}

/**
 * Whether this Chromium validates dist/wasm_mlp_relaxed.wasm, i.e. whether the default loader
 * picks the relaxed-SIMD build there (ts/backends/wasm/default-source.ts).
 */
export async function chromiumHasRelaxedSimd(browser: Browser): Promise<boolean> {
  const bytes = [...readFileSync(new URL('../../dist/wasm_mlp_relaxed.wasm', import.meta.url))];
  const { page } = await browser.page();
  try {
    return await page.evaluate((b) => WebAssembly.validate(new Uint8Array(b)), bytes);
  } finally {
    await page.close();
  }
}

export async function launchChromium(): Promise<Browser> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'wasm-mlp-chromium-'));
  // playwright adds --headless and --user-data-dir (the fresh profile) itself.
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: findChromium(),
    headless: true,
    args: FLAGS,
    viewport: { width: 1280, height: 720 },
  });
  return {
    context,
    async page() {
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('console', (message: ConsoleMessage) => {
        if (message.type() === 'error') errors.push(`console: ${message.text()}`);
      });
      page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
      return { page, errors };
    },
    async close() {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}
