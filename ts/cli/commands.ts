/**
 * The CLI's commands: train, evaluate, predict, export. Each takes parsed options and an
 * output function, so the tests and `main.ts` share them.
 * @module
 */
import { stringify } from 'csv-stringify/sync';
import { Network, type ActivationName, type Dtype, type OptimizerName } from '../index.js';
import { mulberry32, seedState } from '../init.js';
import { toONNX } from '../onnx.js';
import { openAtomic, writeFileAtomic } from './atomic-write.js';
import { readTable, scanCsv } from './csv.js';
import {
  decodeRow,
  decodeValue,
  encodeClassIds,
  encodeTargets,
  encodingFromMetadata,
  encodingToMetadata,
  fitEncoding,
  modelSelection,
  outputWidth,
  trainingSelection,
  type Encoding,
  type Task,
} from './encoding.js';
import { CliError } from './errors.js';
import {
  checkResumed,
  checkpointOption,
  preflightCheckpoint,
  resumeFile,
  type CheckpointFlags,
} from './checkpoint.js';
import { loadModel, saveModel } from './model-file.js';
import {
  preflightEvaluate,
  preflightExport,
  preflightPredict,
  preflightTrain,
} from './preflight.js';
import { createProgress } from './progress.js';

export type Print = (line: string) => void;
/** Raw output (stdout): chunks of text written as they are. */
export type Write = (chunk: string) => void;

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

export type TrainCommandOptions = TrainOptions & CheckpointFlags;

