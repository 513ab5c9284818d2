// Every way of loading the core, in Chromium, from a plain <script type="module"> with no
// bundler, under a CSP without 'unsafe-eval': each must train XOR to exactly the numbers Node
// gets from the same bundle.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeBaseline } from './baseline.js';
import { chromiumHasRelaxedSimd, launchChromium, type Browser } from './chromium.js';
import { startTestServer } from './server.js';

let browser: Browser;
let server: Awaited<ReturnType<typeof startTestServer>>;
let baseline: Awaited<ReturnType<typeof nodeBaseline>>;
/** The file the default source fetches in this Chromium (the relaxed build where it validates). */
let defaultFile: string;

beforeAll(async () => {
  [browser, server, baseline] = await Promise.all([
    launchChromium(),
    startTestServer(),
    nodeBaseline(),
  ]);
  defaultFile = (await chromiumHasRelaxedSimd(browser)) ? 'wasm_mlp_relaxed.wasm' : 'wasm_mlp.wasm';
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** Loads fixtures/loading.html?mode=…; returns the result and the URLs of .wasm requests. */
async function load(mode: string) {
  const { page, errors } = await browser.page();
  const wasmRequests: string[] = [];
  page.on('request', (request) => {
    if (new URL(request.url()).pathname.endsWith('.wasm')) wasmRequests.push(request.url());
  });
  await page.goto(`${server.url}/fixtures/loading.html?mode=${mode}`);
  await page.waitForFunction(() => 'result' in window || 'failure' in window);
  const { result, failure } = await page.evaluate(() => ({
    result: (window as { result?: { loss: number; output: number[] } }).result,
    failure: (window as { failure?: string }).failure,
  }));
  await page.close();
  return { result, failure, errors, wasmRequests };
}

describe('loading the core in Chromium', () => {
  it('baseline: the Node run converged (so matching it means training worked)', () => {
    expect(baseline.loss).toBeLessThan(0.05);
    expect(baseline.output.map((v) => (v > 0.5 ? 1 : 0))).toEqual([0, 1, 1, 0]);
  });

  const fetching = ['default', 'url-string', 'url-object', 'response', 'arraybuffer', 'uint8array'];
  it.each([...fetching, 'module'])('wasm source: %s', async (mode) => {
    const { result, failure, errors, wasmRequests } = await load(mode);
    expect(failure).toBeUndefined();
    expect(errors).toEqual([]);
    expect(result).toEqual({ mode, ...baseline });
    const file = mode === 'default' ? defaultFile : 'wasm_mlp.wasm';
    expect(wasmRequests).toEqual([`${server.url}/dist/${file}`]);
  });

  it('single-file build: no .wasm request at all', async () => {
    const { result, failure, errors, wasmRequests } = await load('inline');
    expect(failure).toBeUndefined();
    expect(errors).toEqual([]);
    expect(result).toEqual({ mode: 'inline', ...baseline });
    expect(wasmRequests).toEqual([]);
  });

  it('a missing module fails with a clear WasmMlpError, not a hang', async () => {
    const { page, errors } = await browser.page();
    await page.goto(`${server.url}/fixtures/loading.html?mode=default`);
    await page.waitForFunction(() => 'result' in window);
    // A string, so vitest does not rewrite the dynamic import for Node.
    const message = await page.evaluate(`(async () => {
      const { Network } = await import('/dist/index.js');
      try {
        await Network.create({ layers: [2, 1], wasm: '/dist/missing.wasm' });
        return 'no error';
      } catch (error) {
        return error.name + ': ' + error.message;
      }
    })()`);
    expect(message).toMatch(
      /^WasmMlpError: could not load the WebAssembly core from http:\/\/127\.0\.0\.1:\d+\/dist\/missing\.wasm: fetching http:\/\/127\.0\.0\.1:\d+\/dist\/missing\.wasm: HTTP 404 Not Found\. Fix: /,
    );
    // The 404 itself is logged by Chromium; nothing else is.
    expect(errors.filter((e) => !e.includes('404'))).toEqual([]);
    await page.close();
  });
});
