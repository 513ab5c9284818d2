// Several networks share one wasm instance; memory grows mid-training (a huge batch through the
// public API, and a raw tens-of-MB allocation through core.ts). Training results must still match
// the reference, i.e. every view on memory was re-created after growth.
import { describe, expect, it } from 'vitest';
import { Network as BundleNetwork } from 'wasm-mlp';
import { ReferenceBackend } from '../../ts/backends/reference/network.js';
import { loadWasm } from '../../ts/backends/wasm/load.js';
import { WasmBackend } from '../../ts/backends/wasm/network.js';
import { initialParameters } from '../../ts/init.js';
import { defaultSpec } from '../../ts/model.js';
import { Network } from '../../ts/index.js';
import { WASM_PATH, randArray, rng, toleranceRatio } from '../helpers.js';

describe('memory growth (sources, explicit wasm path)', () => {
  it('networks sharing one instance keep matching the reference across growth', async () => {
    const core = await loadWasm(WASM_PATH);
    const configs = [
      { layers: [5, 17, 3], ordering: 'exact' as const },
      { layers: [3, 33, 1], ordering: 'update-first' as const },
      { layers: [17, 5, 5, 2], ordering: 'exact' as const },
    ];
    const pairs = configs.map(({ layers, ordering }, i) => {
      const params = initialParameters(layers, 100 + i);
      return {
        layers,
        wasm: new WasmBackend(core, defaultSpec(layers, ordering), 'f64', params),
        ref: new ReferenceBackend(defaultSpec(layers, ordering), 'f64', params),
      };
    });
    // The public Network from the same sources and source shares the instance too.
    const net = await Network.create({ layers: [4, 3, 1], dtype: 'f64', wasm: WASM_PATH });
    expect(await loadWasm(WASM_PATH)).toBe(core);

    const next = rng(77);
    const batch = 9;
    const data = pairs.map(({ layers }) => ({
      x: Float64Array.from(randArray(next, batch * layers[0]!, -1, 1)),
      y: Float64Array.from(randArray(next, batch * layers[layers.length - 1]!, 0, 1)),
    }));
    const step = () =>
      pairs.forEach(({ wasm, ref }, i) => {
        const { x, y } = data[i]!;
        const lw = wasm.trainStep(x, y, batch, 0.4);
        const lr = ref.trainStep(x, y, batch, 0.4);
        expect(Math.abs(lw - lr)).toBeLessThanOrEqual(1e-12 * (1 + lr));
      });

    for (let s = 0; s < 5; s++) step();
    const bytesBefore = core.byteLength;
    const refreshesBefore = core.viewRefreshes;
    // Force growth: a 48 MB scratch allocation (the ABI's mlp_alloc).
    const big = 48 * 1024 * 1024;
    const ptr = core.alloc(big, 8);
    expect(core.byteLength).toBeGreaterThan(bytesBefore);
    // write through a fresh view at the end of the new region: the old view could not reach it
    core.write('f64', ptr + big - 8, [1.5]);
    expect(core.read('f64', ptr + big - 8, 1)[0]).toBe(1.5);
    expect(core.viewRefreshes).toBeGreaterThan(refreshesBefore);
    for (let s = 0; s < 5; s++) step();
    // Grow again from inside a network: reserve for a huge batch (forward over 200k rows).
    const hugeBatch = 200_000;
    const refreshesMid = core.viewRefreshes;
    const bytesMid = core.byteLength;
    const hugeX = new Float64Array(hugeBatch * 4).fill(0.5);
    const out = net.forward(hugeX);
    expect(out.length).toBe(hugeBatch);
    expect(core.byteLength).toBeGreaterThan(bytesMid);
    expect(core.viewRefreshes).toBeGreaterThan(refreshesMid);
    expect(out[hugeBatch - 1]).toBe(out[0]);
    for (let s = 0; s < 5; s++) step();

    for (const { wasm, ref } of pairs) {
      expect(toleranceRatio(wasm.getParams(), ref.getParams(), 1e-12)).toBeLessThanOrEqual(1);
    }
    core.free(ptr, big, 8);
    for (const { wasm } of pairs) wasm.dispose();
    net.dispose();
  });
});

describe('memory growth (public bundle)', () => {
  it('a huge batch on one network does not disturb the others', async () => {
    const layers = [6, 17, 2];
    const make = (backend: 'wasm' | 'reference', dtype: 'f32' | 'f64') =>
      BundleNetwork.create({ layers, dtype, backend, seed: 3, learningRate: 0.3 });
    const nets = {
      w32: await make('wasm', 'f32'),
      r32: await make('reference', 'f32'),
      w64: await make('wasm', 'f64'),
      r64: await make('reference', 'f64'),
    };
    const grower = await BundleNetwork.create({ layers: [33, 5, 1], dtype: 'f64' });
    const next = rng(5);
    const x = randArray(next, 10 * 6, -1, 1);
    const y = randArray(next, 10 * 2, 0, 1);
    const train = () => Object.values(nets).forEach((n) => n.trainStep(x, y));
    for (let s = 0; s < 3; s++) train();
    // ~ 250k × (33 + 5 + 1) × 8 bytes ≈ 80 MB of input/activation buffers
    const big = new Float64Array(250_000 * 33).fill(0.1);
    grower.trainStep(big, new Float64Array(250_000).fill(1));
    for (let s = 0; s < 3; s++) train();
    const p = (n: {
      getParameters(): { weights: ArrayLike<number>[]; biases: ArrayLike<number>[] };
    }) => [
      ...n.getParameters().weights.flatMap((w) => Array.from(w)),
      ...n.getParameters().biases.flatMap((b) => Array.from(b)),
    ];
    expect(toleranceRatio(p(nets.w64), p(nets.r64), 1e-12)).toBeLessThanOrEqual(1);
    expect(toleranceRatio(p(nets.w32), p(nets.r32), 1e-5)).toBeLessThanOrEqual(1);
    for (const n of [...Object.values(nets), grower]) n.dispose();
  });
});

describe('memory ownership', () => {
  it('dispose (and crossCheck copies) free everything a network allocated', async () => {
    const core = await loadWasm(WASM_PATH);
    const { crossCheck } = await import('../../ts/index.js');
    const baseline = core.liveBytes();
    expect(baseline).not.toBeNull();
    const nets = [];
    for (let i = 0; i < 20; i++) {
      const net = await Network.create({
        layers: [5, 17, 3],
        dtype: i % 2 ? 'f64' : 'f32',
        wasm: WASM_PATH,
        seed: i,
      });
      net.trainStep(new Float32Array(5 * (i + 1)).fill(0.5), new Float32Array(3 * (i + 1)).fill(1));
      crossCheck(net, [[1, 2, 3, 4, 5]], [[0, 1, 0]]);
      nets.push(net);
    }
    expect(core.liveBytes()!).toBeGreaterThan(baseline!);
    for (const n of nets) n.dispose();
    expect(core.liveBytes()).toBe(baseline);
  });
});
