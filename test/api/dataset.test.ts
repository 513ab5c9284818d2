// fit(dataset): training from a function returning an (async) iterator of { x, y } rows or
// batches, re-invoked each epoch. The same rows in the same order train bit-identically to
// fit(x, y); the bounded shuffle buffer is seeded, a permutation per epoch, and moves no row
// earlier than the buffer allows; validation from a second dataset; bad items mid-epoch are
// errors naming the epoch, batch and item with the parameters as after the last good batch.
import { describe, expect, it } from 'vitest';
import {
  Network,
  NonFiniteError,
  OptionError,
  ShapeError,
  type BackendName,
  type Dataset,
  type DatasetItem,
} from 'wasm-mlp';
import { WASM_PATH } from '../helpers.js';
import { classifier, toy } from './toy-classifier.js';

const BACKENDS: BackendName[] = ['wasm', 'reference'];

/** The rows as a dataset of items of `per` rows (the last one shorter), sync or async. */
function itemsOf(x: number[][], y: number[][], per: number, async = false): Dataset {
  const items = (): DatasetItem[] => {
    const out: DatasetItem[] = [];
    for (let i = 0; i < x.length; i += per) {
      out.push(
        per === 1 ? { x: x[i]!, y: y[i]! } : { x: x.slice(i, i + per), y: y.slice(i, i + per) },
      );
    }
    return out;
  };
  return async
    ? async function* () {
        yield* items();
      }
    : () => items()[Symbol.iterator]();
}

describe.each(BACKENDS)('fit(dataset), %s', (backend) => {
  it('trains bit-identically to fit(x, y) on the same rows in the same order, rows or batches', async () => {
    const { x, y } = toy(1, 90);
    const base = await classifier(backend);
    const h0 = await base.fit(x, y, { epochs: 3, batchSize: 16, shuffle: false });
    for (const [per, async] of [
      [1, false],
      [7, true],
      [90, false],
    ] as const) {
      const net = await classifier(backend);
      const h = await net.fit(itemsOf(x, y, per, async), {
        epochs: 3,
        batchSize: 16,
        shuffle: false,
      });
      expect(h.loss).toEqual(h0.loss);
      expect(h.accuracy).toEqual(h0.accuracy);
      expect(net.getParameters()).toEqual(base.getParameters());
      expect(net.epochsTrained).toBe(3);
    }
  });

  it('sparse class ids (a number per row) and the network normalization apply to items', async () => {
    const { x, y } = toy(6, 45);
    const labels = y.map((r) => r.indexOf(1));
    const sparse = { loss: 'sparse-categorical-cross-entropy' } as const;
    const [a, b] = [await classifier(backend, sparse), await classifier(backend, sparse)];
    for (const net of [a, b])
      net.setNormalization({ mean: [0.5, 0.4, 0.3], std: [0.3, 0.2, 0.25] });
    const h0 = await a.fit(x, labels, { epochs: 2, batchSize: 9, shuffle: false });
    const rows: Dataset = function* () {
      for (let i = 0; i < x.length; i++) yield { x: x[i]!, y: labels[i]! };
    };
    const h = await b.fit(rows, { epochs: 2, batchSize: 9, shuffle: false });
    expect(h.loss).toEqual(h0.loss);
    expect(b.getParameters()).toEqual(a.getParameters());
  });

  it('copies each item before asking for the next, so an iterator may reuse its arrays', async () => {
    const { x, y } = toy(2, 50);
    const reused: Dataset = function* () {
      const bx = new Float32Array(3);
      const by = new Float32Array(3);
      for (let i = 0; i < x.length; i++) {
        bx.set(x[i]!);
        by.set(y[i]!);
        yield { x: bx, y: by };
      }
    };
    const [a, b] = [await classifier(backend), await classifier(backend)];
    await a.fit(reused, { epochs: 2, batchSize: 8, shuffleBuffer: 20 });
    await b.fit(itemsOf(x, y, 1), { epochs: 2, batchSize: 8, shuffleBuffer: 20 });
    expect(a.getParameters()).toEqual(b.getParameters());
  });

  it('validates on a second dataset after each epoch (the loss evaluate gives)', async () => {
    const { x, y } = toy(3, 80);
    const val = toy(4, 30);
    const net = await classifier(backend);
    const h = await net.fit(itemsOf(x, y, 5), {
      epochs: 4,
      batchSize: 10,
      validationData: itemsOf(val.x, val.y, 4, true),
    });
    expect(h.valLoss).toHaveLength(4);
    expect(h.valAccuracy).toHaveLength(4);
    const e = net.evaluate(val.x, val.y);
    expect(h.valLoss.at(-1)).toBeCloseTo(e.loss, 12);
    expect(h.valAccuracy!.at(-1)).toBe(e.accuracy);
    // In-memory validation rows give the same numbers.
    const again = await classifier(backend);
    const h2 = await again.fit(itemsOf(x, y, 5), {
      epochs: 4,
      batchSize: 10,
      validationData: val,
    });
    expect(h2.valLoss).toEqual(h.valLoss);
  });

  it('early stopping on the validation dataset', async () => {
    const { x, y } = toy(5, 60);
    const net = await classifier(backend, { learningRate: 0.5 });
    const h = await net.fit(itemsOf(x, y, 6), {
      epochs: 50,
      batchSize: 6,
      validationData: itemsOf(x.slice(0, 20), y.slice(0, 20), 20),
      earlyStopping: { patience: 2, restoreBestWeights: true },
    });
    expect(h.bestEpoch).not.toBeNull();
    expect(h.epochs).toBeLessThanOrEqual(50);
    if (h.stoppedEarly) expect(h.epochs).toBe(h.bestEpoch! + 3);
  });
});

