/**
 * The CLI's commands: train, evaluate, predict, export. Each takes parsed options and an
 * output function, so the tests and `main.ts` share them.
 * @module
 */
import { stringify } from 'csv-stringify/sync';
import { Network, type ActivationName, type Dtype, type OptimizerName } from '../index.js';
import { toONNX } from '../onnx.js';
import { openAtomic, writeFileAtomic } from './atomic-write.js';
import { chunks, csvDataset, rereadable, scanTraining, splitRows } from './csv-stream.js';
import {
  decodeRow,
  decodeValue,
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
  /** Dropout rate of every hidden layer (0: none). */
  dropout: number;
  standardize: boolean;
  shuffleBuffer: number;
  seed: number;
  dtype: Dtype;
  out: string;
}

export type TrainCommandOptions = TrainOptions & CheckpointFlags;

export async function train(o: TrainCommandOptions, print: Print): Promise<void> {
  // A bad model file name or an unwritable directory fails now, not after the training.
  preflightTrain(o);
  preflightCheckpoint(o);
  const resume = resumeFile(o);
  // A resumed run takes the architecture and the seed (which picks the validation rows and
  // orders the training rows) from its file.
  const resumed = resume === undefined ? null : await loadModel(resume);
  const seed = resumed?.seed ?? o.seed;
  if (!rereadable(o.data)) {
    throw new CliError(
      `train reads '${o.data}' several times (statistics, then once per epoch): it must be a regular file, not a pipe or a device`,
    );
  }
  // First pass: every cell checked, the row count, classes and standardisation statistics.
  const scan = await scanTraining(o.data, (columns) =>
    trainingSelection(o.data, columns, o.target, o.features, o.task),
  );
  const enc = fitEncoding(scan, o.task, o.standardize);
  const rows = scan.rows;
  // Keras counts ⌊n·(1 − s)⌋ training rows; the validation rows are a seeded random choice.
  const trainRows = o.validationSplit ? Math.floor(rows * (1 - o.validationSplit)) : rows;
  if (o.validationSplit && (trainRows < 1 || trainRows >= rows)) {
    throw new CliError(
      `--validation-split ${o.validationSplit} of ${rows} rows leaves ${trainRows} training and ${rows - trainRows} validation rows; each needs at least 1`,
    );
  }
  const isVal = o.validationSplit ? splitRows(rows, rows - trainRows, seed) : undefined;
  const trainData = csvDataset(o.data, enc, scan.columns, isVal);
  const valData = isVal
    ? csvDataset(o.data, enc, scan.columns, () => {
        const taken = isVal();
        return (row) => !taken(row);
      })
    : undefined;
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
      dropout: o.dropout,
    }));
  if (resumed) {
    checkResumed(resume!, resumed, layers);
  } else {
    net.metadata = encodingToMetadata(enc);
    // Raw features: the network standardises them (its normalization, saved in the model).
    net.setNormalization(enc.normalization);
  }
  const epochs = Math.max(0, o.epochs - net.epochsTrained);
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
      await net.fit(trainData, {
        epochs,
        batchSize,
        shuffleBuffer: o.shuffleBuffer,
        ...(valData ? { validationData: valData } : {}),
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

/** Rows per chunk of `evaluate` and `predict` (bounded memory, few calls). */
const CHUNK_ROWS = 4096;

export async function evaluate(o: { model: string; data: string }, print: Print): Promise<void> {
  preflightEvaluate(o);
  const { net, enc } = await modelWithEncoding(o.model);
  // A model trained by the API on class ids (the CLI itself trains on one-hot rows).
  const sparse = net.lossName === 'sparse-categorical-cross-entropy';
  const k = outputWidth(enc);
  const onehot = new Float64Array(CHUNK_ROWS * k);
  // Every loss the CLI meets averages over rows, except 'half-sse', which sums.
  const sums = net.lossName === 'half-sse';
  let [rows, loss, correct, se, ae] = [0, 0, 0, 0, 0];
  for await (const c of chunks(o.data, modelSelection(enc, true), { rows: CHUNK_ROWS })) {
    if (enc.task === 'classification') {
      const ids = c.ids!;
      let y: Int32Array | Float64Array = ids;
      if (!sparse) {
        y = onehot.subarray(0, c.rows * k).fill(0);
        for (let r = 0; r < c.rows; r++) y[r * k + ids[r]!] = 1;
      }
      const e = net.evaluate(c.x, y);
      loss += sums ? e.loss : e.loss * c.rows;
      correct += e.accuracy! * c.rows;
    } else {
      const out = net.predict(c.x);
      for (let r = 0; r < c.rows; r++) {
        const d = decodeValue(out, r, enc) - c.values![r]!;
        se += d * d;
        ae += Math.abs(d);
      }
    }
    rows += c.rows;
  }
  print(`rows ${rows}`);
  if (enc.task === 'classification') {
    print(`loss ${(sums ? loss : loss / rows).toFixed(4)} (categorical cross-entropy)`);
    print(`accuracy ${(correct / rows).toFixed(4)}`);
  } else {
    const mse = se / rows;
    print(`mse ${mse.toPrecision(6)}`);
    print(`rmse ${Math.sqrt(mse).toPrecision(6)}`);
    print(`mae ${(ae / rows).toPrecision(6)}`);
  }
}

/**
 * Predicts every row and writes the rows plus a `predicted_<target>` column, to `o.out`
 * (atomically) or through `write` (stdout), chunk by chunk as the file is read: one pass,
 * memory bounded by the chunk.
 */
export async function predict(
  o: { model: string; data: string; out?: string },
  print: Print,
  write: Write,
): Promise<void> {
  preflightPredict(o);
  const { net, enc } = await modelWithEncoding(o.model);
  const column = `predicted_${enc.target}`;
  const file = o.out === undefined ? undefined : openAtomic(o.out);
  const sink: Write = file ? (chunk) => file.write(chunk) : write;
  let rows = 0;
  let header: string[] = [];
  try {
    const read = chunks(o.data, modelSelection(enc, false), {
      rows: CHUNK_ROWS,
      keepRecords: true,
      onHeader: (columns) => (header = [...columns, column]),
    });
    for await (const c of read) {
      const out = net.predict(c.x);
      const records = c.records!;
      for (let r = 0; r < c.rows; r++) records[r]!.push(decodeRow(out, r, enc));
      // The header goes out with the first rows: a file without rows writes nothing.
      if (rows === 0) records.unshift(header);
      sink(stringify(records));
      rows += c.rows;
    }
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
