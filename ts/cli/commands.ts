/**
 * The CLI's commands: train, evaluate, predict, export. Each takes parsed options and an
 * output function, so the tests and `main.ts` share them.
 * @module
 */
import { writeFileSync } from 'node:fs';
import { stringify } from 'csv-stringify/sync';
import { Network, type ActivationName, type Dtype, type OptimizerName } from '../index.js';
import { mulberry32, seedState } from '../init.js';
import { toONNX } from '../onnx.js';
import { readTable } from './csv.js';
import {
  decodeOutputs,
  encodeFeatures,
  encodeTargets,
  encodingFromMetadata,
  encodingToMetadata,
  fitEncoding,
  outputWidth,
  type Encoding,
  type Task,
} from './encoding.js';
import { CliError } from './errors.js';
import { loadModel, saveModel } from './model-file.js';
import { createProgress } from './progress.js';

export type Print = (line: string) => void;

export interface TrainOptions {
  data: string;
  target: string;
  features?: string[];
  layers: number[];
  activation: ActivationName;
  epochs: number;
  batchSize: number;
  optimizer: OptimizerName;
  learningRate: number;
  task: Task | 'auto';
  validationSplit?: number;
  standardize: boolean;
  seed: number;
  dtype: Dtype;
  out: string;
}

/** A seeded permutation of 0…n−1 (Fisher–Yates over the library's mulberry32), for the split. */
function permutation(n: number, seed: number): number[] {
  const next = mulberry32(seedState(seed));
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor((next() * (i + 1)) / 0x1_0000_0000);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

export async function train(o: TrainOptions, print: Print): Promise<void> {
  const table = readTable(o.data);
  const enc = fitEncoding(table, o.target, o.features, o.task, o.standardize);
  // Rows in a seeded random order, so a validation split is not e.g. one class of a sorted file.
  const order = permutation(table.rows.length, o.seed);
  table.rows = order.map((i) => table.rows[i]!);
  table.lines = order.map((i) => table.lines[i]!);
  const x = encodeFeatures(table, enc);
  const y = encodeTargets(table, enc);
  const classify = enc.task === 'classification';
  const hidden = o.layers.length;
  const net = await Network.create({
    layers: [enc.features.length, ...o.layers, outputWidth(enc)],
    activation: [
      ...Array<ActivationName>(hidden).fill(o.activation),
      classify ? 'softmax' : 'linear',
    ],
    loss: classify ? 'categorical-cross-entropy' : 'mse',
    optimizer: o.optimizer,
    learningRate: o.learningRate,
    seed: o.seed,
    dtype: o.dtype,
  });
  net.metadata = encodingToMetadata(enc);
  const trainRows = o.validationSplit
    ? Math.floor(table.rows.length * (1 - o.validationSplit))
    : table.rows.length;
  const batchSize = Math.min(o.batchSize, trainRows);
  print(
    `${table.rows.length} rows, ${enc.features.length} features, ${classify ? `classification (${enc.classes.length} classes: ${enc.classes.join(', ')})` : `regression of '${enc.target}'`}; ` +
      `layers ${net.layers.join('-')}, ${o.activation}, ${o.optimizer} lr ${o.learningRate}`,
  );
  const batches = Math.ceil(trainRows / batchSize);
  const progress = createProgress(o.epochs, batches, classify, print);
  const started = performance.now();
  try {
    await net.fit(x, y, {
      epochs: o.epochs,
      batchSize,
      ...(o.validationSplit ? { validationSplit: o.validationSplit } : {}),
      onBatchEnd: (b) => progress.batch(b),
      onEpochEnd: (e) => progress.epoch(e),
    });
  } finally {
    progress.stop();
  }
  const seconds = (performance.now() - started) / 1000;
  saveModel(net, o.out);
  print(`trained ${o.epochs} epochs in ${seconds.toFixed(1)} s; saved ${o.out}`);
}

async function modelAndTable(
  model: string,
  data: string,
): Promise<{ net: Network<Dtype>; enc: Encoding; table: ReturnType<typeof readTable> }> {
  const net = await loadModel(model);
  const enc = encodingFromMetadata(net.metadata, model);
  return { net, enc, table: readTable(data) };
}

export async function evaluate(o: { model: string; data: string }, print: Print): Promise<void> {
  const { net, enc, table } = await modelAndTable(o.model, o.data);
  const x = encodeFeatures(table, enc);
  const y = encodeTargets(table, enc);
  const { loss, accuracy } = net.evaluate(x, y);
  print(`rows ${table.rows.length}`);
  if (enc.task === 'classification') {
    print(`loss ${loss.toFixed(4)} (categorical cross-entropy)`);
    print(`accuracy ${accuracy.toFixed(4)}`);
  } else {
    const predicted = decodeOutputs(net.predict(x), table.rows.length, enc).map(Number);
    const actual = Array.from(y, (v) => v * enc.targetStd + enc.targetMean);
    const mse = predicted.reduce((s, p, i) => s + (p - actual[i]!) ** 2, 0) / predicted.length;
    const mae = predicted.reduce((s, p, i) => s + Math.abs(p - actual[i]!), 0) / predicted.length;
    print(`mse ${mse.toPrecision(6)}`);
    print(`rmse ${Math.sqrt(mse).toPrecision(6)}`);
    print(`mae ${mae.toPrecision(6)}`);
  }
}

export async function predict(
  o: { model: string; data: string; out?: string },
  print: Print,
): Promise<void> {
  const { net, enc, table } = await modelAndTable(o.model, o.data);
  const labels = decodeOutputs(net.predict(encodeFeatures(table, enc)), table.rows.length, enc);
  const column = `predicted_${enc.target}`;
  const csv = stringify([
    [...table.columns, column],
    ...table.rows.map((r, i) => [...r, labels[i]!]),
  ]);
  if (o.out === undefined) {
    print(csv.replace(/\n$/, ''));
    return;
  }
  try {
    writeFileSync(o.out, csv);
  } catch (e) {
    throw new CliError(`cannot write '${o.out}': ${(e as Error).message}`);
  }
  print(`wrote ${table.rows.length} predictions (column '${column}') to ${o.out}`);
}

/**
 * Exports to ONNX. The CLI's feature standardization is folded into the first layer
 * (`W'[r][c] = W[r][c] / s_r`, `b'[c] = b[c] − Σ_r m_r / s_r · W[r][c]`), so the ONNX model takes
 * the raw feature columns in `features` order; its outputs are class probabilities (in
 * `classes` order) or the standardized target (`value · target_std + target_mean`).
 */
export async function exportOnnx(
  o: { model: string; onnx: string; opset: number },
  print: Print,
): Promise<void> {
  const net = await loadModel(o.model);
  const meta = net.metadata;
  if (meta['feature_mean'] !== undefined) {
    const enc = encodingFromMetadata(meta, o.model);
    const { weights, biases } = net.getParameters();
    const [w, b] = [weights[0]!, biases[0]!];
    const nOut = net.layers[1]!;
    enc.features.forEach((_, r) => {
      const [m, s] = [enc.featureMean[r]!, enc.featureStd[r]!];
      for (let c = 0; c < nOut; c++) {
        b[c] = b[c]! - (m / s) * w[r * nOut + c]!;
        w[r * nOut + c] = w[r * nOut + c]! / s;
      }
    });
    net.setParameters({ weights, biases });
    const { feature_mean: _m, feature_std: _s, ...rest } = meta;
    net.metadata = { ...rest, standardization: 'folded into layers.0' };
  }
  const bytes = toONNX(net, { opset: o.opset });
  try {
    writeFileSync(o.onnx, bytes);
  } catch (e) {
    throw new CliError(`cannot write '${o.onnx}': ${(e as Error).message}`);
  }
  print(
    `wrote ${o.onnx} (${bytes.length} bytes, opset ${o.opset}, input 'input' [batch, ${net.layers[0]}], output 'output' [batch, ${net.layers[net.layers.length - 1]}])`,
  );
}
