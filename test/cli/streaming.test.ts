// The CLI reads CSV as a stream: predict writes its rows while the input is still arriving (a
// named pipe), evaluate reads a pipe too, train (several passes) refuses one with a clear
// error, and --shuffle-buffer is checked by the option parser; the validation split holds out
// exactly n − ⌊n·(1 − s)⌋ rows.
import { execFileSync, spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, cli, failsWith, fixture } from './run.js';

const dir = mkdtempSync(join(tmpdir(), 'wasm-mlp-streaming-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const model = join(dir, 'iris.json');

beforeAll(async () => {
  const r = await cli(
    'train',
    ...['--data', fixture('iris.csv'), '--target', 'species', '--epochs', '30'],
    ...['--validation-split', '0.2', '--shuffle-buffer', '16', '--out', model],
  );
  expect(r.stderr).toBe('');
});

/** A new named pipe (a FIFO, as a shell pipe is) and a writer that opens it. */
function fifo(name: string) {
  const path = join(dir, name);
  execFileSync('mkfifo', [path]);
  return { path, writer: () => createWriteStream(path) };
}

/** A row of Iris-like features. */
const row = (i: number) =>
  `${5 + (i % 10) / 10},3.${i % 9},${1 + (i % 50) / 10},0.${i % 7},setosa\n`;
const HEADER = 'sepal_length,sepal_width,petal_length,petal_width,species\n';

describe('streaming CSV in the CLI', () => {
  it('predict writes rows while its input is still arriving', async () => {
    const pipe = fifo('predict.csv');
    const child = spawn('node', [CLI, 'predict', '--model', model, '--data', pipe.path]);
    const input = pipe.writer();
    let out = '';
    const firstOutput = new Promise<void>((resolve) =>
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        resolve();
      }),
    );
    // 10,000 rows (more than a chunk of 4096), stdin left open.
    input.write(HEADER + Array.from({ length: 10_000 }, (_, i) => row(i)).join(''));
    await firstOutput;
    expect(out.startsWith(`${HEADER.trim()},predicted_species\n`)).toBe(true);
    const before = out.split('\n').length;
    input.end(row(10_000));
    const code = await new Promise<number>((resolve) => child.on('close', resolve));
    expect(code).toBe(0);
    const lines = out.trim().split('\n');
    expect(lines).toHaveLength(10_002);
    expect(before).toBeLessThan(lines.length); // some rows came out before the input ended
    expect(lines.at(-1)).toMatch(/^5,3\.1,1,0\.4,setosa,(setosa|versicolor|virginica)$/);
  });

  it('evaluate reads a pipe; train needs a file it can read again', async () => {
    const pipe = fifo('evaluate.csv');
    const child = spawn('node', [CLI, 'evaluate', '--model', model, '--data', pipe.path]);
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    pipe.writer().end(HEADER + Array.from({ length: 300 }, (_, i) => row(i)).join(''));
    expect(await new Promise((resolve) => child.on('close', resolve))).toBe(0);
    expect(out).toMatch(/^rows 300\nloss \d+\.\d{4} \(categorical cross-entropy\)\naccuracy /);

    const other = join(dir, 'train.csv');
    execFileSync('mkfifo', [other]);
    failsWith(
      await cli('train', '--data', other, '--target', 'species', '--out', join(dir, 'p.json')),
      `train reads '${other}' several times (statistics, then once per epoch): it must be a regular file, not a pipe or a device`,
    );
  });

  it('--shuffle-buffer must be an integer >= 1', async () => {
    const r = await cli(
      ...['train', '--data', fixture('iris.csv'), '--target', 'species'],
      ...['--shuffle-buffer', '0', '--out', join(dir, 'x.json')],
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("option '--shuffle-buffer <rows>' argument '0' is invalid");
  });

  it('--validation-split leaves too few rows: a clear error', async () => {
    failsWith(
      await cli(
        ...['train', '--data', fixture('iris.csv'), '--target', 'species'],
        ...['--validation-split', '0.999', '--out', join(dir, 'x.json')],
      ),
      '--validation-split 0.999 of 150 rows leaves 0 training and 150 validation rows; each needs at least 1',
    );
  });
});
