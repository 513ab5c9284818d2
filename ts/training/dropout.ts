/**
 * The `dropout` and `dropoutSeed` options of `Network.create`: validation and defaults.
 *
 * Dropout (inverted) zeroes each unit of a hidden layer's output with probability `p` during
 * training steps (`trainStep`, `fit`, `trainInWorker`) and scales the kept units by
 * `1/(1 − p)`; `forward`, `predict`, `evaluate`, `loss` and `gradients` never drop anything.
 * The masks are a pure function of (dropout seed, optimizer step, hidden layer, element), see
 * `backends/reference/dropout.ts`, so both backends draw the same ones and a resumed run
 * continues with the masks an uninterrupted one would have used.
 * @module
 */
import { OptionError, describe } from '../errors.js';

/**
 * One rate per hidden layer (`layers.length − 2` entries) from a number (every hidden layer)
 * or an array; each in [0, 1). Default: no dropout (all 0).
 * @throws OptionError naming the bad entry
 */
export function resolveDropout(value: unknown, layers: readonly number[]): number[] {
  const hidden = layers.length - 2;
  const check = (name: string, v: unknown): number => {
    if (typeof v !== 'number' || !(v >= 0 && v < 1)) {
      throw new OptionError(
        `${name} must be a dropout rate in [0, 1) (the probability of dropping a unit), got ${describe(v)}`,
      );
    }
    return v;
  };
  if (value === undefined) return new Array<number>(hidden).fill(0);
  if (Array.isArray(value)) {
    if (value.length !== hidden) {
      throw new OptionError(
        `dropout: expected ${hidden} entries (one per hidden layer, layers.length - 2), got ${value.length}`,
      );
    }
    return value.map((v: unknown, i) => check(`dropout[${i}]`, v));
  }
  const rate = check('dropout', value);
  if (hidden === 0 && rate > 0) {
    throw new OptionError(
      `dropout applies to hidden layers, and layers [${layers.join(', ')}] have none`,
    );
  }
  return new Array<number>(hidden).fill(rate);
}

/** Whether any hidden layer drops units. */
export function hasDropout(rates: readonly number[] | undefined): boolean {
  return rates !== undefined && rates.some((r) => r > 0);
}

/**
 * The `dropoutSeed` option: a safe integer, by default the network's `seed`.
 * @throws OptionError
 */
export function resolveDropoutSeed(value: unknown, seed: number): number {
  if (value === undefined) return seed;
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new OptionError(`dropoutSeed must be a safe integer, got ${describe(value)}`);
  }
  return value;
}
