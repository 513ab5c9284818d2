/**
 * The `wasm-mlp` command: train, evaluate, predict and export models from CSV files.
 * Errors print one line (`wasm-mlp: error: …`) and exit with code 1; set WASM_MLP_DEBUG=1 for
 * the stack trace.
 * @module
 */
import { createRequire } from 'node:module';
import { Command, InvalidArgumentError, Option } from 'commander';
import { WasmMlpError } from '../index.js';
import { evaluate, exportOnnx, predict, train, type Print, type Write } from './commands.js';
import { decimalProblem, parseDecimal } from './decimal.js';
import { CliError } from './errors.js';

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };
const print: Print = (line) => void process.stdout.write(`${line}\n`);
// stdout is synchronous for files and pipes on POSIX, so chunks do not pile up in memory.
const write: Write = (chunk) => void process.stdout.write(chunk);

// Commander hands option values over as strings; they go through parseDecimal, not Number(),
// which would take '0x10', '0b1', '' or 'Infinity' (see decimal.ts).

/** The option value as a number, or commander's "argument … is invalid. <why>" error. */
function decimal(value: string, expected: string): number {
  const d = parseDecimal(value.trim());
  if (!d.ok) throw new InvalidArgumentError(`'${value}' ${decimalProblem(d.why)}; ${expected}`);
  return d.value;
}

function integer(min: number) {
  return (value: string): number => {
    const expected = `expected an integer >= ${min}`;
    const n = decimal(value, expected);
    if (!Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(expected);
    return n;
  };
}

function positive(value: string): number {
  const n = decimal(value, 'expected a number > 0');
  if (!(n > 0)) throw new InvalidArgumentError('expected a number > 0');
  return n;
}

function fraction(value: string): number {
  const n = decimal(value, 'expected a number in (0, 1)');
  if (!(n > 0 && n < 1)) throw new InvalidArgumentError('expected a number in (0, 1)');
  return n;
}

function rate(value: string): number {
  const n = decimal(value, 'expected a dropout rate in [0, 1)');
  if (!(n >= 0 && n < 1)) throw new InvalidArgumentError('expected a dropout rate in [0, 1)');
  return n;
}

function sizes(value: string): number[] {
  const list = value.split(',').map((s) => parseDecimal(s.trim()));
  if (!list.every((d) => d.ok && Number.isSafeInteger(d.value) && d.value > 0)) {
    throw new InvalidArgumentError('expected comma-separated positive integers, e.g. 64,32');
  }
  return list.map((d) => (d.ok ? d.value : 0));
}

const program = new Command()
  .name('wasm-mlp')
  .description(
    'Train, evaluate and run multilayer perceptrons on CSV files (WebAssembly SIMD core).',
  )
  .version(version)
  .showHelpAfterError('(run with --help for usage)');

program
  .command('train')
  .description('train a network on a CSV file and save it (.safetensors or .json)')
  .requiredOption('--data <file>', 'CSV file with a header row')
  .requiredOption('--target <column>', 'column to predict (classes if non-numeric, else a value)')
  .option(
    '--features <columns>',
    'comma-separated input columns (default: all but the target)',
    (v) => v.split(',').map((s) => s.trim()),
  )
  .option('--layers <sizes>', 'hidden layer sizes', sizes, [32])
  .addOption(
    new Option('--activation <name>', 'hidden activation')
      .choices(['relu', 'leakyRelu', 'tanh', 'sigmoid', 'linear'])
      .default('relu'),
  )
  .option('--epochs <n>', 'passes over the data', integer(1), 20)
  .option('--batch-size <n>', 'rows per step', integer(1), 32)
  .addOption(
    new Option('--optimizer <name>', 'optimizer')
      .choices(['adam', 'adamw', 'rmsprop', 'sgd', 'momentum'])
      .default('adam'),
  )
  .option('--learning-rate <a>', 'step size', positive, 0.01)
  .addOption(
    new Option('--task <task>', 'auto: classification if the target has non-numbers')
      .choices(['auto', 'classification', 'regression'])
      .default('auto'),
  )
  .option('--validation-split <s>', 'hold out this fraction of the (shuffled) rows', fraction)
  .option('--dropout <p>', 'dropout rate of every hidden layer while training', rate, 0)
  .option(
    '--no-standardize',
    'use the features as they are (default: standardize with the training mean/std)',
  )
  .option(
    '--shuffle-buffer <rows>',
    'rows held in memory to shuffle the stream (a file with fewer rows is fully shuffled)',
    integer(1),
    100_000,
  )
  .option('--seed <n>', 'seed of the initial weights, shuffles and split', integer(0), 1)
  .addOption(new Option('--dtype <dtype>', 'element type').choices(['f32', 'f64']).default('f32'))
  .requiredOption('--out <file>', 'where to save the model (.safetensors or .json)')
  .option(
    '--checkpoint <file>',
    'save the model and its training state here every --checkpoint-every epochs (atomically)',
  )
  .option('--checkpoint-every <n>', 'epochs between checkpoints (default 1)', integer(1))
  .option(
    '--resume [file]',
    'continue from a checkpoint (default: the --checkpoint file) with the epochs left of --epochs',
  )
  .action((o) => train(o, print));

program
  .command('evaluate')
  .description(
    'loss and accuracy (or mse, rmse, mae) of a model on a CSV file with the target column',
  )
  .requiredOption('--model <file>', 'model saved by train')
  .requiredOption('--data <file>', 'CSV file')
  .action((o) => evaluate(o, print));

program
  .command('predict')
  .description(
    "predict every row of a CSV file; writes the rows plus a 'predicted_<target>' column",
  )
  .requiredOption('--model <file>', 'model saved by train')
  .requiredOption('--data <file>', 'CSV file (the target column may be absent)')
  .option('--out <file>', 'write the CSV here instead of stdout')
  .action((o) => predict(o, print, write));

program
  .command('export')
  .description('export a model to ONNX (standardization folded into the first layer)')
  .requiredOption('--model <file>', 'model saved by train')
  .requiredOption('--onnx <file>', 'output .onnx file')
  .option('--opset <n>', 'ONNX opset (13-21)', integer(13), 17)
  .action((o) => exportOnnx(o, print));

try {
  await program.parseAsync();
} catch (e) {
  const known = e instanceof CliError || e instanceof WasmMlpError;
  process.stderr.write(`wasm-mlp: error: ${(e as Error).message ?? String(e)}\n`);
  if (!known || process.env['WASM_MLP_DEBUG'])
    process.stderr.write(`${(e as Error).stack ?? ''}\n`.replace(/^\n$/, ''));
  process.exitCode = 1;
}
