/**
 * Seeded initial parameters, shared by both backends.
 *
 * Algorithm (documented so results are reproducible outside this library):
 * 1. The seed (any safe integer) is folded to 32 bits:
 *    `state = (seed mod 2^32) XOR imul(floor(seed / 2^32) mod 2^32, 0x9E3779B9)`.
 * 2. One mulberry32 generator (Tommy Ettinger's 32-bit generator, period 2^32) is drawn from
 *    in the order of the flat parameter vector: for each layer `i`, `W[i]` row-major, then
 *    `b[i]`, each value with layer `i`'s initializer (see `InitializerName` in `model.ts`):
 *    - a uniform value in [-a, a) takes one 32-bit draw `u`: `a · (2 · u / 2^32 − 1)`;
 *    - a normal value with deviation σ takes two draws `u1`, `u2` (Box–Muller, the cosine
 *      branch only): `σ · √(−2 ln((u1 + 1) / 2^32)) · cos(2π · u2 / 2^32)`;
 *    - a zero bias takes no draw.
 * 3. Values are computed in float64, then stored in the network's dtype (rounded to nearest
 *    for f32).
 *
 * With `'uniform'` (`a = 1` for weights and biases) on every layer this is exactly the scheme
 * of the first version, so existing seeds keep their initial weights. Both backends start from
 * these very values: one generator, no per-backend random code, bit-identical starts.
 * @module
 */
import type { InitializerName } from './model.js';

/** Returns a mulberry32 generator of uint32 values for a 32-bit state. */
export function mulberry32(state: number): () => number {
  let a = state >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** Folds a safe-integer seed into the 32-bit generator state (step 1 above). */
export function seedState(seed: number): number {
  const lo = seed >>> 0; // seed mod 2^32 (two's complement for negatives)
  const hi = Math.floor(seed / 0x1_0000_0000) >>> 0;
  return (lo ^ Math.imul(hi, 0x9e3779b9)) >>> 0;
}

/** Length of the flat parameter vector of a network with these layer sizes. */
export function paramCount(layers: readonly number[]): number {
  let n = 0;
  for (let i = 0; i + 1 < layers.length; i++) n += layers[i]! * layers[i + 1]! + layers[i + 1]!;
  return n;
}

/** Offsets of `W[i]` and `b[i]` in the flat parameter vector. */
export interface LayerOffsets {
  /** Offset of `W[i]` (`n_i × n_{i+1}`, row-major). */
  readonly weights: number;
  /** Offset of `b[i]` (`n_{i+1}`). */
  readonly biases: number;
  /** `n_i` */
  readonly inputs: number;
  /** `n_{i+1}` */
  readonly outputs: number;
}

/** Per-layer offsets into the flat parameter (and gradient) vector. */
export function layerOffsets(layers: readonly number[]): LayerOffsets[] {
  const out: LayerOffsets[] = [];
  let offset = 0;
  for (let i = 0; i + 1 < layers.length; i++) {
    const inputs = layers[i]!;
    const outputs = layers[i + 1]!;
    out.push({ weights: offset, biases: offset + inputs * outputs, inputs, outputs });
    offset += inputs * outputs + outputs;
  }
  return out;
}

/**
 * The initial flat parameter vector (in float64) for these layers, seed and per-layer
 * initializers (default: `'uniform'` on every layer).
 */
export function initialParameters(
  layers: readonly number[],
  seed: number,
  initializers?: readonly InitializerName[],
): Float64Array {
  const next = mulberry32(seedState(seed));
  const uniform = (a: number): number => a * ((2 * next()) / 0x1_0000_0000 - 1);
  const normal = (sigma: number): number => {
    const u1 = (next() + 1) / 0x1_0000_0000; // (0, 1]: the logarithm stays finite
    const u2 = next() / 0x1_0000_0000;
    return sigma * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  };
  const params = new Float64Array(paramCount(layers));
  layerOffsets(layers).forEach(({ weights, biases, inputs, outputs }, i) => {
    const init = initializers?.[i] ?? 'uniform';
    const draw: () => number = {
      uniform: () => uniform(1),
      'glorot-uniform': () => uniform(Math.sqrt(6 / (inputs + outputs))),
      'glorot-normal': () => normal(Math.sqrt(2 / (inputs + outputs))),
      'he-uniform': () => uniform(Math.sqrt(6 / inputs)),
      'he-normal': () => normal(Math.sqrt(2 / inputs)),
    }[init];
    for (let k = weights; k < biases; k++) params[k] = draw();
    if (init === 'uniform') for (let k = biases; k < biases + outputs; k++) params[k] = draw();
  });
  return params;
}
