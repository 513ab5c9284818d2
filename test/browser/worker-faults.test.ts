// wasm-mlp/worker with real Web Workers in Chromium: a worker that cannot load its script,
// throws at import, throws an uncaught exception mid-run, or delivers a message that cannot be
// deserialized settles `done` with a WorkerError instead of leaving it pending; aborting
// `signal` settles it before the page terminates the worker (browsers fire no event then).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, type Browser } from './chromium.js';
import { startTestServer } from './server.js';

let browser: Browser;
let server: Awaited<ReturnType<typeof startTestServer>>;
beforeAll(async () => {
  [browser, server] = await Promise.all([launchChromium(), startTestServer()]);
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

interface Outcome {
  settled: 'resolved' | 'rejected' | 'pending';
  name?: string;
  event?: string;
  isWorkerError?: boolean;
  message?: string;
  progress: number;
  /** Whether the worker answered the stop trainInWorker sent it (a `done` with stopped). */
  stoppedByCaller?: boolean;
}

/**
 * Starts an endless run in a module worker loaded from `script`, applies `act` (page-side
 * source, given `worker` and `controller`) at the first progress message, and reports how
 * `done` settled within 10 s. A string, so vitest does not rewrite the dynamic imports.
 */
async function outcome(script: string, act = '') {
  const { page, errors } = await browser.page();
  await page.goto(`${server.url}/fixtures/blank.html`);
  const result = (await page.evaluate(`(async () => {
    const { trainInWorker, WorkerError } = await import('/dist/worker.js');
    const worker = new Worker(${JSON.stringify(script)}, { type: 'module' });
    const controller = new AbortController();
    let progress = 0;
    let stoppedByCaller = false;
    worker.addEventListener('message', ({ data }) => {
      if (data?.kind === 'wasm-mlp:done' && data.result.stopped) stoppedByCaller = true;
    });
    const run = trainInWorker(
      worker,
      {
        network: { layers: [2, 3, 1], learningRate: 0.5, seed: 1 },
        x: new Float32Array([0, 0, 0, 1, 1, 0, 1, 1]),
        y: new Float32Array([0, 1, 1, 0]),
        steps: 1e12,
        reportIntervalMs: 5,
      },
      {
        signal: controller.signal,
        onProgress: () => { if (progress++ === 0) { ${act} } },
      },
    );
    const timeout = new Promise((resolve) => setTimeout(() => resolve({ settled: 'pending' }), 10000));
    const settled = run.done.then(
      () => ({ settled: 'resolved' }),
      (error) => ({
        settled: 'rejected',
        name: error.name,
        event: error.event,
        isWorkerError: error instanceof WorkerError,
        message: error.message,
      }),
    );
    const out = await Promise.race([settled, timeout]);
    await new Promise((resolve) => setTimeout(resolve, 200)); // time for a stop to be answered
    worker.terminate();
    return { ...out, progress, stoppedByCaller };
  })()`)) as Outcome;
  await page.close();
  return { result, errors };
}

describe('trainInWorker with a Web Worker that fails', () => {
  it('a worker script that does not exist (HTTP 404)', async () => {
    const { result } = await outcome('/fixtures/no-such-worker.js');
    expect(result).toMatchObject({
      settled: 'rejected',
      isWorkerError: true,
      event: 'error',
      progress: 0,
    });
    expect(result.message).toMatch(/^the training worker threw an uncaught exception or failed/);
  });

  it('a worker module that throws at import', async () => {
    const { result, errors } = await outcome('/fixtures/faulty-web-worker.js?fault=import');
    expect(result).toMatchObject({ settled: 'rejected', isWorkerError: true, event: 'error' });
    expect(result.message).toMatch(/injected: the worker module failed at import$/);
    expect(errors.join('\n')).toMatch(/injected: the worker module failed at import/);
  });

  it('an uncaught exception mid-run: rejects, and the surviving worker is asked to stop', async () => {
    const { result } = await outcome('/fixtures/faulty-web-worker.js?fault=uncaught');
    expect(result).toMatchObject({
      settled: 'rejected',
      isWorkerError: true,
      event: 'error',
      stoppedByCaller: true,
    });
    expect(result.message).toMatch(/injected: an uncaught exception in the worker$/);
    expect(result.progress).toBeGreaterThan(0);
  });

  it('a messageerror (injected on the Worker): rejects and stops the run', async () => {
    const { result } = await outcome(
      '/fixtures/faulty-web-worker.js',
      "worker.dispatchEvent(new MessageEvent('messageerror'));",
    );
    expect(result).toMatchObject({
      settled: 'rejected',
      isWorkerError: true,
      event: 'messageerror',
      stoppedByCaller: true,
    });
    expect(result.message).toMatch(/could not be deserialized/);
  });

  it('signal aborted before terminate(): done settles, although terminate fires no event', async () => {
    const { result, errors } = await outcome(
      '/fixtures/faulty-web-worker.js',
      "controller.abort(new Error('injected: abort')); worker.terminate();",
    );
    expect(result).toMatchObject({
      settled: 'rejected',
      name: 'Error',
      message: 'injected: abort',
    });
    expect(errors).toEqual([]);
  });
});
