/**
 * The checks every command runs on its arguments before any work (reading a CSV, loading a
 * model, training): a wrong extension, an unreadable input, an unwritable output, an output
 * that would overwrite an input or a network that cannot fit fail in milliseconds instead of
 * after the 20 epochs they would otherwise cost. Checks that need the data (columns, classes)
 * still run as soon as the CSV's header is read.
 * @module
 */
import { accessSync, constants, realpathSync, statSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { MAX_PARAMETERS } from '../options.js';
import { checkWritable } from './atomic-write.js';
import { CliError } from './errors.js';
import { kind } from './model-file.js';

/** The ONNX opsets `toONNX` writes (ts/onnx.ts). */
export const OPSETS = { min: 13, max: 21 } as const;

/** `file` exists, is a regular file (or a FIFO/device, e.g. /dev/stdin) and can be read. */
export function checkReadable(file: string): void {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(file).isDirectory();
    accessSync(file, constants.R_OK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CliError(
      `cannot read '${file}': ${code === 'ENOENT' ? 'no such file' : (e as Error).message}`,
    );
  }
  if (isDirectory) throw new CliError(`cannot read '${file}': it is a directory`);
}

/** The canonical path of `file` (through symlinks) when it exists, else its absolute path. */
function canonical(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return resolve(file);
  }
}

/** Refuses an output option naming the same file as an input it would overwrite. */
function checkDistinct(output: string, outputOption: string, input: string, inputOption: string) {
  if (canonical(output) === canonical(input)) {
    throw new CliError(
      `${outputOption} '${output}' is the ${inputOption} file: writing it would overwrite its input`,
    );
  }
}

/**
 * Hidden layer sizes whose network cannot fit whatever the data: even with one input and one
 * output, `(n_i + 1)·n_{i+1}` summed over the layers exceeds what the wasm memory holds.
 */
function checkHiddenLayers(hidden: readonly number[]): void {
  const layers = [1, ...hidden, 1];
  let parameters = 0;
  for (let i = 1; i < layers.length; i++) parameters += (layers[i - 1]! + 1) * layers[i]!;
  if (parameters > MAX_PARAMETERS) {
    throw new CliError(
      `--layers ${hidden.join(',')} needs at least ${parameters.toLocaleString('en-US')} parameters ` +
        `(with a single input and output); at most ${MAX_PARAMETERS.toLocaleString('en-US')} fit ` +
        'in the 4 GiB wasm memory',
    );
  }
}

export function preflightTrain(o: { data: string; out: string; layers: readonly number[] }): void {
  kind(o.out);
  checkHiddenLayers(o.layers);
  checkReadable(o.data);
  checkDistinct(o.out, '--out', o.data, '--data');
  // Last: it creates (and removes) a temporary file next to the output.
  checkWritable(o.out);
}

export function preflightEvaluate(o: { model: string; data: string }): void {
  kind(o.model);
  checkReadable(o.model);
  checkReadable(o.data);
}

export function preflightPredict(o: { model: string; data: string; out?: string }): void {
  preflightEvaluate(o);
  if (o.out === undefined) return;
  checkDistinct(o.out, '--out', o.model, '--model');
  checkWritable(o.out);
}

export function preflightExport(o: { model: string; onnx: string; opset: number }): void {
  if (extname(o.onnx).toLowerCase() !== '.onnx') {
    throw new CliError(`--onnx file '${o.onnx}' must end in .onnx`);
  }
  if (o.opset < OPSETS.min || o.opset > OPSETS.max) {
    throw new CliError(
      `--opset ${o.opset} is not supported: expected ${OPSETS.min} to ${OPSETS.max}`,
    );
  }
  kind(o.model);
  checkReadable(o.model);
  checkDistinct(o.onnx, '--onnx', o.model, '--model');
  checkWritable(o.onnx);
}
