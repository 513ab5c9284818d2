// The demo page (examples/browser/) in Chromium, served from the built dist/ under a strict
// CSP: trains XOR (sigmoid, SGD) and the spiral (tanh / ReLU, Adam) to convergence in Web
// Workers, the wasm and reference backends agree on a fixed seed (default and non-default
// activation, loss and optimizer), the main thread stays responsive while training (with a
// control showing the probe would catch a blocked thread), the canvases are drawn, MNIST
// trains, Stop works, no console errors.
// UPDATE_DEMO_SCREENSHOT=1 also writes docs/demo-screenshot.png.
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureMnistSubset } from '../../examples/browser/mnist-subset.mjs';
import { launchChromium, type Browser } from './chromium.js';
import { startTestServer } from './server.js';

/**
 * Main-thread bound while both workers train. The page's own work per progress message is a
 * few ms of canvas drawing; on a loaded 2-core machine the OS can still delay a task by tens
 * of ms (137 ms seen once with load average 4 on 2 cores), hence the margin; the control
 * below, training on the main thread, blocks for a full second.
 */
const RESPONSIVE_BOUND_MS = 250;

interface BackendResult {
  steps: number;
  loss: number;
  stopped: boolean;
  stepsPerSecond: number;
  parameters: number[];
}
interface DemoState {
  state: string;
  error: string | null;
  request: { activation: string[]; loss: string; optimizer: string; learningRate: number } | null;
  accuracy: number | null;
  results: Record<string, BackendResult>;
  responsiveness: { longestTaskMs: number; worstLatenessMs: number } | null;
}

const outDir = fileURLToPath(new URL('../../target/browser-test/', import.meta.url));
let browser: Browser;
let server: Awaited<ReturnType<typeof startTestServer>>;
let page: Page;
let errors: string[];

beforeAll(async () => {
  ensureMnistSubset();
  mkdirSync(outDir, { recursive: true });
  [browser, server] = await Promise.all([launchChromium(), startTestServer()]);
  ({ page, errors } = await browser.page());
  await page.goto(`${server.url}/examples/browser/`);
  await page.waitForFunction(() => (window as { demo?: { ready?: boolean } }).demo?.ready);
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});
afterEach(() => {
  expect(errors).toEqual([]);
});

/**
 * Selects `dataset` (which applies its preset), sets the form `fields` by id in the given order
 * (selects and inputs alike; choosing an optimizer suggests a learning rate, so list
 * `learningRate` after it), trains; returns window.demo.
 */
async function train(dataset: string, fields: Record<string, string> = {}, compare = true) {
  await page.selectOption('#dataset', dataset);
  for (const [id, value] of Object.entries(fields)) {
    const isSelect = await page.$eval(`#${id}`, (element) => element.tagName === 'SELECT');
    if (isSelect) await page.selectOption(`#${id}`, value);
    else await page.fill(`#${id}`, value);
  }
  await page.setChecked('#compare', compare);
  await page.click('#train');
  await page.waitForFunction(() => (window as { demo?: DemoState }).demo?.state !== 'training');
  return page.evaluate(() => (window as unknown as { demo: DemoState }).demo);
}

/** Largest |wasm − reference| over all parameters. */
function worstParameterGap({ wasm, reference }: Record<string, BackendResult>): number {
  return Math.max(...wasm!.parameters.map((p, i) => Math.abs(p - reference!.parameters[i]!)));
}

/** Pixels of a canvas that differ from its white background. */
function inkedPixels(id: string): Promise<{ inked: number; total: number }> {
  return page.evaluate((canvasId) => {
    const canvas = document.getElementById(canvasId) as HTMLCanvasElement;
    const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
    let inked = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (data[i] !== 255 || data[i + 1] !== 255 || data[i + 2] !== 255) inked++;
    }
    return { inked, total: data.length / 4 };
  }, id);
}

