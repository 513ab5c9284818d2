// The public API through the built bundle: types and shapes, copies, input forms, seeding,
// backends agreeing on initial parameters, and XOR training to convergence.
import { fileURLToPath } from 'node:url';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { DEFAULTS, Network, WasmMlpError, type BackendName, type Dtype } from 'wasm-mlp';
import { XOR_X, XOR_Y, flatParams } from '../helpers.js';

const backends: BackendName[] = ['reference', 'wasm'];

describe('defaults and getters', () => {
  it.each(backends)('documented defaults (%s)', async (backend) => {
    const net = await Network.create({ layers: [2, 3, 1], backend });
    expect(DEFAULTS).toEqual({
      learningRate: 0.1,
      ordering: 'exact',
      dtype: 'f32',
      backend: 'wasm',
      seed: 1,
    });
    expect(net.learningRate).toBe(0.1);
    expect(net.ordering).toBe('exact');
    expect(net.dtype).toBe('f32');
    expect(net.backend).toBe(backend);
    expect(net.seed).toBe(1);
    expect(net.layers).toEqual([2, 3, 1]);
    expect(Object.isFrozen(net.layers)).toBe(true);
    expect(net.parameterCount).toBe(2 * 3 + 3 + 3 * 1 + 1);
    expect(net.disposed).toBe(false);
    net.learningRate = 0.25;
    expect(net.learningRate).toBe(0.25);
    net[Symbol.dispose]();
    expect(net.disposed).toBe(true);
  });

  it('array types follow the dtype (statically and at run time)', async () => {
    const n64 = await Network.create({ layers: [1, 1], dtype: 'f64', backend: 'reference' });
    const n32 = await Network.create({ layers: [1, 1], backend: 'reference' });
    expectTypeOf(n64.forward([1])).toEqualTypeOf<Float64Array>();
    expectTypeOf(n32.forward([1])).toEqualTypeOf<Float32Array>();
    expectTypeOf(n64.getParameters().weights).toEqualTypeOf<Float64Array[]>();
    expectTypeOf(n32.gradients([1], [0]).biases).toEqualTypeOf<Float32Array[]>();
    expect(n64.forward([1])).toBeInstanceOf(Float64Array);
    expect(n32.forward([1])).toBeInstanceOf(Float32Array);
    expect(n64.gradients([1], [0]).biases[0]).toBeInstanceOf(Float64Array);
  });

  it('the default backend is wasm', async () => {
    const net = await Network.create({ layers: [1, 1] });
    expect(net.backend).toBe('wasm');
    net.dispose();
  });
});

