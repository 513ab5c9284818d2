// fit(): history, callbacks, seeded shuffling and bit-identical reproducibility, validation
// split semantics, early stopping, learning-rate changes from callbacks, abort, divergence,
// event-loop responsiveness; predict/evaluate; optimizer state save/resume; initializers.
import { describe, expect, it } from 'vitest';
import {
  DivergenceError,
  Network,
  StateError,
  type BackendName,
  type NetworkOptions,
} from 'wasm-mlp';
import { WASM_PATH, XOR_X, XOR_Y, randArray, rng } from '../helpers.js';
import { classifier, toy } from './toy-classifier.js';

const BACKENDS: BackendName[] = ['wasm', 'reference'];

describe.each(BACKENDS)('fit, %s', (backend) => {
  it('returns a per-epoch history and calls the callbacks in order', async () => {
    const { x, y } = toy(1);
    const net = await classifier(backend);
    const events: string[] = [];
    const h = await net.fit(x, y, {
      epochs: 3,
      batchSize: 25,
      validationSplit: 0.2,
      onBatchEnd: ({ epoch, batch, size, loss, accuracy }) => {
        events.push(`b${epoch}.${batch}:${size}`);
        expect(Number.isFinite(loss) && accuracy! >= 0 && accuracy! <= 1).toBe(true);
      },
      onEpochEnd: async ({ epoch, loss, valLoss }) => {
        await Promise.resolve();
        events.push(`e${epoch}`);
        expect(Number.isFinite(loss) && Number.isFinite(valLoss!)).toBe(true);
      },
    });
    // 48 training rows (the first ⌊60·0.8⌋), batches of 25 and 23
    expect(events).toEqual([
      'b0.0:25',
      'b0.1:23',
      'e0',
      'b1.0:25',
      'b1.1:23',
      'e1',
      'b2.0:25',
      'b2.1:23',
      'e2',
    ]);
    expect(h.epochs).toBe(3);
    expect(h.loss).toHaveLength(3);
    expect(h.valLoss).toHaveLength(3);
    expect(h.valAccuracy).toHaveLength(3);
    expect(h.stoppedEarly).toBe(false);
    expect(h.bestEpoch).toBeNull();
    // validationSplit holds out the LAST 12 rows: valLoss is evaluate() on them
    const last = net.evaluate(x.slice(48), y.slice(48));
    expect(h.valLoss[2]).toBeCloseTo(last.loss, 12);
    expect(h.valAccuracy![2]).toBe(last.accuracy);
    net.dispose();
  });

  it('epoch loss is the reduction over the epoch of the batch losses', async () => {
    const { x, y } = toy(2, 30);
    for (const loss of ['half-sse', 'mse'] as const) {
      const net = await Network.create({ layers: [3, 3], loss, backend, wasm: WASM_PATH });
      const batches: { loss: number; size: number }[] = [];
      const h = await net.fit(x, y, { batchSize: 8, onBatchEnd: (b) => void batches.push(b) });
      const expected =
        loss === 'half-sse'
          ? batches.reduce((s, b) => s + b.loss, 0)
          : batches.reduce((s, b) => s + b.loss * b.size, 0) / 30;
      expect(h.loss[0]).toBeCloseTo(expected, 12);
      net.dispose();
    }
  });

  it('same seed ⇒ bit-identical parameters after fit; shuffling follows the seed', async () => {
    const { x, y } = toy(3);
    const run = async (seed: number, shuffle = true) => {
      const net = await classifier(backend, { seed });
      await net.fit(x, y, { epochs: 4, batchSize: 7, shuffle });
      const p = net.getParameters();
      net.dispose();
      return [...p.weights, ...p.biases].flatMap((a) => [...a]);
    };
    expect(await run(5)).toEqual(await run(5));
    expect(await run(5)).not.toEqual(await run(5, false));
    // a different seed changes the initial weights and the shuffle
    expect(await run(5)).not.toEqual(await run(6));
  });

  it('the learning rate can be changed from onEpochEnd (a schedule)', async () => {
    const { x, y } = toy(4);
    const net = await classifier(backend);
    const seen: number[] = [];
    await net.fit(x, y, {
      epochs: 3,
      onBatchEnd: () => void seen.push(net.learningRate),
      onEpochEnd: () => void (net.learningRate /= 2),
    });
    expect(new Set(seen)).toEqual(new Set([0.02, 0.01, 0.005]));
    net.dispose();
  });

  it('early stopping stops after `patience` epochs without improvement and restores the best weights', async () => {
    const { x, y } = toy(5);
    const net = await classifier(backend, { learningRate: 0.3 });
    let bestParams: number[] = [];
    let bestSoFar = Infinity;
    const h = await net.fit(x, y, {
      epochs: 200,
      validationSplit: 0.5,
      earlyStopping: { patience: 3, restoreBestWeights: true },
      onEpochEnd: ({ valLoss }) => {
        if (valLoss! < bestSoFar) {
          bestSoFar = valLoss!;
          const p = net.getParameters();
          bestParams = [...p.weights, ...p.biases].flatMap((a) => [...a]);
        }
      },
    });
    expect(h.stoppedEarly).toBe(true);
    const best = h.bestEpoch!;
    expect(h.epochs).toBe(best + 1 + 3);
    for (let e = best + 1; e < h.epochs; e++)
      expect(h.valLoss[e]!).toBeGreaterThanOrEqual(h.valLoss[best]!);
    const p = net.getParameters();
    expect([...p.weights, ...p.biases].flatMap((a) => [...a])).toEqual(bestParams);
    net.dispose();
  });

  it('abort: rejects with an AbortError, parameters as of the last completed batch', async () => {
    const { x, y } = toy(6);
    const net = await classifier(backend);
    const controller = new AbortController();
    let afterBatch: number[] = [];
    const p = net.fit(x, y, {
      epochs: 100,
      batchSize: 10,
      yieldEveryMs: 0,
      onBatchEnd: ({ epoch, batch }) => {
        const q = net.getParameters();
        afterBatch = [...q.weights, ...q.biases].flatMap((a) => [...a]);
        if (epoch === 1 && batch === 2) controller.abort();
      },
      signal: controller.signal,
    });
    await expect(p).rejects.toMatchObject({ name: 'AbortError' });
    const q = net.getParameters();
    expect([...q.weights, ...q.biases].flatMap((a) => [...a])).toEqual(afterBatch);
    // an already aborted signal rejects before any training
    const before = net.getParameters();
    await expect(net.fit(x, y, { signal: AbortSignal.abort() })).rejects.toMatchObject({
      name: 'AbortError',
    });
    expect(net.getParameters()).toEqual(before);
    net.dispose();
  });

  it('a NaN loss stops fit with an error naming epoch and batch; parameters of the last finite batch', async () => {
    const x = [
      [1, 2],
      [3, 4],
      [5, 6],
      [7, 8],
    ];
    const y = [[1e3], [2e3], [3e3], [4e3]];
    const net = await Network.create({
      layers: [2, 4, 1],
      activation: 'linear',
      loss: 'half-sse',
      learningRate: 0.05, // far too large for these scales: diverges
      backend,
      wasm: WASM_PATH,
    });
    let last: number[] = [];
    let lastState = { state: new Float32Array(0) as ArrayLike<number>, step: 0 };
    const err = await net
      .fit(x, y, {
        epochs: 1000,
        batchSize: 2,
        onBatchEnd: () => {
          const q = net.getParameters();
          last = [...q.weights, ...q.biases].flatMap((a) => [...a]);
          lastState = net.getOptimizerState();
        },
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DivergenceError);
    const d = err as DivergenceError;
    expect(d.message).toMatch(
      new RegExp(
        `^the training loss became (NaN|Infinity) at epoch ${d.epoch}, batch ${d.batch} \\(0-based\\)`,
      ),
    );
    const q = net.getParameters();
    const now = [...q.weights, ...q.biases].flatMap((a) => [...a]);
    expect(now).toEqual(last);
    expect(now.every(Number.isFinite)).toBe(true);
    expect(net.getOptimizerState().step).toBe(lastState.step);
    net.dispose();
  });

  it('methods that change parameters throw while fit runs; dispose stops it', async () => {
    const { x, y } = toy(7);
    const net = await classifier(backend);
    const p = net.fit(x, y, { epochs: 50, yieldEveryMs: 0 });
    expect(() => net.trainStep(x, y)).toThrow(StateError);
    expect(() => net.trainStep(x, y)).toThrow(
      /^trainStep\(\) cannot be called while fit\(\) is running$/,
    );
    expect(() => net.setParameters(net.getParameters())).toThrow(
      /^setParameters\(\) cannot be called while fit\(\) is running$/,
    );
    await expect(net.fit(x, y)).rejects.toThrow(
      /^fit\(\) cannot be called while fit\(\) is running$/,
    );
    expect(net.predict(x[0]!)).toHaveLength(3); // reads are fine
    net.dispose();
    await expect(p).rejects.toThrow(/^Network was disposed$/);
  });
});

/** The longest gap between the ticks of a 2 ms interval timer while `work` runs. */
async function watchTimer(work: () => Promise<unknown>): Promise<{ worst: number; ticks: number }> {
  let last = performance.now();
  let worst = 0;
  let ticks = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last);
    last = now;
    ticks++;
  }, 2);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  return { worst, ticks };
}

