// `wasm-mlp train --dropout`: the rate reaches every hidden layer and is saved in the model;
// a rate outside [0, 1) is a one-line error.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { Network } from 'wasm-mlp';
import { cli, fixture } from './run.js';

const dir = mkdtempSync(join(tmpdir(), 'wasm-mlp-cli-dropout-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('train --dropout saves the rate with the model', async () => {
  const model = join(dir, 'iris.json');
  const args = ['train', '--data', fixture('iris.csv'), '--target', 'species'];
  const trained = await cli(
    ...args,
    '--layers',
    '16,8',
    '--epochs',
    '30',
    '--dropout',
    '0.2',
    '--out',
    model,
  );
  expect(trained.stderr).toBe('');
  expect(trained.code).toBe(0);
  const net = await Network.fromJSON(readFileSync(model, 'utf8'));
  expect(net.dropout).toEqual([0.2, 0.2]);
  expect(net.dropoutSeed).toBe(1);
  net.dispose();
  const evaluated = await cli('evaluate', '--model', model, '--data', fixture('iris.csv'));
  expect(evaluated.code).toBe(0);
  const accuracy = Number(/accuracy ([\d.]+)/.exec(evaluated.stdout)?.[1]);
  expect(accuracy).toBeGreaterThan(0.8);

  for (const bad of ['1', '-0.1', 'abc']) {
    const run = await cli(...args, '--dropout', bad, '--out', join(dir, 'bad.json'));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('expected a dropout rate in [0, 1)');
  }
});
