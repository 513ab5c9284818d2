/**
 * Inverted dropout with counter-based masks, the mirror of the Rust core's
 * `kernels/dropout.rs` (same integer hash, same keys, same threshold), so both backends draw
 * the same masks bit for bit: element `index` of hidden layer `layer`'s row-major output at
 * optimizer step `step` is dropped iff `mix(mix(index ⊕ k₁) + k₂) < ⌊rate·2³²⌋`, with `k₁, k₂`
 * from `(seed, step, layer)` and `mix` the 32-bit hash lowbias32; kept values are scaled by
 * `1/(1 − rate)`.
 * @module
 */
import type { Real } from '../backend.js';

/** lowbias32 (C. Wellons): `x ^= x >> 16; x *= 0x7feb352d; x ^= x >> 15; x *= 0x846ca68b; x ^= x >> 16`. */
export function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/** One hidden layer's mask at one optimizer step (`Mask` in the core). */
export class DropoutMask {
  readonly #k1: number;
  readonly #k2: number;
  /** Dropped iff the element's bits are below this: `⌊rate·2³²⌋`. */
  readonly #threshold: number;

  /**
   * @param seed the 32-bit seed (`seedState` of the network's dropout seed)
   * @param step the optimizer step being taken (1-based, an integer below 2⁵³)
   * @param layer the 0-based hidden layer
   * @param rate the drop probability, in [0, 1)
   */
  constructor(seed: number, step: number, layer: number, rate: number) {
    let a = mix32((seed ^ 0x243f6a88) >>> 0);
    a = mix32((a ^ step) >>> 0); //                                 low 32 bits of the step
    a = mix32((a ^ Math.floor(step / 0x1_0000_0000)) >>> 0); //    high 32 bits
    this.#k1 = mix32((a ^ layer) >>> 0);
    this.#k2 = mix32((this.#k1 ^ 0x85a308d3) >>> 0);
    this.#threshold = Math.min(Math.floor(rate * 0x1_0000_0000), 0xffff_ffff);
  }

  /** Whether element `index` is kept. */
  keeps(index: number): boolean {
    return mix32((mix32((index ^ this.#k1) >>> 0) + this.#k2) >>> 0) >= this.#threshold;
  }

  /**
   * `data[k] ← data[k]·scale` if element `first + k` is kept, else 0 (`scale` = `1/(1 − rate)`
   * as the dtype stores it, see {@link keepScale}).
   */
  apply(data: Real, scale: number, first = 0): void {
    for (let k = 0; k < data.length; k++) data[k] = this.keeps(first + k) ? data[k]! * scale : 0;
  }
}

/** `1/(1 − rate)` rounded to the dtype (an f32 product of two f32 values, as in the core). */
export function keepScale(rate: number, f32: boolean): number {
  const scale = 1 / (1 - rate);
  return f32 ? Math.fround(scale) : scale;
}