describe('fit does not freeze the event loop', () => {
  it('a 2 ms interval timer is never late by more than the stated bound during fit (wasm)', async () => {
    // [64, 256, 10] on 4,000 rows (3,000 train), batch 64: ~0.2 ms per batch here, 30 epochs ≈ 0.7 s.
    const next = rng(9);
    const rows = 4000;
    const x = Float64Array.from(randArray(next, rows * 64, 0, 1));
    const y = new Float64Array(rows * 10);
    for (let r = 0; r < rows; r++) y[r * 10 + (r % 10)] = 1;
    const net = await Network.create({
      layers: [64, 256, 10],
      activation: ['relu', 'softmax'],
      loss: 'categorical-cross-entropy',
      optimizer: 'adam',
      learningRate: 0.001,
      wasm: WASM_PATH,
    });
    // The machine's own scheduling noise first: the same timer next to an ideal cooperative
    // CPU-bound task (1 ms of work, then a yield, for 0.5 s). On a loaded machine a busy
    // process waits tens of ms for a core, with or without fit; the bound below is on what fit
    // adds to that.
    const baseline = await watchTimer(async () => {
      const end = performance.now() + 500;
      while (performance.now() < end) {
        const spin = performance.now() + 1;
        while (performance.now() < spin);
        await new Promise((resolve) => setImmediate(resolve));
      }
    });
    const t0 = performance.now();
    const during = await watchTimer(() =>
      net.fit(x, y, { epochs: 30, batchSize: 64, validationSplit: 0.25 }),
    );
    const ms = performance.now() - t0;
    console.log(
      `[fit] longest gap between 2 ms timer ticks during a ${ms.toFixed(0)} ms fit: ` +
        `${during.worst.toFixed(1)} ms (${during.ticks} ticks); a cooperative busy loop: ` +
        `${baseline.worst.toFixed(1)} ms`,
    );
    // Yields come every 8 ms (the default budget) plus at most one batch (~1 ms) or one
    // 1024-row validation chunk (~2 ms); 50 ms leaves room for GC pauses.
    expect(during.ticks).toBeGreaterThan(ms / 50);
    expect(during.worst).toBeLessThan(50 + baseline.worst);
    net.dispose();
  }, 60_000);
});

