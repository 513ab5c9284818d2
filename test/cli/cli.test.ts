// The `wasm-mlp` command end to end: `node dist/cli.js` spawned on small CSV files (Iris for
// classification, a synthetic regression, and broken files), plus the progress bar on a
// (simulated) terminal.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { Network, Standardizer } from 'wasm-mlp';
import { createProgress } from '../../ts/cli/progress.js';
import { cli, failsWith, fixture, type Run } from './run.js';

const dir = mkdtempSync(join(tmpdir(), 'wasm-mlp-cli-'));

function parseCsv(text: string): string[][] {
  return text
    .trim()
    .split('\n')
    .map((l) => l.split(','));
}

describe('classification (Iris)', () => {
  const model = join(dir, 'iris.safetensors');
  let trained: Run;
  beforeAll(async () => {
    trained = await cli(
      'train',
      '--data',
      fixture('iris.csv'),
      '--target',
      'species',
      '--layers',
      '16,8',
      '--activation',
      'tanh',
      '--epochs',
      '40',
      '--batch-size',
      '16',
      '--validation-split',
      '0.2',
      '--out',
      model,
    );
  });

  it('trains with one plain line per epoch when not on a terminal, and saves the model', async () => {
    expect(trained.stderr).toBe('');
    expect(trained.code).toBe(0);
    const lines = trained.stdout.trim().split('\n');
    expect(lines[0]).toBe(
      '150 rows, 4 features, classification (3 classes: setosa, versicolor, virginica); layers 4-16-8-3, tanh, adam lr 0.01',
    );
    const epochs = lines.filter((l) => l.startsWith('epoch '));
    expect(epochs).toHaveLength(40);
    expect(epochs[39]).toMatch(
      /^epoch 40\/40 {2}loss \d\.\d{4} {2}accuracy \d\.\d{4} {2}val_loss \d\.\d{4} {2}val_accuracy \d\.\d{4} {2}\(\d+\.\d s\)$/,
    );
    expect(lines.at(-1)).toMatch(new RegExp(`^trained 40 epochs in \\d+\\.\\d s; saved ${model}$`));
    const net = await Network.fromSafetensors(readFileSync(model));
    expect(net.layers).toEqual([4, 16, 8, 3]);
    expect(JSON.parse(net.metadata['classes']!)).toEqual(['setosa', 'versicolor', 'virginica']);
    expect(net.metadata['target']).toBe('species');
  });

  it("standardises with the library's normalization, saved in the record (older models still load)", async () => {
    const net = await Network.fromSafetensors(readFileSync(model));
    expect(net.metadata).not.toHaveProperty('feature_mean');
    const rows = parseCsv(readFileSync(fixture('iris.csv'), 'utf8')).slice(1);
    const expected = Standardizer.fit(rows.map((r) => r.slice(0, 4).map(Number)));
    // The CLI's statistics come from a streaming pass (running moments): equal to 1e-12.
    for (const key of ['mean', 'std'] as const) {
      const [got, want] = [net.normalization![key], expected[key]];
      got.forEach((v, j) => expect(Math.abs(v - want[j]!)).toBeLessThan(1e-12 * want[j]!));
    }
    // The same model as an older CLI wrote it: the standardisation in the metadata.
    const legacy = join(dir, 'legacy.safetensors');
    net.metadata = {
      ...net.metadata,
      feature_mean: JSON.stringify(Array.from(expected.mean)),
      feature_std: JSON.stringify(Array.from(expected.std)),
    };
    net.setNormalization(null);
    writeFileSync(legacy, net.toSafetensors());
    const [now, before] = await Promise.all(
      [model, legacy].map((m) => cli('predict', '--model', m, '--data', fixture('iris.csv'))),
    );
    expect(before!.code).toBe(0);
    expect(before!.stdout).toBe(now!.stdout);
  });

  it('evaluates accuracy', async () => {
    const run = await cli('evaluate', '--model', model, '--data', fixture('iris.csv'));
    expect(run.code).toBe(0);
    const [rows, loss, accuracy] = run.stdout.trim().split('\n');
    expect(rows).toBe('rows 150');
    expect(loss).toMatch(/^loss \d\.\d{4} \(categorical cross-entropy\)$/);
    expect(Number(accuracy!.split(' ')[1])).toBeGreaterThan(0.9);
  });

  it('predicts original labels as the last column, to stdout or --out', async () => {
    const run = await cli('predict', '--model', model, '--data', fixture('iris.csv'));
    expect(run.code).toBe(0);
    const rows = parseCsv(run.stdout);
    expect(rows[0]).toEqual([
      'sepal_length',
      'sepal_width',
      'petal_length',
      'petal_width',
      'species',
      'predicted_species',
    ]);
    expect(rows).toHaveLength(151);
    const right = rows.slice(1).filter((r) => r[4] === r[5]).length;
    expect(right / 150).toBeGreaterThan(0.9);
    const out = join(dir, 'pred.csv');
    const toFile = await cli(
      'predict',
      '--model',
      model,
      '--data',
      fixture('iris.csv'),
      '--out',
      out,
    );
    expect(toFile.stdout).toBe(`wrote 150 predictions (column 'predicted_species') to ${out}\n`);
    expect(readFileSync(out, 'utf8')).toBe(run.stdout);
  });

  it('exports ONNX that onnxruntime runs on the raw features with the same predictions', async () => {
    const onnx = join(dir, 'iris.onnx');
    const run = await cli('export', '--model', model, '--onnx', onnx);
    expect(run.stdout).toBe(
      `wrote ${onnx} (${readFileSync(onnx).length} bytes, opset 17, input 'input' [batch, 4], output 'output' [batch, 3])\n`,
    );
    const rows = parseCsv(
      (await cli('predict', '--model', model, '--data', fixture('iris.csv'))).stdout,
    ).slice(1);
    const session = await ort.InferenceSession.create(readFileSync(onnx));
    const x = Float32Array.from(rows.flatMap((r) => r.slice(0, 4).map(Number)));
    const { output } = await session.run({ input: new ort.Tensor('float32', x, [150, 4]) });
    const p = output!.data as Float32Array;
    const classes = ['setosa', 'versicolor', 'virginica'];
    const labels = rows.map(
      (_, i) => classes[[0, 1, 2].reduce((b, k) => (p[i * 3 + k]! > p[i * 3 + b]! ? k : b), 0)],
    );
    expect(labels).toEqual(rows.map((r) => r[5]));
  });
});

