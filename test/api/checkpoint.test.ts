// fit's checkpoint option: when checkpoints are taken (every N epochs and after the last), what
// they hold (model + training state: resuming from one is exact), files written atomically in
// the chosen format, a missing directory refused before training, a write failure reported as
// CheckpointError, and a child process SIGKILLed mid-epoch that resumes from its last
// checkpoint and ends with the parameters of an uninterrupted run.
import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CheckpointError,
  Network,
  OptionError,
  type CheckpointInfo,
  type CheckpointOptions,
  type FitOptions,
  type NetworkOptions,
} from 'wasm-mlp';
import { WASM_PATH, randArray, rng } from '../helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'wasm-mlp-checkpoint-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function data(seed = 7, rows = 48) {
  const next = rng(seed);
  const x = Array.from({ length: rows }, () => randArray(next, 4, -1, 1));
  const y = x.map((r) => (r[0]! * r[1]! + r[2]! > 0 ? [1, 0] : [0, 1]));
  return { x, y };
}

const OPTIONS: NetworkOptions<'f32'> = {
  layers: [4, 8, 2],
  activation: ['relu', 'softmax'],
  loss: 'categorical-cross-entropy',
  optimizer: 'adam',
  learningRate: 0.03,
  seed: 5,
  wasm: WASM_PATH,
};

const FIT: FitOptions = {
  batchSize: 10,
  validationSplit: { fraction: 0.25 },
  learningRate: { type: 'cosine', epochs: 6, warmupEpochs: 1 },
};

const flat = (net: Network) => {
  const p = net.getParameters();
  return [...p.weights.flatMap((w) => [...w]), ...p.biases.flatMap((b) => [...b])];
};

describe('checkpoints to a callback', () => {
  it('every N epochs and after the last; each one resumes exactly', async () => {
    const { x, y } = data();
    using whole = await Network.create(OPTIONS);
    const saved: [Uint8Array, CheckpointInfo][] = [];
    await whole.fit(x, y, {
      ...FIT,
      epochs: 5,
      checkpoint: { every: 2, save: (bytes, info) => void saved.push([bytes, info]) },
    });
    expect(saved.map(([, info]) => info)).toEqual([
      { epochsTrained: 2, format: 'safetensors' },
      { epochsTrained: 4, format: 'safetensors' },
      { epochsTrained: 5, format: 'safetensors' },
    ]);
    using last = await Network.fromSafetensors(saved[2]![0], { wasm: WASM_PATH });
    expect(flat(last)).toEqual(flat(whole));
    using resumed = await Network.fromSafetensors(saved[0]![0], { wasm: WASM_PATH });
    expect(resumed.epochsTrained).toBe(2);
    await resumed.fit(x, y, { ...FIT, epochs: 3 });
    expect(flat(resumed)).toEqual(flat(whole));
  });

  it('an async save is awaited before training goes on', async () => {
    const { x, y } = data();
    using net = await Network.create(OPTIONS);
    const events: string[] = [];
    await net.fit(x, y, {
      ...FIT,
      epochs: 2,
      onBatchEnd: ({ epoch, batch }) => void (batch === 0 && events.push(`batch ${epoch}`)),
      checkpoint: {
        format: 'json',
        save: async (bytes, { epochsTrained }) => {
          await new Promise((r) => setTimeout(r, 5));
          expect(JSON.parse(new TextDecoder().decode(bytes)).training.epochs).toBe(epochsTrained);
          events.push(`saved ${epochsTrained}`);
        },
      },
    });
    expect(events).toEqual(['batch 0', 'saved 1', 'batch 1', 'saved 2']);
  });
});

