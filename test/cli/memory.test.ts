// Peak memory of the CLI on a 10^6-row, 30 MB CSV (4 numeric features and a 3-class label):
// train (1 epoch), evaluate and predict --out each stay under 400 MiB of peak RSS. Before the
// rows were parsed straight into typed arrays they peaked at 0.95, 0.89 and 1.6 GiB, then about
// 0.2 GiB; read as streams (csv-stream.ts) they no longer grow with the file. Slow (about a
// minute on 2 cores), so opt-in: WASM_MLP_SLOW=1. The default suite checks the same property
// on smaller files: streaming-memory.test.ts.
import { openSync, closeSync, mkdtempSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, run } from './run.js';

const SLOW = process.env['WASM_MLP_SLOW'] === '1';
const ROWS = 1_000_000;
const LIMIT_MIB = 400;

describe.skipIf(!SLOW)('peak memory on a 10^6-row CSV (WASM_MLP_SLOW=1)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wasm-mlp-memory-'));
  const data = join(dir, 'big.csv');
  const model = join(dir, 'model.safetensors');
  // Preloaded into the CLI: prints the process's peak RSS when it exits.
  const probe = join(dir, 'max-rss.mjs');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  beforeAll(() => {
    writeFileSync(
      probe,
      "import { writeSync } from 'node:fs';\n" +
        "process.on('exit', () => writeSync(2, `maxRSS ${process.resourceUsage().maxRSS}\\n`));\n",
    );
    const fd = openSync(data, 'w');
    writeSync(fd, 'a,b,c,d,label\n');
    let seed = 1;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    let chunk = '';
    for (let i = 0; i < ROWS; i++) {
      const v = [next(), next(), next(), next()];
      const label = v[0]! + v[1]! > 1 ? (v[2]! > 0.5 ? 'x' : 'y') : 'z';
      chunk += `${v.map((x) => x.toFixed(4)).join(',')},${label}\n`;
      if (chunk.length > 1 << 16) {
        writeSync(fd, chunk);
        chunk = '';
      }
    }
    writeSync(fd, chunk);
    closeSync(fd);
  });

  /** Runs the CLI with the probe; returns its peak RSS in MiB. */
  async function peakMiB(...args: string[]): Promise<number> {
    const r = await run('node', ['--import', pathToFileURL(probe).href, CLI, ...args], {
      maxBuffer: 1 << 20,
    });
    expect(r.code, r.stderr).toBe(0);
    const kib = Number(/maxRSS (\d+)/.exec(r.stderr)![1]);
    return kib / 1024;
  }

  it(`train, evaluate and predict each peak under ${LIMIT_MIB} MiB`, async () => {
    const train = await peakMiB(
      'train',
      '--data',
      data,
      '--target',
      'label',
      '--epochs',
      '1',
      '--batch-size',
      '256',
      '--out',
      model,
    );
    const evaluate = await peakMiB('evaluate', '--model', model, '--data', data);
    const predict = await peakMiB(
      'predict',
      '--model',
      model,
      '--data',
      data,
      '--out',
      join(dir, 'pred.csv'),
    );
    console.log(
      `peak RSS (MiB): train ${train.toFixed(0)}, evaluate ${evaluate.toFixed(0)}, predict ${predict.toFixed(0)}`,
    );
    expect(train).toBeLessThan(LIMIT_MIB);
    expect(evaluate).toBeLessThan(LIMIT_MIB);
    expect(predict).toBeLessThan(LIMIT_MIB);
  }, 600_000);
});