describe('regression', () => {
  it('trains, evaluates in the target units and predicts values (JSON model)', async () => {
    const model = join(dir, 'linear.json');
    const train = await cli(
      'train',
      '--data',
      fixture('linear.csv'),
      '--target',
      'y',
      '--layers',
      '32',
      '--epochs',
      '60',
      '--batch-size',
      '16',
      '--seed',
      '3',
      '--out',
      model,
    );
    expect(train.code).toBe(0);
    expect(train.stdout).toContain(
      "200 rows, 3 features, regression of 'y'; layers 3-32-1, relu, adam lr 0.01",
    );
    expect(train.stdout).not.toContain('accuracy');
    const json = JSON.parse(readFileSync(model, 'utf8'));
    expect(json.metadata.task).toBe('regression');
    const evaluation = await cli('evaluate', '--model', model, '--data', fixture('linear.csv'));
    const [, mse, rmse, mae] = evaluation.stdout.trim().split('\n');
    expect(mse).toMatch(/^mse /);
    // y spans about ±10 (std ≈ 3.6): a fitted model is far better than predicting the mean.
    expect(Number(rmse!.split(' ')[1])).toBeLessThan(0.5);
    expect(mae).toMatch(/^mae /);
    const rows = parseCsv(
      (await cli('predict', '--model', model, '--data', fixture('linear.csv'))).stdout,
    );
    expect(rows[0]!.at(-1)).toBe('predicted_y');
    const worst = Math.max(...rows.slice(1).map((r) => Math.abs(Number(r[4]) - Number(r[3]))));
    expect(worst).toBeLessThan(2);
  });
});