/** A seeded permutation of 0…n−1 (Fisher–Yates over the library's mulberry32), for the split. */
function permutation(n: number, seed: number): Uint32Array {
  const next = mulberry32(seedState(seed));
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor((next() * (i + 1)) / 0x1_0000_0000);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

/**
 * Reorders the rows of a row-major matrix in place so that row i becomes the old row
 * `order[i]` (following each cycle of the permutation with one spare row), so shuffling a
 * large table costs one row and a bitmap instead of a second matrix.
 */
function permuteRows(m: Float64Array, width: number, order: Uint32Array): Float64Array {
  const done = new Uint8Array(order.length);
  const spare = new Float64Array(width);
  for (let start = 0; start < order.length; start++) {
    if (done[start]) continue;
    spare.set(m.subarray(start * width, (start + 1) * width));
    let i = start;
    for (;;) {
      done[i] = 1;
      const from = order[i]!;
      if (from === start) {
        m.set(spare, i * width);
        break;
      }
      m.copyWithin(i * width, from * width, (from + 1) * width);
      i = from;
    }
  }
  return m;
}

export async function train(o: TrainCommandOptions, print: Print): Promise<void> {
  // A bad model file name or an unwritable directory fails now, not after the training.
  preflightTrain(o);
  preflightCheckpoint(o);
  const resume = resumeFile(o);
  // A resumed run takes the architecture and the seed (which orders the rows) from its file.
  const resumed = resume === undefined ? null : await loadModel(resume);
  const seed = resumed?.seed ?? o.seed;
  const table = readTable(o.data, (columns) =>
    trainingSelection(o.data, columns, o.target, o.features, o.task),
  );
  const enc = fitEncoding(table, o.task, o.standardize);
  const rows = table.rows;
  // Rows in a seeded random order, so a validation split is not e.g. one class of a sorted file.
  const order = permutation(rows, seed);
  // Raw features: the network standardises them (its normalization, saved in the model).
  const x = permuteRows(table.x, enc.features.length, order);
  const y = permuteRows(encodeTargets(table, enc), outputWidth(enc), order);
  const classify = enc.task === 'classification';
  const hidden = o.layers.length;
  const layers = [enc.features.length, ...o.layers, outputWidth(enc)];
  const net =
    resumed ??
    (await Network.create({
      layers,
      activation: [
        ...Array<ActivationName>(hidden).fill(o.activation),
        classify ? 'softmax' : 'linear',
      ],
      loss: classify ? 'categorical-cross-entropy' : 'mse',
      optimizer: o.optimizer,
      learningRate: o.learningRate,
      seed: o.seed,
      dtype: o.dtype,
    }));
  if (resumed) {
    checkResumed(resume!, resumed, layers);
  } else {
    net.metadata = encodingToMetadata(enc);
    net.setNormalization(enc.normalization);
  }
  const epochs = Math.max(0, o.epochs - net.epochsTrained);
  const trainRows = o.validationSplit ? Math.floor(rows * (1 - o.validationSplit)) : rows;
  const batchSize = Math.min(o.batchSize, trainRows);
  print(
    `${rows} rows, ${enc.features.length} features, ${classify ? `classification (${enc.classes.length} classes: ${enc.classes.join(', ')})` : `regression of '${enc.target}'`}; ` +
      `layers ${net.layers.join('-')}, ${resumed ? '' : `${o.activation}, `}${net.optimizer.type} lr ${net.learningRate}` +
      (resumed ? `; resuming from ${resume} after epoch ${net.epochsTrained} of ${o.epochs}` : ''),
  );
  const batches = Math.ceil(trainRows / batchSize);
  const progress = createProgress(epochs, batches, classify, print);
  const started = performance.now();
  try {
    if (epochs > 0) {
      await net.fit(x, y, {
        epochs,
        batchSize,
        ...(o.validationSplit ? { validationSplit: o.validationSplit } : {}),
        ...checkpointOption(o),
        onBatchEnd: (b) => progress.batch(b),
        onEpochEnd: (e) => progress.epoch(e),
      });
    }
  } finally {
    progress.stop();
  }
  const seconds = (performance.now() - started) / 1000;
  saveModel(net, o.out);
  print(`trained ${epochs} epochs in ${seconds.toFixed(1)} s; saved ${o.out}`);
}

/**
 * A model saved by `train` and its encoding, checked against the network. An older model's
 * standardisation (`feature_mean`/`feature_std` metadata) becomes the network's normalization,
 * so every model takes raw features.
 */
async function modelWithEncoding(
  model: string,
  loaded?: Network<Dtype>,
): Promise<{ net: Network<Dtype>; enc: Encoding }> {
  const net = loaded ?? (await loadModel(model));
  const enc = encodingFromMetadata(net.metadata, model, net.layers);
  if (enc.normalization && !net.normalization) net.setNormalization(enc.normalization);
  const { feature_mean: _m, feature_std: _s, ...rest } = net.metadata;
  net.metadata = rest;
  return { net, enc };
}

export async function evaluate(o: { model: string; data: string }, print: Print): Promise<void> {
  preflightEvaluate(o);
  const { net, enc } = await modelWithEncoding(o.model);
  const table = readTable(o.data, () => modelSelection(enc, true));
  const x = table.x;
  // A model trained by the API on class ids (the CLI itself trains on one-hot rows).
  const y =
    net.lossName === 'sparse-categorical-cross-entropy'
      ? encodeClassIds(table, enc)
      : encodeTargets(table, enc);
  const { loss, accuracy } = net.evaluate(x, y);
  print(`rows ${table.rows}`);
  if (enc.task === 'classification') {
    print(`loss ${loss.toFixed(4)} (categorical cross-entropy)`);
    print(`accuracy ${accuracy!.toFixed(4)}`);
  } else {
    const out = net.predict(x);
    const actual = table.target!.values!;
    let [se, ae] = [0, 0];
    for (let r = 0; r < table.rows; r++) {
      const d = decodeValue(out, r, enc) - actual[r]!;
      se += d * d;
      ae += Math.abs(d);
    }
    const mse = se / table.rows;
    print(`mse ${mse.toPrecision(6)}`);
    print(`rmse ${Math.sqrt(mse).toPrecision(6)}`);
    print(`mae ${(ae / table.rows).toPrecision(6)}`);
  }
}

/** Rows per chunk of predict's CSV output (bounded memory, few writes). */
const CHUNK_ROWS = 4096;

/** The network outputs for every row of `data` (the parsed table is garbage once this returns). */
function predictRows(
  net: Network<Dtype>,
  enc: Encoding,
  data: string,
): { out: ArrayLike<number>; rows: number; columns: string[] } {
  const table = readTable(data, () => modelSelection(enc, false));
  return { out: net.predict(table.x), rows: table.rows, columns: table.columns };
}

/**
 * Predicts every row and writes the rows plus a `predicted_<target>` column, to `o.out`
 * (atomically) or through `write` (stdout). The file is read twice (numbers first, then the
 * cells to echo) so no copy of its text is held, and the CSV goes out in chunks.
 */
export async function predict(
  o: { model: string; data: string; out?: string },
  print: Print,
  write: Write,
): Promise<void> {
  preflightPredict(o);
  const { net, enc } = await modelWithEncoding(o.model);
  const { out, rows, columns } = predictRows(net, enc, o.data);
  const column = `predicted_${enc.target}`;
  const changed = () => new CliError(`'${o.data}' changed while it was being read`);
  const file = o.out === undefined ? undefined : openAtomic(o.out);
  const sink: Write = file ? (chunk) => file.write(chunk) : write;
  try {
    let chunk: string[][] = [];
    let r = 0;
    scanCsv(
      o.data,
      (header) => {
        if (header.join('\n') !== columns.join('\n')) throw changed();
        chunk.push([...header, column]);
      },
      (record) => {
        if (r >= rows) throw changed();
        record.push(decodeRow(out, r++, enc));
        chunk.push(record);
        if (chunk.length >= CHUNK_ROWS) {
          sink(stringify(chunk));
          chunk = [];
        }
      },
    );
    if (r !== rows) throw changed();
    if (chunk.length > 0) sink(stringify(chunk));
    file?.commit();
  } catch (e) {
    file?.abort();
    throw e;
  }
  if (o.out !== undefined) print(`wrote ${rows} predictions (column '${column}') to ${o.out}`);
}

/**
 * Exports to ONNX. The model's feature standardization (its normalization) is folded into the
 * first layer by `toONNX` (`W'[r][c] = W[r][c] / s_r`, `b'[c] = b[c] − Σ_r m_r / s_r · W[r][c]`), so the ONNX model takes
 * the raw feature columns in `features` order; its outputs are class probabilities (in
 * `classes` order) or the standardized target (`value · target_std + target_mean`).
 */
export async function exportOnnx(
  o: { model: string; onnx: string; opset: number },
  print: Print,
): Promise<void> {
  preflightExport(o);
  const net = await loadModel(o.model);
  // A model of this CLI: an older one's standardisation moves from its metadata into the
  // network, which toONNX folds into the first layer. A plain library model is exported as is.
  if (net.metadata['feature_mean'] !== undefined) await modelWithEncoding(o.model, net);
  const bytes = toONNX(net, { opset: o.opset });
  writeFileAtomic(o.onnx, bytes);
  print(
    `wrote ${o.onnx} (${bytes.length} bytes, opset ${o.opset}, input 'input' [batch, ${net.layers[0]}], output 'output' [batch, ${net.layers[net.layers.length - 1]}])`,
  );
}