describe('the shuffle buffer', () => {
  /**
   * The order in which `fit` takes the rows of a dataset: each row's target is its id, the
   * input 0, so with zero parameters and a negligible learning rate the batch's mae (batch
   * size 1) is the id of the row trained on.
   */
  async function orders(n: number, options: object, seed = 7): Promise<number[][]> {
    const net = await Network.create({
      layers: [1, 1],
      activation: 'linear',
      loss: 'mse',
      learningRate: 1e-12,
      dtype: 'f64',
      seed,
      wasm: WASM_PATH,
    });
    net.setParameters({ weights: [[0]], biases: [[0]] });
    const seen: number[][] = [];
    const ids: Dataset = async function* () {
      for (let i = 0; i < n; i++) yield { x: [0], y: [i] };
    };
    await net.fit(ids, {
      batchSize: 1,
      ...options,
      onBatchEnd: ({ epoch, mae }) => void (seen[epoch] ??= []).push(Math.round(mae!)),
    });
    return seen;
  }
  const identity = (n: number) => Array.from({ length: n }, (_, i) => i);

  it('each epoch is a permutation, different per epoch, the same for the same seed', async () => {
    const a = await orders(40, { epochs: 3, shuffleBuffer: 64 });
    for (const epoch of a) expect([...epoch].sort((p, q) => p - q)).toEqual(identity(40));
    expect(a[0]).not.toEqual(a[1]);
    expect(a[0]).not.toEqual(identity(40));
    expect(await orders(40, { epochs: 3, shuffleBuffer: 64 })).toEqual(a);
    expect(await orders(40, { epochs: 3, shuffleBuffer: 64 }, 8)).not.toEqual(a);
  });

  it('a buffer of k rows never moves a row more than k places earlier; shuffle: false keeps the order', async () => {
    const k = 5;
    const [order] = await orders(200, { shuffleBuffer: k });
    expect([...order!].sort((p, q) => p - q)).toEqual(identity(200));
    order!.forEach((id, position) => expect(id).toBeLessThanOrEqual(position + k));
    expect(order).not.toEqual(identity(200));
    expect((await orders(30, { shuffle: false, shuffleBuffer: k }))[0]).toEqual(identity(30));
  });
});

