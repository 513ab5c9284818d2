// Streaming (data larger than memory): generates a CSV of `--rows` rows (default 10^6) with 20
// feature columns and a 3-class label, then trains on it (1 epoch, batches of 256) twice, each
// in its own child process: through the CLI (`wasm-mlp train`, which streams the file: a
// statistics pass, then one pass per epoch) and through `net.fit(dataset)` with a dataset that
// reads the file with node:readline. Reports each child's peak RSS and rows/s; exits 1 when a
// peak exceeds 250 MB. Not a timed test; the test suite runs it on 2·10^4 and 10^5 rows
// (test/cli/streaming-memory.test.ts).
//
//   node bench/streaming.mjs [--rows 1000000] [--epochs 1] [--shuffle-buffer N] [--json]
import { execFile } from 'node:child_process';
import { createReadStream, mkdtempSync, openSync, closeSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';

const FEATURES = 20;
const LIMIT_MB = 250;
const BATCH = 256;
const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const CLI = here('../dist/cli.js');

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : process.argv[i + 1];
}

/** Writes `rows` rows: 20 features in [0, 1) with 4 decimals, label by a linear rule. */
function generate(file, rows) {
  const fd = openSync(file, 'w');
  const header = [...Array.from({ length: FEATURES }, (_, j) => `f${j}`), 'label'];
  writeSync(fd, `${header.join(',')}\n`);
  let seed = 1;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  let chunk = '';
  const v = new Float64Array(FEATURES);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < FEATURES; j++) v[j] = next();
    const s = v[0] + v[1] - v[2];
    const label = s > 0.8 ? 'a' : s > 0.2 ? 'b' : 'c';
    for (let j = 0; j < FEATURES; j++) chunk += `${v[j].toFixed(4)},`;
    chunk += `${label}\n`;
    if (chunk.length > 1 << 16) {
      writeSync(fd, chunk);
      chunk = '';
    }
  }
  writeSync(fd, chunk);
  closeSync(fd);
}

/** Runs `node args…` with a probe that prints the peak RSS; resolves { peakMB, stdout }. */
function measured(dir, args) {
  const probe = join(dir, 'max-rss.mjs');
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', pathToFileURL(probe).href, ...args],
      { maxBuffer: 1 << 24, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (error) return reject(new Error(`${args.join(' ')} failed: ${stderr || error.message}`));
        const kib = Number(/maxRSS (\d+)/.exec(stderr)?.[1]);
        resolve({ peakMB: (kib * 1024) / 1e6, stdout });
      },
    );
  });
}

/** Child: `net.fit(dataset)` on the CSV read with node:readline; prints { seconds }. */
async function fitChild(file, epochs, shuffleBuffer) {
  const { Network } = await import(pathToFileURL(here('../dist/index.js')).href);
  const classes = ['a', 'b', 'c'];
  // Rows go out in batches of 256 through two reused arrays: nothing per row is kept.
  const dataset = async function* () {
    const x = new Float32Array(BATCH * FEATURES);
    const y = new Float32Array(BATCH * classes.length);
    let n = 0;
    const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
    let header = true;
    for await (const line of lines) {
      if (header || line === '') {
        header = false;
        continue;
      }
      let from = 0;
      for (let j = 0; j < FEATURES; j++) {
        const to = line.indexOf(',', from);
        x[n * FEATURES + j] = Number(line.slice(from, to));
        from = to + 1;
      }
      y.fill(0, n * 3, n * 3 + 3);
      y[n * 3 + classes.indexOf(line.slice(from))] = 1;
      if (++n === BATCH) {
        yield { x, y };
        n = 0;
      }
    }
    if (n > 0) yield { x: x.subarray(0, n * FEATURES), y: y.subarray(0, n * 3) };
  };
  const net = await Network.create({
    layers: [FEATURES, 32, 3],
    activation: ['relu', 'softmax'],
    loss: 'categorical-cross-entropy',
    optimizer: 'adam',
    learningRate: 0.01,
  });
  const started = performance.now();
  const history = await net.fit(dataset, { epochs, batchSize: BATCH, shuffleBuffer });
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(JSON.stringify({ seconds, accuracy: history.accuracy.at(-1) }) + '\n');
}

async function main() {
  if (process.argv[2] === '--child') {
    return fitChild(process.argv[3], Number(process.argv[4]), Number(process.argv[5]));
  }
  const rows = Number(arg('rows', 1_000_000));
  const epochs = Number(arg('epochs', 1));
  const shuffleBuffer = Number(arg('shuffle-buffer', 100_000));
  const json = process.argv.includes('--json');
  const dir = mkdtempSync(join(tmpdir(), 'wasm-mlp-streaming-'));
  try {
    const { writeFileSync, statSync } = await import('node:fs');
    writeFileSync(
      join(dir, 'max-rss.mjs'),
      "import { writeSync } from 'node:fs';\n" +
        "process.on('exit', () => writeSync(2, `maxRSS ${process.resourceUsage().maxRSS}\\n`));\n",
    );
    const file = join(dir, 'data.csv');
    generate(file, rows);
    const fileMB = statSync(file).size / 1e6;

    const t0 = performance.now();
    const cli = await measured(dir, [
      CLI,
      'train',
      '--data',
      file,
      '--target',
      'label',
      '--epochs',
      String(epochs),
      '--batch-size',
      String(BATCH),
      '--shuffle-buffer',
      String(shuffleBuffer),
      '--out',
      join(dir, 'model.safetensors'),
    ]);
    const cliWall = (performance.now() - t0) / 1000;
    const trained = Number(/trained \d+ epochs in ([\d.]+) s/.exec(cli.stdout)?.[1]);
    const fit = await measured(dir, [
      fileURLToPath(import.meta.url),
      '--child',
      file,
      String(epochs),
      String(shuffleBuffer),
    ]);
    const fitResult = JSON.parse(fit.stdout);
    const result = {
      rows,
      features: FEATURES,
      fileMB,
      epochs,
      shuffleBuffer,
      cli: {
        peakMB: cli.peakMB,
        // Training passes only (the CLI's own timer), and the whole command (stats pass, start-up).
        rowsPerSecond: (rows * epochs) / trained,
        rowsPerSecondWall: (rows * epochs) / cliWall,
      },
      fit: {
        peakMB: fit.peakMB,
        rowsPerSecond: (rows * epochs) / fitResult.seconds,
        accuracy: fitResult.accuracy,
      },
      limitMB: LIMIT_MB,
    };
    if (json) process.stdout.write(JSON.stringify(result) + '\n');
    else {
      const f = (n) => Math.round(n).toLocaleString('en-US');
      console.log(
        `${f(rows)} rows × ${FEATURES} features + label (${fileMB.toFixed(0)} MB), ${epochs} epoch(s), batch ${BATCH}, shuffle buffer ${f(shuffleBuffer)} rows`,
      );
      console.log(
        `CLI train:         peak RSS ${result.cli.peakMB.toFixed(0)} MB, ${f(result.cli.rowsPerSecond)} rows/s training (${f(result.cli.rowsPerSecondWall)} rows/s for the whole command, statistics pass included)`,
      );
      console.log(
        `fit(dataset):      peak RSS ${result.fit.peakMB.toFixed(0)} MB, ${f(result.fit.rowsPerSecond)} rows/s (readline dataset), training accuracy ${result.fit.accuracy.toFixed(3)}`,
      );
    }
    if (result.cli.peakMB > LIMIT_MB || result.fit.peakMB > LIMIT_MB) {
      console.error(`peak RSS above ${LIMIT_MB} MB`);
      process.exitCode = 1;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
