// The package as users install it (npm pack), bundled by Vite and by esbuild into a small app
// (test/browser/fixtures/app) that trains XOR on the main thread and in a module worker, then
// loaded in Chromium under a strict CSP. Vite needs no configuration for the wasm file (it sees
// `new URL('./wasm_mlp.wasm', import.meta.url)`, its relaxed-SIMD twin and the two shared-memory
// (threads) builds, and emits all four);
// esbuild does not copy assets, so the app copies the .wasm files next to its bundle, or imports
// wasm-mlp/inline instead.
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { build as viteBuild } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeBaseline } from './baseline.js';
import { launchChromium, type Browser } from './chromium.js';
import { startTestServer } from './server.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
// Outside the repository, like a user's project: nothing here (tsconfig.json paths, which
// esbuild honours, or node_modules) may leak into the bundles.
const work = mkdtempSync(join(tmpdir(), 'wasm-mlp-bundlers-'));
const app = join(work, 'fixtures', 'app');
const out = { vite: join(work, 'out-vite'), esbuild: join(work, 'out-esbuild') };

/** npm pack, unpacked into work/node_modules/wasm-mlp: exactly the published files. */
function installPackedPackage(): void {
  const [{ filename }] = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--pack-destination', work], { cwd: root }).toString(),
  ) as [{ filename: string }];
  const target = join(work, 'node_modules', 'wasm-mlp');
  mkdirSync(target, { recursive: true });
  execFileSync('tar', ['-xzf', join(work, filename), '-C', target, '--strip-components=1']);
}

async function bundleWithVite(): Promise<void> {
  await viteBuild({
    configFile: false,
    root: app,
    base: './',
    logLevel: 'warn',
    build: {
      outDir: out.vite,
      emptyOutDir: true,
      rollupOptions: {
        input: { index: join(app, 'index.html'), inline: join(app, 'inline.html') },
      },
    },
  });
}

async function bundleWithEsbuild(): Promise<void> {
  await esbuild.build({
    absWorkingDir: app,
    entryPoints: ['main.js', 'main-inline.js', 'worker.js'],
    outdir: out.esbuild,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    logLevel: 'warning',
  });
  for (const page of ['index.html', 'inline.html'])
    copyFileSync(join(app, page), join(out.esbuild, page));
  // The one extra step esbuild users take (the README says so): the cores next to the bundle.
  for (const core of ['wasm_mlp.wasm', 'wasm_mlp_relaxed.wasm'])
    copyFileSync(join(work, 'node_modules', 'wasm-mlp', 'dist', core), join(out.esbuild, core));
}

let browser: Browser;
let server: Awaited<ReturnType<typeof startTestServer>>;
let baseline: Awaited<ReturnType<typeof nodeBaseline>>;

beforeAll(async () => {
  cpSync(fileURLToPath(new URL('./fixtures', import.meta.url)), join(work, 'fixtures'), {
    recursive: true,
  });
  installPackedPackage();
  await bundleWithVite();
  await bundleWithEsbuild();
  [browser, server, baseline] = await Promise.all([
    launchChromium(),
    startTestServer({ '/vite/': out.vite, '/esbuild/': out.esbuild }),
    nodeBaseline(),
  ]);
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  rmSync(work, { recursive: true, force: true });
});

async function open(path: string) {
  const { page, errors } = await browser.page();
  const wasmRequests: string[] = [];
  page.on('request', (request) => {
    if (new URL(request.url()).pathname.endsWith('.wasm')) wasmRequests.push(request.url());
  });
  await page.goto(`${server.url}${path}`);
  await page.waitForFunction(() => 'result' in window || 'failure' in window, null, {
    timeout: 30_000,
  });
  const outcome = await page.evaluate(() => ({
    result: (window as { result?: unknown }).result,
    failure: (window as { failure?: string }).failure,
  }));
  await page.close();
  return { ...outcome, errors, wasmRequests };
}

describe.each(['vite', 'esbuild'] as const)('an app bundled by %s', (bundler) => {
  it('trains on the main thread and in a worker, matching Node bit for bit', async () => {
    const { result, failure, errors, wasmRequests } = await open(`/${bundler}/index.html`);
    expect(failure).toBeUndefined();
    expect(errors).toEqual([]);
    expect(result).toEqual({
      main: baseline,
      worker: baseline,
      // Minified or not, an error in the worker comes back as the library's own class.
      workerError: { isOptionError: true, message: 'layers[1] must be a positive integer, got 0' },
    });
    // Loaded once by the page and once by the worker, from the bundle's own output.
    expect(wasmRequests.length).toBe(2);
    for (const url of wasmRequests) expect(url).toMatch(new RegExp(`/${bundler}/.*\\.wasm$`));
  });

  it('the single-file build needs no .wasm file', async () => {
    const { result, failure, errors, wasmRequests } = await open(`/${bundler}/inline.html`);
    expect(failure).toBeUndefined();
    expect(errors).toEqual([]);
    expect(result).toEqual({ main: baseline });
    expect(wasmRequests).toEqual([]);
  });
});

it('Vite emitted the four cores as hashed assets, and nothing from dist/ is fetched', () => {
  const assets = readdirSync(join(out.vite, 'assets'));
  // The single-thread pair, and the shared-memory pair that cross-origin-isolated pages load
  // for `threads` > 1 (these test pages are not isolated, so only the first pair is fetched).
  expect(assets.filter((name) => name.endsWith('.wasm')).sort()).toEqual([
    expect.stringMatching(/^wasm_mlp-[\w-]+\.wasm$/),
    expect.stringMatching(/^wasm_mlp_relaxed-[\w-]+\.wasm$/),
    expect.stringMatching(/^wasm_mlp_threads-[\w-]+\.wasm$/),
    expect.stringMatching(/^wasm_mlp_threads_relaxed-[\w-]+\.wasm$/),
  ]);
});
