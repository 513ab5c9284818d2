// No wrong answers from the CLI on odd input: a model whose metadata lists a different number
// of feature columns (or classes) than its network has inputs (outputs) is an error naming both
// counts, not a silent reshape; numbers in CSV cells and options must be plain decimals.
import { mkdtempSync, readFileSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Network } from 'wasm-mlp';
import { cli, failsWith, fixture } from './run.js';

const dir = mkdtempSync(join(tmpdir(), 'wasm-mlp-strict-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// 4 rows × 5 features: 20 values, which a 4-input network would read as 5 rows without
// complaint; 4 rows × 3 features: 12 values = 3 rows of 4.
const data = join(dir, 'rows.csv');
writeFileSync(data, 'a,b,c,d,e,label\n1,2,3,4,5,x\n2,3,4,5,6,y\n3,4,5,6,7,z\n4,5,6,7,8,x\n');

/** A 4-input, 3-output model carrying CLI metadata for `features` and `classes`. */
async function model(name: string, features: string[], classes: string[]): Promise<string> {
  const net = await Network.create({
    layers: [4, 8, 3],
    activation: ['relu', 'softmax'],
    loss: 'categorical-cross-entropy',
  });
  net.metadata = {
    features: JSON.stringify(features),
    target: 'label',
    task: 'classification',
    classes: JSON.stringify(classes),
    feature_mean: JSON.stringify(features.map(() => 0)),
    feature_std: JSON.stringify(features.map(() => 1)),
  };
  const file = join(dir, name);
  writeFileSync(file, net.toSafetensors());
  return file;
}

describe('model metadata that does not match the network', () => {
  it('fewer feature columns than inputs (predict and evaluate)', async () => {
    const m = await model('three.safetensors', ['a', 'b', 'c'], ['x', 'y', 'z']);
    const message = `'${m}': its metadata lists 3 feature columns (a, b, c) but the network has 4 inputs`;
    failsWith(await cli('predict', '--model', m, '--data', data), message);
    failsWith(await cli('evaluate', '--model', m, '--data', data), message);
  });

  it('more feature columns than inputs', async () => {
    const m = await model('five.safetensors', ['a', 'b', 'c', 'd', 'e'], ['x', 'y', 'z']);
    failsWith(
      await cli('predict', '--model', m, '--data', data),
      `'${m}': its metadata lists 5 feature columns (a, b, c, d, e) but the network has 4 inputs`,
    );
  });

  it('a deeply nested classes value (100,000 levels) is a clean error, not a stack overflow', async () => {
    const m = await model('deep.safetensors', ['a', 'b', 'c', 'd'], []);
    const net = await Network.fromSafetensors(readFileSync(m));
    net.metadata = { ...net.metadata, classes: '['.repeat(100_000) + ']'.repeat(100_000) };
    writeFileSync(m, net.toSafetensors());
    failsWith(
      await cli('predict', '--model', m, '--data', data),
      `'${m}': malformed CLI metadata (classes must be a list of at least 2 labels)`,
    );
  });

  it('a class list that does not match the outputs', async () => {
    const m = await model('two-classes.safetensors', ['a', 'b', 'c', 'd'], ['x', 'y']);
    failsWith(
      await cli('predict', '--model', m, '--data', data),
      `'${m}': its metadata lists 2 classes but the network has 3 outputs`,
    );
  });

  it('a matching model predicts every row', async () => {
    const m = await model('ok.safetensors', ['a', 'b', 'c', 'd'], ['x', 'y', 'z']);
    const run = await cli('predict', '--model', m, '--data', data);
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines).toHaveLength(5);
    for (const line of lines.slice(1)) expect(line).toMatch(/^\d,\d,\d,\d,\d,[xyz],[xyz]$/);
  });
});

describe('numbers must be plain decimals', () => {
  const out = join(dir, 'm.json');
  const train = (file: string, ...more: string[]) =>
    cli('train', '--data', file, '--target', 'label', '--epochs', '1', '--out', out, ...more);

  it('a hexadecimal or overflowing feature cell is an error with line and column', async () => {
    const hex = join(dir, 'hex.csv');
    writeFileSync(hex, 'a,b,label\n1,2,x\n0x10,4,y\n');
    failsWith(
      await train(hex),
      `'${hex}' line 3, column 'a': '0x10' is not a number (expected decimal notation such as 12, -0.5 or 3e-4)`,
    );
    const big = join(dir, 'big.csv');
    writeFileSync(big, 'a,b,label\n1,2,x\n3,1e400,y\n');
    failsWith(
      await train(big),
      `'${big}' line 3, column 'b': '1e400' is out of range (beyond ±1.8e308)`,
    );
    expect(existsSync(out)).toBe(false);
  });

  it.each([
    ['--epochs', '0x10'],
    ['--seed', '0b101'],
    ['--layers', '0o7'],
    ['--seed', ''],
    ['--learning-rate', '1e400'],
    ['--validation-split', 'Infinity'],
    ['--epochs', '1_0'],
  ])('option %s %j is rejected by the parser', async (option, value) => {
    const run = await train(fixture('iris.csv'), option, value);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      new RegExp(`^error: option '${option} <\\w+>' argument '${value}' is invalid\\.`),
    );
    expect(existsSync(out)).toBe(false);
  });

  it('decimal option values still work (1e1 epochs, .05 learning rate)', async () => {
    const run = await cli(
      'train',
      '--data',
      fixture('iris.csv'),
      '--target',
      'species',
      '--epochs',
      '1e1',
      '--learning-rate',
      '.05',
      '--out',
      out,
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('adam lr 0.05');
    expect(run.stdout).toContain('epoch 10/10');
    expect(JSON.parse(readFileSync(out, 'utf8')).metadata.target).toBe('species');
    rmSync(out);
  });
});

describe('standardisation of extreme columns', () => {
  it('values near 1e200 train a model that predicts (their squares used to overflow)', async () => {
    const file = join(dir, 'big.csv');
    writeFileSync(
      file,
      'a,b,y\n1e200,1,0\n2e200,2,1\n3e200,3,0\n4e200,4,1\n5e200,1,0\n6e200,2,1\n',
    );
    const model = join(dir, 'big.json');
    const trained = await cli(
      'train',
      '--data',
      file,
      '--target',
      'y',
      '--task',
      'regression',
      '--out',
      model,
      '--epochs',
      '2',
    );
    expect(trained.code, trained.stderr).toBe(0);
    const predicted = await cli('predict', '--model', model, '--data', file);
    expect(predicted.code, predicted.stderr).toBe(0);
    expect(predicted.stdout.trim().split('\n')).toHaveLength(7);
  });
});
