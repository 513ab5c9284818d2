/**
 * Seeded initial parameters, shared by both backends.
 *
 * Algorithm (documented so results are reproducible outside this library):
 * 1. The seed (any safe integer) is folded to 32 bits:
 *    `state = (seed mod 2^32) XOR imul(floor(seed / 2^32) mod 2^32, 0x9E3779B9)`.
 * 2. A mulberry32 generator (Tommy Ettinger's 32-bit generator, period 2^32) produces one
 *    32-bit integer `u` per parameter, in the order of the flat parameter vector: for each
 *    layer `i`, `W[i]` row-major, then `b[i]`.
 * 3. Each value is `2 · u / 2^32 − 1`, a float64 uniform in [-1, 1), then stored in the
 *    network's dtype (rounded to nearest for f32).
 *
 * Weights and biases both use uniform [-1, 1) (a later version adds Glorot/He schemes).
 * @module
 */

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

/** The initial flat parameter vector (in float64) for these layers and seed. */
export function initialParameters(layers: readonly number[], seed: number): Float64Array {
  const next = mulberry32(seedState(seed));
  const params = new Float64Array(paramCount(layers));
  for (let i = 0; i < params.length; i++) params[i] = (2 * next()) / 0x1_0000_0000 - 1;
  return params;
}
