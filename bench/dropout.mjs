#!/usr/bin/env node
// Dropout on an overfitting setup (issue 13's target): MNIST from 2,000 training digits,
// [784,512,512,10] relu/relu/softmax, categorical cross-entropy, Adam, the same epochs with
// and without dropout; held-out accuracy on the 2,000 test digits of test/datasets.ts's
// deterministic split. Not a timed benchmark: it reports accuracies (and the wall time).
//
//   node bench/dropout.mjs [--epochs 30] [--seeds 1,2,3,4,5] [--rates 0,0.2,0.5] [--out file.json]
//
// test/datasets.ts is TypeScript: it is bundled once with esbuild into dist/.bench/ (so its
// createRequire still finds node_modules), then imported with the built package (dist/).
import { build } from 'esbuild';
import { writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({
  options: {
    epochs: { type: 'string', default: '30' },
    seeds: { type: 'string', default: '1,2,3,4,5' },
    rates: { type: 'string', default: '0,0.2,0.5' },
    train: { type: 'string', default: '2000' },
    out: { type: 'string' },
  },
});
const epochs = Number(values.epochs);
const seeds = values.seeds.split(',').map(Number);
const rates = values.rates.split(',').map(Number);
const nTrain = Number(values.train);

const bundle = `${root}dist/.bench/datasets.mjs`;
await build({
  entryPoints: [`${root}test/datasets.ts`],
  bundle: true,
  platform: 'node',
  format: 'esm',
  packages: 'external',
  outfile: bundle,
  logLevel: 'warning',
});
const { mnist } = await import(pathToFileURL(bundle).href);
const { Network } = await import(pathToFileURL(`${root}dist/index.js`).href);

const data = mnist(1); // 8,000 / 2,000 digits, shuffled with seed 1
const trainX = data.trainX.subarray(0, nTrain * 784);
const trainY = data.trainY.subarray(0, nTrain * 10);

const results = [];
for (const seed of seeds) {
  for (const rate of rates) {
    const net = await Network.create({
      layers: [784, 512, 512, 10],
      activation: ['relu', 'relu', 'softmax'],
      loss: 'categorical-cross-entropy',
      optimizer: 'adam',
      learningRate: 1e-3,
      dropout: rate,
      seed,
    });
    const t0 = performance.now();
    const history = await net.fit(trainX, trainY, { epochs, batchSize: 64 });
    const seconds = (performance.now() - t0) / 1000;
    const train = net.evaluate(trainX, trainY);
    const test = net.evaluate(data.testX, data.testY);
    net.dispose();
    const row = {
      seed,
      dropout: rate,
      epochs,
      trainAccuracy: train.accuracy,
      testAccuracy: test.accuracy,
      testLoss: test.loss,
      lastTrainLoss: history.loss.at(-1),
      seconds,
    };
    results.push(row);
    console.log(
      `seed ${seed} dropout ${rate}: train acc ${(100 * train.accuracy).toFixed(2)}%, ` +
        `held-out acc ${(100 * test.accuracy).toFixed(2)}% (loss ${test.loss.toFixed(4)}), ` +
        `${seconds.toFixed(1)} s`,
    );
  }
}
console.log(
  `\n[784,512,512,10], ${nTrain} training digits, ${epochs} epochs, batch 64, Adam 1e-3:`,
);
for (const rate of rates) {
  const rows = results.filter((r) => r.dropout === rate);
  const mean = (k) => rows.reduce((s, r) => s + r[k], 0) / rows.length;
  console.log(
    `dropout ${rate}: mean held-out accuracy ${(100 * mean('testAccuracy')).toFixed(2)}% ` +
      `(train ${(100 * mean('trainAccuracy')).toFixed(2)}%, held-out loss ${mean('testLoss').toFixed(4)}) over seeds ${seeds}`,
  );
}
if (values.out) writeFileSync(values.out, `${JSON.stringify(results, null, 2)}\n`);