describe('errors: exit code 1 and one line', () => {
  const train = (data: string, ...more: string[]) =>
    cli('train', '--data', data, '--target', 'label', '--out', join(dir, 'x.json'), ...more);

  it('missing file', async () => {
    failsWith(
      await train(join(dir, 'nope.csv')),
      `cannot read '${join(dir, 'nope.csv')}': no such file`,
    );
  });
  it('empty file and header without rows', async () => {
    failsWith(
      await train(fixture('empty.csv')),
      `'${fixture('empty.csv')}' is empty (expected a header row and data rows)`,
    );
    failsWith(
      await train(fixture('header-only.csv')),
      `'${fixture('header-only.csv')}' has a header but no data rows`,
    );
  });
  it('missing column, with the available columns', async () => {
    failsWith(
      await cli(
        'train',
        '--data',
        fixture('iris.csv'),
        '--target',
        'kind',
        '--out',
        join(dir, 'x.json'),
      ),
      `column 'kind' not found in '${fixture('iris.csv')}'; available columns: sepal_length, sepal_width, petal_length, petal_width, species`,
    );
  });
  it('non-numeric cell, with line and column', async () => {
    failsWith(
      await train(fixture('non-numeric.csv')),
      `'${fixture('non-numeric.csv')}' line 4, column 'b': 'abc' is not a number (expected decimal notation such as 12, -0.5 or 3e-4)`,
    );
  });
  it('ragged rows', async () => {
    failsWith(
      await train(fixture('ragged.csv')),
      `'${fixture('ragged.csv')}' is not valid CSV: Invalid Record Length: expect 3, got 2 on line 3`,
    );
  });
  it('bad model file name, missing model, a model not trained by the CLI', async () => {
    failsWith(
      await train(fixture('iris.csv'), '--target', 'species', '--out', join(dir, 'm.bin')),
      `model file '${join(dir, 'm.bin')}' must end in .safetensors or .json`,
    );
    failsWith(
      await cli('evaluate', '--model', join(dir, 'none.json'), '--data', fixture('iris.csv')),
      `cannot read '${join(dir, 'none.json')}': no such file`,
    );
    const plain = join(dir, 'plain.safetensors');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(plain, (await Network.create({ layers: [4, 3] })).toSafetensors());
    failsWith(
      await cli('predict', '--model', plain, '--data', fixture('iris.csv')),
      `'${plain}' has no CLI encoding in its metadata (missing features, target, task); train it with 'wasm-mlp train'`,
    );
  });
  it('a class unseen in training', async () => {
    const model = join(dir, 'iris-1.json');
    const trained = await cli(
      'train',
      '--data',
      fixture('iris.csv'),
      '--target',
      'species',
      '--epochs',
      '1',
      '--out',
      model,
    );
    expect(trained.code).toBe(0);
    failsWith(
      await cli('evaluate', '--model', model, '--data', fixture('unseen-class.csv')),
      `'${fixture('unseen-class.csv')}' line 3: class 'daisy' of column 'species' was not seen in training (classes: setosa, versicolor, virginica)`,
    );
  });
  it('bad option values are reported by the parser', async () => {
    const run = await train(fixture('iris.csv'), '--layers', '64,x');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      "error: option '--layers <sizes>' argument '64,x' is invalid. expected comma-separated positive integers, e.g. 64,32",
    );
    expect(existsSync(join(dir, 'x.json'))).toBe(false);
  });
});

describe('progress bar on a terminal', () => {
  it('draws epoch, batch, loss and ETA, then leaves one line per epoch', () => {
    const term = Object.assign(new PassThrough(), { isTTY: true, columns: 120 });
    let drawn = '';
    term.on('data', (d: Buffer) => (drawn += d.toString()));
    const lines: string[] = [];
    const progress = createProgress(2, 3, true, (l) => lines.push(l), term);
    for (let epoch = 0; epoch < 2; epoch++) {
      for (let batch = 0; batch < 3; batch++)
        progress.batch({ epoch, batch, size: 4, loss: 0.5, accuracy: 1 });
      progress.epoch({ epoch, loss: 0.25, accuracy: 0.75 });
    }
    progress.stop();
    expect(drawn).toMatch(/epoch 1\/2 \[[█░]{30}\] batch \d\/3 \| loss 0\.5000 \| ETA \d+s/);
    expect(drawn).toContain('epoch 2/2');
    expect(lines).toEqual([
      expect.stringMatching(/^epoch 1\/2 {2}loss 0\.2500 {2}accuracy 0\.7500 {2}\(\d+\.\d s\)$/),
      expect.stringMatching(/^epoch 2\/2 {2}loss 0\.2500 {2}accuracy 0\.7500 {2}\(\d+\.\d s\)$/),
    ]);
  });
});
