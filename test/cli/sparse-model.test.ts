// The CLI trains classifiers on one-hot rows; a model with loss
// 'sparse-categorical-cross-entropy' (trained by the API on class ids, with the CLI's
// metadata) evaluates and predicts through the CLI exactly like its categorical twin.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Network } from 'wasm-mlp';
import { cli, fixture } from './run.js';

const dir = mkdtempSync(join(tmpdir(), 'wasm-mlp-sparse-cli-'));
const dense = join(dir, 'dense.safetensors');
const sparse = join(dir, 'sparse.safetensors');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeAll(async () => {
  const trained = await cli(
    'train',
    ...['--data', fixture('iris.csv'), '--target', 'species', '--layers', '8'],
    ...['--epochs', '5', '--out', dense],
  );
  expect(trained.code).toBe(0);
  const net = await Network.fromSafetensors(readFileSync(dense));
  const twin = await Network.create({
    layers: net.layers,
    activation: net.activations.map((a) => (a.type === 'leakyRelu' ? a : a.type)),
    loss: 'sparse-categorical-cross-entropy',
    optimizer: net.optimizer,
    learningRate: net.learningRate,
    dtype: net.dtype,
  });
  twin.setParameters(net.getParameters());
  twin.metadata = net.metadata;
  // The CLI's feature standardisation is the network's normalization (saved in the model).
  twin.setNormalization(net.normalization);
  writeFileSync(sparse, twin.toSafetensors());
  for (const n of [net, twin]) n.dispose();
});

it('evaluate and predict give the same output for a sparse-loss model', async () => {
  for (const command of ['evaluate', 'predict']) {
    const a = await cli(command, '--model', dense, '--data', fixture('iris.csv'));
    const b = await cli(command, '--model', sparse, '--data', fixture('iris.csv'));
    expect(b.stderr).toBe('');
    expect(b.code).toBe(0);
    expect(b.stdout).toBe(a.stdout);
  }
});