describe('demo page', () => {
  it('trains XOR to convergence in the workers; wasm and reference agree', async () => {
    const demo = await train('xor');
    expect(demo.state).toBe('done');
    const { wasm, reference } = demo.results;
    expect(wasm!.steps).toBe(10_000);
    expect(reference!.steps).toBe(10_000);
    expect(wasm!.loss).toBeLessThan(0.01);
    expect(demo.accuracy).toBe(1);
    // Same seed and steps: f32 SIMD vs float64 differ only by rounding, which stays ~1e-5
    // over 10k steps on this well-conditioned problem (|params| ≲ 10).
    expect(demo.request).toMatchObject({
      activation: ['sigmoid', 'sigmoid'],
      loss: 'half-sse',
      optimizer: 'sgd',
      learningRate: 0.5,
    });
    expect(wasm!.parameters).toHaveLength(13);
    expect(worstParameterGap(demo.results)).toBeLessThan(1e-3);
    expect(Math.abs(wasm!.loss - reference!.loss)).toBeLessThan(1e-3 * reference!.loss + 1e-7);
    expect(await page.textContent('#status')).toMatch(
      /^Done after 10,000 steps; wasm [\d.]+× the reference's steps\/s\.$/,
    );
  });

  // The spiral preset: 2-16-16-1, tanh, sigmoid + binary cross-entropy, Adam 0.02, 3,000
  // full-batch steps. Measured in Node with the same data and loop (dist/, seeds 1–8): 100%
  // training accuracy for every seed by 3,000 steps (the slowest seed: 90% at 1,000), final
  // mean BCE ≤ 2.7e-3 (seed 1, the page's default: 1.5e-4); ReLU at the same settings: 100%
  // by 1,000 steps, BCE ≤ 2.4e-4. The bounds below leave room for other seeds' spread only,
  // not for a broken optimizer: an untrained network sits at 50% and BCE ln 2 ≈ 0.69.
  it.each(['tanh', 'relu'])('trains the spiral with %s + Adam to convergence', async (act) => {
    const demo = await train('spiral', { activation: act });
    expect(demo.state).toBe('done');
    expect(demo.request).toMatchObject({
      activation: [act, act, 'sigmoid'],
      loss: 'binary-cross-entropy',
      optimizer: 'adam',
      learningRate: 0.02,
    });
    const { wasm, reference } = demo.results;
    console.log(
      `[demo] spiral ${act} + adam, 3k steps: accuracy ${demo.accuracy}, BCE wasm ` +
        `${wasm!.loss.toExponential(2)}, reference ${reference!.loss.toExponential(2)}; steps/s ` +
        `wasm ${wasm!.stepsPerSecond.toFixed(0)}, reference ${reference!.stepsPerSecond.toFixed(0)}`,
    );
    expect(wasm!.steps).toBe(3000);
    expect(demo.accuracy).toBeGreaterThanOrEqual(0.99);
    expect(wasm!.loss).toBeLessThan(0.01);
    // Both converge, but Adam on the spiral is chaotic: f32 vs f64 rounding grows to parameter
    // gaps of ~0.1 by 1,000 steps (measured), so this run is compared by its loss, not weights.
    expect(reference!.loss).toBeLessThan(0.01);
    expect(await page.textContent('#stats-wasm .samples')).toMatch(/^[\d,]+$/);
  });

  it('wasm and reference agree for tanh + softmax / cross-entropy + momentum', async () => {
    // Circles as two one-hot classes, mini-batches of 50, seed 7: every non-default choice at
    // once. Measured in Node: largest parameter gap 5.3e-6 (|params| ≤ 4.8), relative loss gap
    // 2.2e-6 after 2,000 steps; momentum without Adam's normalisation keeps rounding small.
    const demo = await train('circles', {
      activation: 'tanh',
      output: 'softmax-cce',
      optimizer: 'momentum',
      learningRate: '0.05',
      batchSize: '50',
      seed: '7',
    });
    await page.fill('#seed', '1');
    expect(demo.state).toBe('done');
    expect(demo.request).toMatchObject({
      activation: ['tanh', 'softmax'],
      loss: 'categorical-cross-entropy',
      optimizer: 'momentum',
      learningRate: 0.05,
    });
    const { wasm, reference } = demo.results;
    const gap = worstParameterGap(demo.results);
    console.log(
      `[demo] circles tanh + softmax/CCE + momentum, seed 7: largest parameter gap ` +
        `${gap.toExponential(2)}, loss wasm ${wasm!.loss.toExponential(4)}, reference ${reference!.loss.toExponential(4)}`,
    );
    expect(wasm!.parameters).toHaveLength(2 * 8 + 8 + 8 * 2 + 2);
    expect(gap).toBeLessThan(1e-4);
    expect(Math.abs(wasm!.loss - reference!.loss)).toBeLessThan(1e-4 * reference!.loss);
    expect(demo.accuracy).toBe(1);
    expect(await page.textContent('#layers')).toBe('layers: [2, 8, 2]');
  });

  it('suggests the preset learning rate for the chosen optimizer', async () => {
    await page.selectOption('#dataset', 'mnist');
    await page.waitForFunction(
      () => (document.getElementById('learningRate') as HTMLInputElement).value === '0.001',
    );
    await page.selectOption('#optimizer', 'sgd');
    expect(await page.inputValue('#learningRate')).toBe('0.05');
    await page.selectOption('#dataset', 'spiral');
    expect(await page.inputValue('#activation')).toBe('tanh');
    expect(await page.inputValue('#optimizer')).toBe('adam');
    expect(await page.inputValue('#learningRate')).toBe('0.02');
  });

  it('keeps the main thread responsive while a worker trains', async () => {
    // One worker: with both, the 2-core CI machine is oversubscribed by design and the OS,
    // not the page, decides when the main thread runs.
    const demo = await train('circles', { steps: '20000' }, false);
    expect(demo.state).toBe('done');
    expect(demo.accuracy).toBeGreaterThan(0.95);
    const { longestTaskMs, worstLatenessMs } = demo.responsiveness!;
    console.log(
      `[demo] circles 20k steps: wasm ${demo.results.wasm!.stepsPerSecond.toFixed(0)} steps/s; main thread: ` +
        `longest task ${longestTaskMs.toFixed(0)} ms, worst timer lateness ${worstLatenessMs.toFixed(1)} ms`,
    );
    expect(longestTaskMs).toBeLessThan(RESPONSIVE_BOUND_MS);
    expect(worstLatenessMs).toBeLessThan(RESPONSIVE_BOUND_MS);
  });

  it('control: the same probe sees training on the main thread block it', async () => {
    // A string, so vitest does not rewrite the dynamic imports for Node.
    const blocked = (await page.evaluate(`(async () => {
      const { startResponsivenessProbe } = await import('/examples/browser/responsiveness.js');
      const { Network } = await import('/dist/index.js');
      const net = await Network.create({ layers: [2, 8, 1], learningRate: 0.5 });
      const probe = startResponsivenessProbe();
      await new Promise((resolve) => setTimeout(resolve, 50));
      const x = new Float32Array([0, 0, 0, 1, 1, 0, 1, 1]);
      const y = new Float32Array([0, 1, 1, 0]);
      const end = performance.now() + 1000;
      while (performance.now() < end) net.trainStep(x, y);
      await new Promise((resolve) => setTimeout(resolve, 50));
      net.dispose();
      return probe.stop();
    })()`)) as { longestTaskMs: number; worstLatenessMs: number };
    expect(blocked.longestTaskMs).toBeGreaterThan(900);
    expect(blocked.worstLatenessMs).toBeGreaterThan(900);
  });

  it('draws the loss curves and the decision boundary; screenshot', async () => {
    const demo = await train('spiral');
    expect(demo.state).toBe('done');
    console.log(
      `[demo] spiral preset, both workers: wasm ${demo.results.wasm!.stepsPerSecond.toFixed(0)} ` +
        `steps/s, reference ${demo.results.reference!.stepsPerSecond.toFixed(0)} steps/s`,
    );
    const loss = await inkedPixels('loss');
    const view = await inkedPixels('view');
    // The frame, labels and two curves; the boundary fills the whole view.
    expect(loss.inked).toBeGreaterThan(2_000);
    expect(view.inked).toBeGreaterThan(0.9 * view.total);
    const shot = await page.screenshot({ path: `${outDir}demo.png`, fullPage: true });
    expect(shot.length).toBeGreaterThan(10_000);
    if (process.env.UPDATE_DEMO_SCREENSHOT) {
      await page.screenshot({
        path: fileURLToPath(new URL('../../docs/demo-screenshot.png', import.meta.url)),
        fullPage: true,
      });
    }
  });

  it('trains on MNIST digits (wasm only)', async () => {
    const demo = await train('mnist', { steps: '1500' }, false);
    expect(demo.state).toBe('done');
    expect(demo.results.reference).toBeUndefined();
    // relu + softmax / cross-entropy + Adam 0.001, batches of 32: 95.0% of the 500 test digits
    // after 1,500 steps in Node (the old sigmoid / half-SSE / SGD default: 91.2%).
    expect(demo.request!.activation).toEqual(['relu', 'softmax']);
    console.log(`[demo] MNIST 1.5k steps: test accuracy ${demo.accuracy}`);
    expect(demo.accuracy).toBeGreaterThan(0.9);
    expect((await inkedPixels('view')).inked).toBeGreaterThan(10_000);
    await page.screenshot({ path: `${outDir}demo-mnist.png`, fullPage: true });
  });

  it('Stop ends both runs early', async () => {
    await page.selectOption('#dataset', 'spiral');
    await page.fill('#steps', '100000000');
    await page.setChecked('#compare', true);
    await page.click('#train');
    await page.waitForFunction(() => {
      const { curves } = (window as unknown as { demo: { curves: Record<string, unknown[]> } })
        .demo;
      return curves.wasm!.length > 0 && curves.reference!.length > 0;
    });
    await page.click('#stop');
    await page.waitForFunction(() => (window as { demo?: DemoState }).demo?.state !== 'training');
    const demo = await page.evaluate(() => (window as unknown as { demo: DemoState }).demo);
    expect(demo.state).toBe('done');
    for (const backend of ['wasm', 'reference']) {
      expect(demo.results[backend]!.stopped).toBe(true);
      expect(demo.results[backend]!.steps).toBeLessThan(100_000_000);
    }
    expect(await page.textContent('#status')).toMatch(/^Stopped after [\d,]+ steps/);
  });

  it('rejects a bad layer list with a message instead of training', async () => {
    await page.selectOption('#dataset', 'xor');
    await page.fill('#hidden', '3, x');
    await page.click('#train');
    expect(await page.textContent('#status')).toBe(
      "hidden layer width must be an integer from 1 to 4096, got 'x'",
    );
    expect(await page.evaluate(() => (window as { demo?: DemoState }).demo?.state)).toBe('done');
  });
});