describe.each(backends)('backend %s', (backend) => {
  describe.each(['f32', 'f64'] as Dtype[])('dtype %s', (dtype) => {
    const Arr = dtype === 'f64' ? Float64Array : Float32Array;
    const create = (seed = 7) =>
      Network.create({ layers: [3, 5, 2], learningRate: 0.3, dtype, backend, seed });

    it('getParameters returns copies of the right type and shape', async () => {
      const net = await create();
      const p = net.getParameters();
      expect(p.weights.map((w) => w.length)).toEqual([15, 10]);
      expect(p.biases.map((b) => b.length)).toEqual([5, 2]);
      for (const a of [...p.weights, ...p.biases]) expect(a).toBeInstanceOf(Arr);
      const before = flatParams(p);
      p.weights[0]![0] = 123;
      p.biases[1]![1] = -5;
      expect(flatParams(net.getParameters())).toEqual(before);
      expect(net.getParameters().weights[0]).not.toBe(net.getParameters().weights[0]);
      net.dispose();
    });

    it('initial parameters are uniform in [-1, 1) and not all equal', async () => {
      const net = await Network.create({ layers: [10, 20, 10], dtype, backend });
      const values = flatParams(net.getParameters());
      expect(Math.min(...values)).toBeGreaterThanOrEqual(-1);
      expect(Math.max(...values)).toBeLessThan(1);
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      expect(Math.abs(mean)).toBeLessThan(0.1); // 430 draws: sd of the mean ≈ 0.028
      expect(new Set(values).size).toBeGreaterThan(values.length * 0.99);
      net.dispose();
    });

    it('setParameters round-trips (number[] and typed arrays)', async () => {
      const net = await create();
      const weights = [
        Array.from({ length: 15 }, (_, i) => i / 16 - 0.5),
        new Float64Array(10).fill(0.25),
      ];
      const biases = [[0.5, -0.5, 0.125, 0, 1], new Float32Array([0.75, -0.75])];
      net.setParameters({ weights, biases });
      const p = net.getParameters();
      expect(flatParams(p)).toEqual(flatParams({ weights, biases }));
      // feeding getParameters() back is a no-op
      net.setParameters(p);
      expect(flatParams(net.getParameters())).toEqual(flatParams(p));
      net.dispose();
    });

    it('setParameters rounds to the dtype', async () => {
      const net = await create();
      const p = net.getParameters();
      const weights = p.weights.map((w) => Array.from(w));
      weights[0]![0] = 0.1;
      net.setParameters({ weights, biases: p.biases });
      expect(net.getParameters().weights[0]![0]).toBe(dtype === 'f32' ? Math.fround(0.1) : 0.1);
      net.dispose();
    });

    it('number[][], flat number[] and typed-array inputs give identical results', async () => {
      const rows = [
        [0.1, 0.2, 0.3],
        [-1, 0.5, 2],
      ];
      const targets = [
        [0, 1],
        [1, 0],
      ];
      const forms = [
        { x: rows, y: targets },
        { x: rows.flat(), y: targets.flat() },
        { x: Float64Array.from(rows.flat()), y: Float32Array.from(targets.flat()) },
        { x: rows.map((r) => Float64Array.from(r)), y: targets },
      ];
      const results = [];
      for (const { x, y } of forms) {
        const net = await create();
        const out = net.forward(x);
        expect(out).toBeInstanceOf(Arr);
        expect(out.length).toBe(4);
        const g = net.gradients(x, y);
        const loss = net.trainStep(x, y);
        results.push({
          out: Array.from(out),
          g: flatParams(g),
          gl: g.loss,
          loss,
          after: flatParams(net.getParameters()),
        });
        net.dispose();
      }
      for (const r of results.slice(1)) expect(r).toEqual(results[0]);
    });

    it('forward returns a copy; trainStep == forward + backward; gradients does not update', async () => {
      const a = await create();
      const b = await create();
      const out1 = a.forward(XOR_X.map((r) => [...r, 1]));
      out1[0] = 42;
      const out2 = a.forward(XOR_X.map((r) => [...r, 1]));
      expect(out2[0]).not.toBe(42);
      const before = flatParams(a.getParameters());
      const g = a.gradients(
        XOR_X.map((r) => [...r, 1]),
        [0, 1, 1, 0, 1, 0, 0, 1],
      );
      expect(flatParams(a.getParameters())).toEqual(before);
      expect(g.loss).toBeGreaterThan(0);
      expect(g.weights[0]).toBeInstanceOf(Arr);

      const x = XOR_X.map((r) => [...r, 1]);
      const y = [0, 1, 1, 0, 1, 0, 0, 1];
      const lossA = a.trainStep(x, y);
      b.forward(x);
      b.backward(y);
      expect(flatParams(a.getParameters())).toEqual(flatParams(b.getParameters()));
      expect(lossA).toBeCloseTo(g.loss, 12);
      expect(a.loss(x, y)).toBeLessThan(lossA); // one small step downhill
      a.dispose();
      b.dispose();
    });

    it('seed determinism: same seed ⇒ identical parameters, different seed ⇒ different', async () => {
      const [a, b, c] = await Promise.all([create(42), create(42), create(43)]);
      expect(flatParams(a.getParameters())).toEqual(flatParams(b.getParameters()));
      expect(flatParams(a.getParameters())).not.toEqual(flatParams(c.getParameters()));
      for (const n of [a, b, c]) n.dispose();
    });

    it('learningRate setter changes the step size', async () => {
      const [a, b] = await Promise.all([create(), create()]);
      b.learningRate = 0.6; // twice a's 0.3
      const x = [[1, 2, 3]];
      const y = [[1, 0]];
      const p0 = a.getParameters().biases[1]!;
      a.trainStep(x, y);
      b.trainStep(x, y);
      const da = a.getParameters().biases[1]![0]! - p0[0]!;
      const db = b.getParameters().biases[1]![0]! - p0[0]!;
      expect(db / da).toBeCloseTo(2, dtype === 'f32' ? 4 : 10);
      a.dispose();
      b.dispose();
    });
  });

  it('XOR converges with the default sigmoid net (both orderings)', async () => {
    for (const ordering of ['exact', 'update-first'] as const) {
      const net = await Network.create({
        layers: [2, 3, 1],
        learningRate: 0.5,
        ordering,
        backend,
        seed: 1,
      });
      const first = net.loss(XOR_X, XOR_Y);
      for (let i = 0; i < 5000; i++) net.trainStep(XOR_X, XOR_Y);
      const out = net.forward(XOR_X);
      expect(
        Array.from(out, (v) => (v > 0.5 ? 1 : 0)),
        ordering,
      ).toEqual([0, 1, 1, 0]);
      expect(net.loss(XOR_X, XOR_Y)).toBeLessThan(first / 10);
      net.dispose();
    }
  });
});

