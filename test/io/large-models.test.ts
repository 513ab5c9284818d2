// Checkpoints of a large network (a 400×400 layer with Adam's two state slots, ~2 × 164k
// values) save and load in every format: reading must not pass a layer's values through the
// call stack (a spread into push() overflowed it: RangeError).
import { describe, expect, it } from 'vitest';
import { Network } from 'wasm-mlp';

async function trainedAdam(): Promise<Network<'f32'>> {
  const net = await Network.create({ layers: [400, 400, 10], optimizer: 'adam', seed: 3 });
  const x = Float32Array.from({ length: 4 * 400 }, (_, i) => Math.sin(i));
  const y = Float32Array.from({ length: 4 * 10 }, (_, i) => (i % 3) / 2);
  await net.fit(x, y, { epochs: 2, batchSize: 2 });
  return net;
}

/** Same values, bit for bit (vitest's deep equality is slow on arrays of this size). */
function sameBits(a: Float32Array, b: Float32Array): boolean {
  return (
    Buffer.compare(
      new Uint8Array(a.buffer, a.byteOffset, a.byteLength),
      new Uint8Array(b.buffer, b.byteOffset, b.byteLength),
    ) === 0
  );
}
const flat = (net: Network<'f32'>) => {
  const p = net.getParameters();
  return Float32Array.from([...p.weights, ...p.biases].flatMap((a) => Array.from(a)));
};

describe('large checkpoints', () => {
  it('a 400×400 Adam network round-trips through safetensors with its training state', async () => {
    const net = await trainedAdam();
    const expected = net.getOptimizerState();
    for (const layout of ['in-out', 'pytorch'] as const) {
      const back = await Network.fromSafetensors<'f32'>(
        net.toSafetensors({ trainingState: true, layout }),
      );
      expect(sameBits(flat(back), flat(net))).toBe(true);
      const state = back.getOptimizerState();
      expect(state.state.length).toBe(2 * (400 * 400 + 400 + 400 * 10 + 10));
      expect(sameBits(state.state, expected.state)).toBe(true);
      expect(state.step).toBe(expected.step);
      expect(back.epochsTrained).toBe(2);
      back.dispose();
    }
    net.dispose();
  });

  it('and through JSON', async () => {
    const net = await trainedAdam();
    const back = await Network.fromJSON<'f32'>(JSON.stringify(net.toJSON({ trainingState: true })));
    expect(sameBits(flat(back), flat(net))).toBe(true);
    expect(sameBits(back.getOptimizerState().state, net.getOptimizerState().state)).toBe(true);
    back.dispose();
    net.dispose();
  });
});