describe.each(BACKENDS)('predict, evaluate, optimizer state, initializers — %s', (backend) => {
  it('predict equals forward, in chunks; evaluate gives loss and accuracy', async () => {
    const net = await classifier(backend);
    const { x, y } = toy(8, 2100); // more than two 1024-row chunks
    expect([...net.predict(x)]).toEqual([...net.forward(x)]);
    const e = net.evaluate(x, y);
    expect(e.loss).toBeCloseTo(net.loss(x, y), 5);
    const out = net.predict(x);
    let right = 0;
    for (let r = 0; r < x.length; r++) {
      const row = [...out.subarray(r * 3, r * 3 + 3)];
      if (row.indexOf(Math.max(...row)) === y[r]!.indexOf(1)) right++;
    }
    expect(e.accuracy).toBe(right / x.length);
    // one output: threshold 0.5
    const bin = await Network.create({ layers: [2, 3, 1], seed: 1, backend, wasm: WASM_PATH });
    const o = bin.predict(XOR_X);
    const acc = XOR_Y.filter(([t], i) => o[i]! >= 0.5 === t! >= 0.5).length / 4;
    expect(bin.evaluate(XOR_X, XOR_Y).accuracy).toBe(acc);
    net.dispose();
    bin.dispose();
  });

  it('saving and restoring optimizer state resumes training exactly', async () => {
    const { x, y } = toy(10);
    const a = await classifier(backend, { dtype: 'f64' } as Partial<NetworkOptions>);
    await a.fit(x, y, { epochs: 2, batchSize: 10, shuffle: false });
    const saved = { params: a.getParameters(), opt: a.getOptimizerState() };
    expect(saved.opt.step).toBe(12);
    expect(saved.opt.state).toHaveLength(2 * a.parameterCount);
    await a.fit(x, y, { epochs: 1, batchSize: 10, shuffle: false });

    const b = await classifier(backend, { dtype: 'f64', seed: 99 } as Partial<NetworkOptions>);
    b.setParameters(saved.params);
    b.setOptimizerState(saved.opt);
    await b.fit(x, y, { epochs: 1, batchSize: 10, shuffle: false });
    expect(b.getParameters()).toEqual(a.getParameters());
    expect(b.getOptimizerState()).toEqual(a.getOptimizerState());
    a.dispose();
    b.dispose();
  });

  it('the default sigmoid network keeps the original uniform [-1, 1) initial weights', async () => {
    const net = await Network.create({ layers: [2, 3, 1], dtype: 'f64', backend, wasm: WASM_PATH });
    expect(net.initializers).toEqual(['uniform', 'uniform']);
    // mulberry32 from state 1 (seed 1), 2·u/2³² − 1 per parameter, weights then biases per layer
    let a = 1;
    const next = () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return (2 * ((t ^ (t >>> 14)) >>> 0)) / 2 ** 32 - 1;
    };
    const expected = Array.from({ length: 13 }, next);
    const p = net.getParameters();
    expect([...p.weights[0]!, ...p.biases[0]!, ...p.weights[1]!, ...p.biases[1]!]).toEqual(
      expected,
    );
    net.dispose();
  });

  it('Glorot and He initializers have the documented ranges and deviations', async () => {
    const layers = [400, 300, 10];
    for (const [init, bound, sigma] of [
      ['glorot-uniform', Math.sqrt(6 / 700), Math.sqrt(6 / 700) / Math.sqrt(3)],
      ['he-uniform', Math.sqrt(6 / 400), Math.sqrt(6 / 400) / Math.sqrt(3)],
      ['glorot-normal', Infinity, Math.sqrt(2 / 700)],
      ['he-normal', Infinity, Math.sqrt(2 / 400)],
    ] as const) {
      const net = await Network.create({
        layers,
        initializer: init,
        activation: 'relu',
        dtype: 'f64',
        backend,
        wasm: WASM_PATH,
      });
      const w = net.getParameters().weights[0]!;
      const mean = w.reduce((s, v) => s + v, 0) / w.length;
      const sd = Math.sqrt(w.reduce((s, v) => s + (v - mean) ** 2, 0) / w.length);
      expect(Math.max(...w.map(Math.abs)), init).toBeLessThanOrEqual(bound);
      expect(Math.abs(mean), init).toBeLessThan(sigma * 0.02); // 120,000 draws: sd of mean σ/346
      expect(Math.abs(sd / sigma - 1), init).toBeLessThan(0.01);
      expect(net.getParameters().biases.every((b) => b.every((v) => v === 0))).toBe(true);
      net.dispose();
    }
    const relu = await Network.create({
      layers: [4, 5, 3],
      activation: ['relu', 'softmax'],
      backend,
      wasm: WASM_PATH,
    });
    expect(relu.initializers).toEqual(['he-uniform', 'glorot-uniform']);
    relu.dispose();
  });
});