describe('bad datasets', () => {
  const { x, y } = toy(9, 40);

  /** A dataset of the rows one by one, with `bad` as item `at` from epoch `epoch` on. */
  const withBad =
    (at: number, epoch: number, bad: DatasetItem): Dataset =>
    () => {
      let calls = 0;
      return (function* () {
        const e = calls++;
        for (let i = 0; i < x.length; i++)
          yield e >= epoch && i === at ? bad : { x: x[i]!, y: y[i]! };
      })();
    };

  it.each([
    ['a row of the wrong width', { x: [1, 2], y: [1, 0, 0] }, ShapeError, /x/],
    ['a target of the wrong width', { x: [1, 2, 3], y: [1, 0] }, ShapeError, /y/],
    ['NaN in x', { x: [1, NaN, 3], y: [1, 0, 0] }, NonFiniteError, /NaN/],
    ['Infinity in y', { x: [1, 2, 3], y: [Infinity, 0, 0] }, NonFiniteError, /Infinity/],
    ['not an { x, y } item', 42 as unknown as DatasetItem, ShapeError, /\{ x, y \}/],
  ])(
    '%s mid-epoch: error naming epoch, batch and item; parameters after the last good batch',
    async (_, bad, type, detail) => {
      // Item 23 of epoch 1 (batches of 5, unshuffled): batches 0–3 of epoch 1 were applied.
      const net = await classifier('wasm');
      let calls = 0;
      const dataset: Dataset = () => {
        const e = calls++;
        return (function* () {
          for (let i = 0; i < x.length; i++)
            yield e === 1 && i === 23 ? bad : { x: x[i]!, y: y[i]! };
        })();
      };
      const error = await net
        .fit(dataset, { epochs: 3, batchSize: 5, shuffle: false })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(type);
      expect((error as Error).message).toMatch(
        /^dataset item 23 at epoch 1, batch 4 \(0-based\): /,
      );
      expect((error as Error).message).toMatch(detail);
      expect((error as Error).message).toMatch(
        /parameters and optimizer state are those after the previous batch/,
      );
      // The same network trained on epoch 0 and the first 20 rows of epoch 1 only.
      const ref = await classifier('wasm');
      await ref.fit(itemsOf(x, y, 1), { epochs: 1, batchSize: 5, shuffle: false });
      await ref.fit(itemsOf(x.slice(0, 20), y.slice(0, 20), 1), { batchSize: 5, shuffle: false });
      expect(net.getParameters()).toEqual(ref.getParameters());
      expect(net.getOptimizerState()).toEqual(ref.getOptimizerState());
      expect(net.epochsTrained).toBe(1);
    },
  );

  it('a bad item in the first epoch fails before training; the network is unchanged', async () => {
    const net = await classifier('reference');
    const before = net.getParameters();
    const error = await net
      .fit(withBad(0, 0, { x: [1, 2, 3, 4], y: [1, 0, 0] }), { batchSize: 5 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ShapeError);
    expect((error as Error).message).toMatch(/^dataset item 0 at epoch 0, batch 0 \(0-based\): /);
    expect(net.getParameters()).toEqual(before);
  });

  it('a bad validation item names the epoch after which it was read', async () => {
    const net = await classifier('wasm');
    const error = await net
      .fit(itemsOf(x, y, 4), {
        epochs: 2,
        validationData: withBad(3, 0, { x: [NaN, 0, 0], y: [1, 0, 0] }),
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NonFiniteError);
    expect((error as Error).message).toMatch(/^validationData item 3 after epoch 0 \(0-based\): /);
  });

  it('option errors, before any training (network unchanged)', async () => {
    const net = await classifier('wasm');
    const before = net.getParameters();
    const data = itemsOf(x, y, 4);
    const cases: [() => Promise<unknown>, RegExp][] = [
      [() => net.fit(data, { shuffleBuffer: 0 }), /shuffleBuffer must be an integer >= 1, got 0/],
      [
        () => net.fit(data, { validationSplit: 0.2 } as object),
        /validationSplit needs the rows in memory/,
      ],
      [() => net.fit(data, { batchsize: 4 } as object), /unknown option 'batchsize'/],
      [() => net.fit(data, [[1, 0, 0]] as unknown as object), /takes no y/],
      [
        () => net.fit((() => 5) as unknown as Dataset),
        /must be a function returning an iterator.*returned 5/,
      ],
      [
        () => net.fit(data, { validationData: (() => null) as unknown as Dataset }),
        /validationData must be a function returning an iterator/,
      ],
      [() => net.fit(data, { metrics: ['r3'] } as object), /metric/],
    ];
    for (const [call, message] of cases) {
      const error = await call().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OptionError);
      expect((error as Error).message).toMatch(message);
    }
    expect(await net.fit(() => [], {}).catch((e: unknown) => e)).toBeInstanceOf(ShapeError);
    expect(net.getParameters()).toEqual(before);
    expect(net.epochsTrained).toBe(0);
  });

  it('an abort stops between batches and closes the iterator', async () => {
    let open = 0;
    const controller = new AbortController();
    const dataset: Dataset = async function* () {
      open++;
      try {
        for (let i = 0; i < x.length; i++) yield { x: x[i]!, y: y[i]! };
      } finally {
        open--;
      }
    };
    const net = await classifier('wasm');
    const run = net.fit(dataset, {
      epochs: 5,
      batchSize: 4,
      onBatchEnd: ({ epoch, batch }) => {
        if (epoch === 1 && batch === 2) controller.abort();
      },
      signal: controller.signal,
    });
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(open).toBe(0);
    expect(net.epochsTrained).toBe(1);
  });

  it('closes the iterator of every epoch, also when training stops on an error', async () => {
    let open = 0;
    let calls = 0;
    const dataset: Dataset = async function* () {
      open++;
      const e = calls++;
      try {
        for (let i = 0; i < x.length; i++)
          yield e === 2 && i === 9 ? { x: [0], y: [1] } : { x: x[i]!, y: y[i]! };
      } finally {
        open--;
      }
    };
    const net = await classifier('wasm');
    await expect(net.fit(dataset, { epochs: 4, batchSize: 4 })).rejects.toThrow(ShapeError);
    expect(calls).toBe(3);
    expect(open).toBe(0);
  });
});