describe('backends agree', () => {
  it.each(['f32', 'f64'] as Dtype[])(
    'reference and wasm have identical initial parameters (%s)',
    async (dtype) => {
      for (const seed of [1, 0, -5, 2 ** 40 + 3]) {
        const layers = [4, 7, 3];
        const r = await Network.create({ layers, dtype, backend: 'reference', seed });
        const w = await Network.create({ layers, dtype, backend: 'wasm', seed });
        expect(flatParams(w.getParameters())).toEqual(flatParams(r.getParameters()));
        r.dispose();
        w.dispose();
      }
    },
  );

  it('f32 initial parameters are the f64 ones rounded to f32', async () => {
    const a = await Network.create({
      layers: [3, 4, 2],
      dtype: 'f64',
      backend: 'reference',
      seed: 9,
    });
    const b = await Network.create({
      layers: [3, 4, 2],
      dtype: 'f32',
      backend: 'reference',
      seed: 9,
    });
    expect(flatParams(b.getParameters())).toEqual(flatParams(a.getParameters()).map(Math.fround));
  });

  it('seeds beyond 32 bits still change the parameters', async () => {
    const a = await Network.create({ layers: [2, 2], backend: 'reference', seed: 5 });
    const b = await Network.create({ layers: [2, 2], backend: 'reference', seed: 5 + 2 ** 32 });
    expect(flatParams(a.getParameters())).not.toEqual(flatParams(b.getParameters()));
  });
});

describe('wasm sources', () => {
  const wasmUrl = new URL('../../dist/wasm_mlp.wasm', import.meta.url);

  it('every accepted source kind loads a working core with identical results', async () => {
    const { readFile } = await import('node:fs/promises');
    const bytes = await readFile(wasmUrl);
    const sources = [
      undefined, // the default: wasm_mlp.wasm next to dist/index.js
      wasmUrl,
      wasmUrl.href,
      fileURLToPath(wasmUrl),
      new Uint8Array(bytes),
      bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
      await WebAssembly.compile(bytes),
      new Response(new Uint8Array(bytes), { headers: { 'Content-Type': 'application/wasm' } }),
      new Response(new Uint8Array(bytes)), // no wasm MIME type: falls back to arrayBuffer()
    ];
    const results: number[][] = [];
    for (const wasm of sources) {
      const net = await Network.create({
        layers: [2, 3, 1],
        learningRate: 0.5,
        ...(wasm === undefined ? {} : { wasm }),
      });
      for (let i = 0; i < 10; i++) net.trainStep(XOR_X, XOR_Y);
      results.push(flatParams(net.getParameters()));
      net.dispose();
    }
    for (const r of results.slice(1)) expect(r).toEqual(results[0]);
  });

  it('a missing module rejects with a WasmMlpError that says how to fix it', async () => {
    const promise = Network.create({ layers: [2, 1], wasm: '/nonexistent/wasm_mlp.wasm' });
    await expect(promise).rejects.toBeInstanceOf(WasmMlpError);
    await expect(
      Network.create({ layers: [2, 1], wasm: '/nonexistent/wasm_mlp.wasm' }),
    ).rejects.toThrow(
      /^could not load the WebAssembly core from file:\/\/\/nonexistent\/wasm_mlp\.wasm: .*ENOENT.*Fix: check the wasm option of Network\.create/,
    );
  });

  it('a module without the ABI rejects naming the missing exports', async () => {
    // the smallest valid module: magic + version, no exports
    const empty = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
    await expect(Network.create({ layers: [2, 1], wasm: empty })).rejects.toThrow(
      /^the WebAssembly module does not export the wasm-mlp ABI: missing memory, mlp_alloc, mlp_free, mlp_net_create_f32/,
    );
  });

  it('the reference backend never loads wasm (even from a bad source)', async () => {
    const net = await Network.create({
      layers: [2, 1],
      backend: 'reference',
      wasm: '/nonexistent.wasm',
    });
    expect(net.forward([[1, 1]]).length).toBe(1);
  });
});
