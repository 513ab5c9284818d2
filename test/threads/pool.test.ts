// The `threads` option and the pool around it: option errors, what `net.threads` reports, a
// script that exits by itself, memory growth while threads run, and pool workers that die.
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadWasm } from '../../ts/backends/wasm/load.js';
import { OptionError } from '../../ts/errors.js';
import { Network } from '../../ts/network/network.js';
import { THREADS_WASM_PATH, WASM_PATH } from '../helpers.js';

const LAYERS = [64, 200, 100, 3];

function data(rows: number, seed = 0): { x: Float32Array; y: Float32Array } {
  const x = new Float32Array(rows * LAYERS[0]!).map((_, i) => Math.sin(0.13 * i + seed));
  const y = new Float32Array(rows * 3).map((_, i) => ((i + seed) % 3 === 0 ? 1 : 0));
  return { x, y };
}

const create = (threads: number | 'auto', wasm = THREADS_WASM_PATH) =>
  Network.create({
    layers: LAYERS,
    activation: ['tanh', 'relu', 'sigmoid'],
    optimizer: 'adam',
    learningRate: 0.001,
    threads,
    wasm,
  });

describe('the threads option', () => {
  it.each([0, -1, 1.5, 65, Number.NaN, Infinity, '2', 'all', true, {}])(
    'threads: %s is an OptionError',
    async (threads) => {
      await expect(
        Network.create({ layers: [2, 1], threads: threads as unknown as number }),
      ).rejects.toThrow(OptionError);
      await expect(
        Network.create({ layers: [2, 1], threads: threads as unknown as number }),
      ).rejects.toThrow(/threads must be 'auto' or an integer from 1 to 64/);
    },
  );

  it('reports the threads in use: 1, n, auto', async () => {
    const one = await create(1);
    expect(one.threads).toEqual({ requested: 1, count: 1 });
    const two = await create(2);
    expect(two.threads).toEqual({ requested: 2, count: 2 });
    const auto = await create('auto');
    expect(auto.threads).toEqual({
      requested: 'auto',
      count: Math.min(availableParallelism(), 8),
    });
    for (const net of [one, two, auto]) net.dispose();
  });

  it('the single-thread core runs on one thread and says why', async () => {
    const net = await create(2, WASM_PATH);
    expect(net.threads.count).toBe(1);
    expect(net.threads.reason).toMatch(/single-thread build/);
    net.dispose();
    const reference = await Network.create({ layers: [2, 1], backend: 'reference', threads: 4 });
    expect(reference.threads).toMatchObject({ count: 1, reason: /reference backend/ });
  });
});

describe('the pool', () => {
  it('a Node script that trains with threads exits by itself', () => {
    const dist = fileURLToPath(new URL('../../dist/index.js', import.meta.url));
    const script = `
      const { Network } = await import(${JSON.stringify(dist)});
      const net = await Network.create({ layers: [64, 300, 10], threads: 2 });
      const x = new Float32Array(256 * 64).fill(0.5), y = new Float32Array(256 * 10).fill(0.1);
      for (let i = 0; i < 20; i++) net.trainStep(x, y);
      console.log(JSON.stringify(net.threads));`;
    const started = Date.now();
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.error).toBeUndefined();
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ requested: 2, count: 2 });
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('results stay identical while memory grows under threads (views refreshed)', async () => {
    const core = await loadWasm(THREADS_WASM_PATH);
    const run = async (threads: number) => {
      const net = await create(threads);
      const outputs: string[] = [];
      // Each larger batch grows the buffers, and with them the shared memory.
      for (const rows of [8, 300, 2_000, 9_000]) {
        const { x, y } = data(rows, rows);
        net.trainStep(x, y);
        outputs.push(Buffer.from((net.predict(x) as Float32Array).buffer).toString('base64'));
      }
      net.dispose();
      return outputs;
    };
    const refreshes = core.viewRefreshes;
    const bytes = core.byteLength;
    const one = await run(1);
    const three = await run(3);
    expect(three).toEqual(one);
    expect(core.byteLength).toBeGreaterThan(bytes);
    expect(core.viewRefreshes).toBeGreaterThan(refreshes);
  });

  it('a pool worker that dies between calls: the next call is right, and the count says so', async () => {
    // A core of its own (bytes, not the cached path), so the other tests keep their pool.
    const { readFileSync } = await import('node:fs');
    const wasm = new Uint8Array(readFileSync(THREADS_WASM_PATH));
    const core = await loadWasm(wasm);
    const net = await create(3, wasm as unknown as string);
    const reference = await create(1);
    expect(net.threads.count).toBe(3);
    const [victim] = core.pool.handles as { terminate(): Promise<number> }[];
    await victim!.terminate();
    // The exit event arrives on the event loop.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const { x, y } = data(256);
    for (let i = 0; i < 5; i++) {
      expect(net.trainStep(x, y)).toBe(reference.trainStep(x, y));
    }
    expect(net.predict(x)).toEqual(reference.predict(x));
    expect(net.threads.count).toBe(2);
    expect(net.threads.reason).toMatch(/pool worker \d exited/);
    net.dispose();
    reference.dispose();
  });
});
