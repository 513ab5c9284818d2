// Every argument is checked before any work: a wrong extension, an unreadable input, an output
// that would overwrite an input, an impossible network or opset fails at once, with nothing
// printed on stdout (no "150 rows…" line, no epoch) and no file written.
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, fixture, failsWith, type Run } from './run.js';

let dir: string;
let model: string;
const iris = fixture('iris.csv');
/** Enough epochs that reaching the training at all would take far longer than the test allows. */
const MANY = ['--epochs', '100000', '--batch-size', '1'];

/** Failed before any work: nothing on stdout. */
function failsEarly(result: Run, message: string): void {
  failsWith(result, message);
  expect(result.stdout).toBe('');
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wasm-mlp-preflight-'));
  model = join(dir, 'iris.safetensors');
  const trained = await cli(
    'train',
    '--data',
    iris,
    '--target',
    'species',
    '--epochs',
    '2',
    '--out',
    model,
  );
  expect(trained.code).toBe(0);
});

describe('train checks its arguments before reading the data or training', () => {
  it('--out with a wrong extension', async () => {
    const out = join(dir, 'x.onnx');
    failsEarly(
      await cli('train', '--data', iris, '--target', 'species', ...MANY, '--out', out),
      `model file '${out}' must end in .safetensors or .json`,
    );
    expect(existsSync(out)).toBe(false);
  }, 10_000);

  it('a missing --data file or a directory', async () => {
    const out = join(dir, 'none.json');
    failsEarly(
      await cli('train', '--data', join(dir, 'missing.csv'), '--target', 'y', '--out', out),
      `cannot read '${join(dir, 'missing.csv')}': no such file`,
    );
    failsEarly(
      await cli('train', '--data', dir, '--target', 'y', '--out', out),
      `cannot read '${dir}': it is a directory`,
    );
    expect(existsSync(out)).toBe(false);
  });

  it('--out naming the --data file', async () => {
    // A CSV named .json: saving the model would replace the data.
    const data = join(dir, 'data.json');
    copyFileSync(iris, data);
    failsEarly(
      await cli('train', '--data', data, '--target', 'species', ...MANY, '--out', data),
      `--out '${data}' is the --data file: writing it would overwrite its input`,
    );
    expect(readFileSync(data, 'utf8')).toBe(readFileSync(iris, 'utf8'));
  });

  it('hidden layers too large for any data', async () => {
    failsEarly(
      await cli(
        'train',
        '--data',
        iris,
        '--target',
        'species',
        '--layers',
        '20000,20000',
        '--out',
        join(dir, 'big.json'),
      ),
      '--layers 20000,20000 needs at least 400,080,001 parameters (with a single input and output); at most 134,217,728 fit in the 4 GiB wasm memory',
    );
  });
});

describe('evaluate, predict and export check theirs before loading the model', () => {
  it('export: --onnx extension, --opset range, before the model is read', async () => {
    const missing = join(dir, 'missing.safetensors');
    failsEarly(
      await cli('export', '--model', missing, '--onnx', join(dir, 'm.txt')),
      `--onnx file '${join(dir, 'm.txt')}' must end in .onnx`,
    );
    failsEarly(
      await cli('export', '--model', missing, '--onnx', join(dir, 'm.onnx'), '--opset', '40'),
      '--opset 40 is not supported: expected 13 to 21',
    );
    failsEarly(
      await cli('export', '--model', join(dir, 'm.csv'), '--onnx', join(dir, 'm.onnx')),
      `model file '${join(dir, 'm.csv')}' must end in .safetensors or .json`,
    );
    expect(existsSync(join(dir, 'm.onnx'))).toBe(false);
  });

  it('predict: a missing --data before the model is loaded; --out naming the model', async () => {
    const garbage = join(dir, 'garbage.safetensors');
    writeFileSync(garbage, 'not a model');
    // The model would fail to load: the data's absence is reported first, so it was checked first.
    failsEarly(
      await cli('predict', '--model', garbage, '--data', join(dir, 'missing.csv')),
      `cannot read '${join(dir, 'missing.csv')}': no such file`,
    );
    failsEarly(
      await cli('evaluate', '--model', garbage, '--data', join(dir, 'missing.csv')),
      `cannot read '${join(dir, 'missing.csv')}': no such file`,
    );
    const before = readFileSync(model);
    failsEarly(
      await cli('predict', '--model', model, '--data', iris, '--out', model),
      `--out '${model}' is the --model file: writing it would overwrite its input`,
    );
    expect(readFileSync(model)).toEqual(before);
  });
});
