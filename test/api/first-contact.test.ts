// What a new user meets first, through the built bundle: `new Network()` and a forgotten
// `await` fail with a message naming `await Network.create(…)`, `console.log(net)` shows the
// network, and `summary()` describes it layer by layer.
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Network, StateError, type BackendName } from 'wasm-mlp';

const backends: BackendName[] = ['reference', 'wasm'];

describe('construction', () => {
  it('`new Network(…)` from JavaScript throws a StateError naming Network.create', () => {
    const Ctor = Network as unknown as new (...args: unknown[]) => unknown;
    for (const args of [[], [{ layers: [2, 1] }], [Symbol('Network.create'), {}, {}]]) {
      expect(() => new Ctor(...args)).toThrow(StateError);
      expect(() => new Ctor(...args)).toThrow("use 'const net = await Network.create(options)'");
    }
  });

  it('a member read from the un-awaited promise throws a StateError saying to await it', async () => {
    const pending = Network.create({ layers: [2, 1], backend: 'reference' });
    const asNet = pending as unknown as { predict: (x: number[]) => unknown; layers: unknown };
    expect(() => asNet.predict([0, 1])).toThrow(StateError);
    expect(() => asNet.layers).toThrow(
      "'layers' was read from a Promise, not a Network: Network.create(…) is async, use 'const net = await Network.create(…)'",
    );
    // The hints are invisible otherwise: awaiting works, and inspecting the promise is quiet.
    expect(Object.keys(pending)).toEqual([]);
    expect(inspect(pending)).toMatch(/^Promise/);
    const net = await pending;
    expect(net.predict([0, 1])).toHaveLength(1);
    const loading = [
      Network.fromJSON(net.toJSON()),
      Network.fromSafetensors(net.toSafetensors()),
    ] as unknown as { fit: unknown }[];
    expect(() => loading[0]!.fit).toThrow("use 'const net = await Network.fromJSON(…)'");
    expect(() => loading[1]!.fit).toThrow("use 'const net = await Network.fromSafetensors(…)'");
    for (const p of loading) ((await p) as unknown as Network).dispose();
    net.dispose();
  });
});

describe('inspection and summary', () => {
  it.each(backends)('console.log shows the architecture (%s)', async (backend) => {
    const net = await Network.create({
      layers: [4, 8, 3],
      activation: ['relu', 'softmax'],
      loss: 'categorical-cross-entropy',
      optimizer: 'adam',
      learningRate: 0.01,
      backend,
    });
    const shown = inspect(net);
    expect(shown).toContain('Network {');
    expect(shown).toContain('layers: [ 4, 8, 3 ]');
    expect(shown).toContain("activations: [ 'relu', 'softmax' ]");
    expect(shown).toContain("loss: 'categorical-cross-entropy'");
    expect(shown).toContain("optimizer: 'adam (beta1 0.9, beta2 0.999, epsilon 1e-8)'");
    expect(shown).toContain(`backend: '${backend}'`);
    expect(shown).toContain("dtype: 'f32'");
    expect(shown).toContain('parameters: 67');
    net.dispose();
    expect(inspect(net)).toBe('Network { disposed: true }');
  });

  it.each(backends)(
    'summary() lists layers, activations, parameters and setup (%s)',
    async (backend) => {
      const net = await Network.create({
        layers: [2, 3, 1],
        activation: [{ type: 'leakyRelu', slope: 0.1 }, 'sigmoid'],
        loss: 'binary-cross-entropy',
        optimizer: { type: 'momentum', weightDecay: 0.001 },
        dtype: 'f64',
        backend,
      });
      const text = net.summary();
      const lines = text.split('\n');
      expect(lines[0]).toBe(`Network (${backend} backend, f64)`);
      expect(lines).toContain('dense 0  2 → 3  leakyRelu(0.1)  9');
      expect(lines).toContain('dense 1  3 → 1  sigmoid         4');
      expect(lines).toContain('Parameters: 13');
      expect(lines).toContain('Loss: binary-cross-entropy');
      expect(lines).toContain(
        'Optimizer: momentum (momentum 0.9, nesterov false, weightDecay 0.001), learning rate 0.1',
      );
      expect(lines).toContain('Ordering: exact');
      expect(lines).toContain('Epochs trained: 0');
      await net.fit(
        [
          [0, 0],
          [1, 1],
        ],
        [0, 1],
        { epochs: 2 },
      );
      expect(net.summary()).toContain('Epochs trained: 2');
      net.dispose();
      expect(() => net.summary()).toThrow(StateError);
    },
  );
});
