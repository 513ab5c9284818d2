// Memory stays bounded (issue 9, item 6): a long training soak and a create/dispose loop keep
// the wasm core's allocation and memory size flat; networks dropped without dispose() in a
// loop of awaited creates are freed (the loop used to grow wasm memory to its 4 GiB cap).
// WASM_MLP_SOAK_STEPS sets the soak's length (default 100,000 steps).
import { describe, expect, it } from 'vitest';
import { loadWasm } from '../../ts/backends/wasm/load.js';
import { Network, type NetworkOptions } from '../../ts/index.js';
import { WASM_PATH, randArray, rng } from '../helpers.js';

const MiB = 2 ** 20;
const SOAK_STEPS = Number(process.env['WASM_MLP_SOAK_STEPS'] ?? 100_000);

describe('bounded memory', () => {
  it(`a soak of ${SOAK_STEPS.toLocaleString('en')} training steps keeps wasm memory flat`, async () => {
    const core = await loadWasm(WASM_PATH);
    const net = await Network.create({
      layers: [8, 16, 2],
      activation: ['tanh', 'softmax'],
      loss: 'categorical-cross-entropy',
      optimizer: 'adam',
      wasm: WASM_PATH,
    });
    const next = rng(5);
    const batches = [1, 7, 32].map((rows) => ({
      x: Float32Array.from(randArray(next, rows * 8, -1, 1)),
      y: Float32Array.from({ length: rows * 2 }, (_, i) => ((i >> 1) % 2 === i % 2 ? 1 : 0)),
    }));
    for (const { x, y } of batches) net.trainStep(x, y); // reserve the largest batch once
    const [bytes, live] = [core.byteLength, core.liveBytes()];
    let last = 0;
    for (let step = 0; step < SOAK_STEPS; step++) {
      const { x, y } = batches[step % batches.length]!;
      last = net.trainStep(x, y);
      if (step % 1000 === 0) net.predict(x);
    }
    expect(Number.isFinite(last)).toBe(true);
    expect(core.byteLength).toBe(bytes);
    expect(core.liveBytes()).toBe(live);
    net.dispose();
  });

  it('2,000 create / train / dispose cycles return every byte', async () => {
    const core = await loadWasm(WASM_PATH);
    const configs: NetworkOptions[] = [
      { layers: [3, 5, 1] },
      { layers: [17, 33, 4], activation: ['relu', 'softmax'], loss: 'categorical-cross-entropy' },
      { layers: [5, 65, 3], optimizer: 'adam', dtype: 'f64' } as NetworkOptions,
    ];
    const warm = await Network.create({ ...configs[0]!, wasm: WASM_PATH });
    warm.dispose();
    const [bytes, live] = [core.byteLength, core.liveBytes()];
    for (let i = 0; i < 2000; i++) {
      const options = configs[i % configs.length]!;
      const net = await Network.create({ ...options, wasm: WASM_PATH, seed: i });
      const [nIn, nOut] = [options.layers[0]!, options.layers[options.layers.length - 1]!];
      const rows = 1 + (i % 40);
      const y = new Float32Array(rows * nOut);
      for (let r = 0; r < rows; r++) y[r * nOut] = 1; // one-hot: valid for every loss here
      net.trainStep(new Float32Array(rows * nIn).fill(0.5), y);
      net.dispose();
    }
    expect(core.liveBytes()).toBe(live);
    // The allocator may keep a little more memory for the larger batches it saw; not per cycle.
    expect(core.byteLength - bytes).toBeLessThan(4 * MiB);
  });

  it('a refused GC-pressure buffer does not leak the network (best effort)', async () => {
    const core = await loadWasm(WASM_PATH);
    const live = core.liveBytes();
    const original = globalThis.ArrayBuffer;
    // An engine that refuses large ArrayBuffers (a 32-bit address space): the network's
    // pressure buffer fails; typed arrays use the intrinsic constructor and are unaffected.
    globalThis.ArrayBuffer = new Proxy(original, {
      construct(target, args: [number]) {
        if (args[0] > 1024) throw new RangeError('Array buffer allocation failed');
        return new target(args[0]);
      },
    });
    let net: Network | null = null;
    try {
      net = await Network.create({ layers: [64, 64, 4], wasm: WASM_PATH });
      expect(net.trainStep(new Float32Array(64 * 30), new Float32Array(4 * 30))).toBeTypeOf(
        'number',
      );
    } finally {
      globalThis.ArrayBuffer = original;
    }
    net.dispose();
    expect(core.liveBytes()).toBe(live);
  });

  it('networks dropped without dispose() in a loop of awaited creates are freed', async () => {
    const core = await loadWasm(WASM_PATH);
    const start = core.byteLength;
    // 300 networks of ~3.9 MiB each (params, grads, batch buffers): 1.2 GiB if none were freed.
    // Only awaits, no macrotask of the test's own: the library must make room itself.
    let held = 0;
    for (let i = 0; i < 300; i++) {
      const net = await Network.create({ layers: [700, 700, 1], seed: i, wasm: WASM_PATH });
      net.predict([new Array(700).fill(0.1)]);
      held += 1;
    }
    const grown = (core.byteLength - start) / MiB;
    console.log(
      `[memory] 300 dropped [700,700,1] networks: wasm memory grew ${grown.toFixed(0)} MiB`,
    );
    expect(held).toBe(300);
    expect(grown).toBeLessThan(400);
  });
});