describe('checkpoints to a file', () => {
  it('writes the format of the extension atomically (no temporary file left)', async () => {
    const { x, y } = data();
    using net = await Network.create(OPTIONS);
    const path = join(dir, 'model.json');
    await net.fit(x, y, { ...FIT, epochs: 3, checkpoint: { path } });
    using loaded = await Network.fromJSON(readFileSync(path, 'utf8'), { wasm: WASM_PATH });
    expect(loaded.epochsTrained).toBe(3);
    expect(flat(loaded)).toEqual(flat(net));
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('a path in a missing directory is an OptionError before any training', async () => {
    const { x, y } = data();
    using net = await Network.create(OPTIONS);
    const before = flat(net);
    let batches = 0;
    const path = join(dir, 'no-such-dir', 'ckpt.safetensors');
    const error = await net
      .fit(x, y, { ...FIT, epochs: 2, checkpoint: { path }, onBatchEnd: () => void batches++ })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OptionError);
    expect((error as Error).message).toBe(
      `checkpoint.path: cannot write '${path}': no such directory`,
    );
    expect(batches).toBe(0);
    expect(net.epochsTrained).toBe(0);
    expect(flat(net)).toEqual(before);
    expect(net.toJSON({ trainingState: true }).training).not.toHaveProperty('schedule');
  });

  it('a path that is a directory is an OptionError before any training', async () => {
    const { x, y } = data();
    using net = await Network.create(OPTIONS);
    await expect(net.fit(x, y, { epochs: 1, checkpoint: { path: dir } })).rejects.toThrow(
      `checkpoint.path '${dir}' is a directory: name a file in it`,
    );
    expect(net.epochsTrained).toBe(0);
  });

  it('a write that fails later is a CheckpointError after that epoch', async () => {
    const { x, y } = data();
    using net = await Network.create(OPTIONS);
    const sub = join(dir, 'vanishing');
    mkdirSync(sub);
    const error = await net
      .fit(x, y, {
        ...FIT,
        epochs: 4,
        checkpoint: { path: join(sub, 'c.safetensors') },
        onEpochEnd: ({ epoch }) => void (epoch === 1 && rmSync(sub, { recursive: true })),
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CheckpointError);
    expect((error as Error).message).toMatch(/cannot write '.*c\.safetensors': no such directory/);
    expect(net.epochsTrained).toBe(2); // stopped after the epoch whose checkpoint failed
  });

  const BAD: [unknown, RegExp][] = [
    [{}, /needs a path \(Node\) or a save function/],
    [{ path: '' }, /path must be a non-empty string/],
    [{ path: 'a.json', every: 0 }, /every must be an integer >= 1, got 0/],
    [{ path: 'a.json', every: 1.5 }, /every must be an integer/],
    [{ save: 'yes' }, /save must be a function/],
    [{ path: 'a.onnx', format: 'onnx' }, /format must be 'safetensors' or 'json'/],
    [{ path: 'a.json', often: true }, /unknown option 'often'/],
    ['a.json', /checkpoint must be an object/],
  ];
  it.each(BAD)('checkpoint %o: OptionError', async (checkpoint, message) => {
    const { x, y } = data();
    using net = await Network.create(OPTIONS);
    await expect(
      net.fit(x, y, { epochs: 1, checkpoint: checkpoint as CheckpointOptions }),
    ).rejects.toThrow(message);
    await expect(
      net.fit(x, y, { epochs: 1, checkpoint: checkpoint as CheckpointOptions }),
    ).rejects.toBeInstanceOf(OptionError);
    expect(net.epochsTrained).toBe(0);
  });
});

describe('a checkpointed fit killed mid-epoch', () => {
  // The child trains 6 epochs (checkpoint every 2) from scratch or from the checkpoint, and
  // prints its parameters; with a kill point it stops inside that epoch/batch and waits.
  const script = join(dir, 'child.mjs');
  writeFileSync(
    script,
    `import { existsSync, readFileSync } from 'node:fs';
import { Network } from ${JSON.stringify(pathToFileURL(resolve('dist/index.js')).href)};
const [ckpt, killAt] = process.argv.slice(2);
const x = [], y = [];
for (let i = 0; i < 200; i++) {
  const r = [Math.sin(i * 1.3), Math.cos(i * 0.7), Math.sin(i * 0.11 + 1), ((i * 37) % 17) / 17 - 0.5];
  x.push(r);
  y.push(r[0] * r[1] + r[2] > 0 ? [1, 0] : [0, 1]);
}
const net = existsSync(ckpt)
  ? await Network.fromSafetensors(readFileSync(ckpt))
  : await Network.create(${JSON.stringify({ ...OPTIONS, wasm: undefined })});
const [killEpoch, killBatch] = killAt ? killAt.split(':').map(Number) : [-1, -1];
await net.fit(x, y, {
  epochs: 6 - net.epochsTrained,
  batchSize: 16,
  validationSplit: { fraction: 0.2 },
  learningRate: { type: 'plateau', patience: 1, factor: 0.5, minDelta: 0.05 },
  checkpoint: { path: ckpt, every: 2 },
  onBatchEnd: ({ batch }) => {
    if (net.epochsTrained === killEpoch && batch === killBatch) {
      process.stdout.write('in epoch ' + net.epochsTrained + '\\n');
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60_000);
    }
  },
});
const p = net.getParameters();
process.stdout.write(JSON.stringify([...p.weights, ...p.biases].flatMap((a) => [...a])) + '\\n');
`,
  );

  function run(
    ckpt: string,
    killAt?: string,
  ): Promise<{ out: string; signal: NodeJS.Signals | null }> {
    return new Promise((done, fail) => {
      const child = spawn(process.execPath, [script, ckpt, ...(killAt ? [killAt] : [])], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (killAt && out.includes('in epoch')) child.kill('SIGKILL');
      });
      child.on('error', fail);
      child.on('exit', (code, signal) =>
        code === 0 || signal ? done({ out, signal }) : fail(new Error(`child exited ${code}`)),
      );
    });
  }

  it('resumes from the last checkpoint and ends with the uninterrupted parameters', async () => {
    const whole = await run(join(dir, 'whole.safetensors'));
    const ckpt = join(dir, 'killed.safetensors');
    // Killed inside epoch 3 (0-based), batch 4: the checkpoint after epoch 2 survives.
    const killed = await run(ckpt, '3:4');
    expect(killed).toEqual({ out: 'in epoch 3\n', signal: 'SIGKILL' });
    using saved = await Network.fromSafetensors(readFileSync(ckpt), { wasm: WASM_PATH });
    expect(saved.epochsTrained).toBe(2);
    expect(existsSync(ckpt)).toBe(true);
    const resumed = await run(ckpt);
    expect(resumed.signal).toBe(null);
    const params = JSON.parse(resumed.out) as number[];
    expect(params.length).toBe(4 * 8 + 8 + 8 * 2 + 2);
    expect(params).toEqual(JSON.parse(whole.out));
  });
});
