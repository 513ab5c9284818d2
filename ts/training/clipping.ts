/**
 * Gradient clipping as optimizer options (`clipNorm`, `clipValue`), accepted by every
 * optimizer and applied by both backends to the raw gradient of each step, inside the update
 * (`crates/mlp-core/src/optimizers/clip.rs`, `backends/reference/clipping.ts`):
 * first `g ← g·c/‖g‖` when the norm over all parameters `‖g‖ > c = clipNorm`, then each
 * element clamped to `[−clipValue, clipValue]`. Weight decay is added after clipping.
 * @module
 */
import { OptionError, describe } from '../errors.js';

/** Gradient clipping, off unless set. */
export interface ClipOptions {
  /**
   * Scale the whole gradient (every weight and bias of the step) down to this Euclidean norm
   * when it is larger: `g ← g·clipNorm/‖g‖`. A finite number > 0. Needs `ordering: 'exact'`.
   */
  clipNorm?: number;
  /** Clamp every gradient element to `[−clipValue, clipValue]`. A finite number > 0. */
  clipValue?: number;
}

/** The clipping of a resolved optimizer: only the keys that are set. */
export interface Clipping {
  readonly clipNorm?: number;
  readonly clipValue?: number;
}

/** The option keys of {@link ClipOptions}. */
export const CLIP_KEYS = ['clipNorm', 'clipValue'] as const;

/**
 * Validates `clipNorm` / `clipValue` of an optimizer object: each absent or a finite
 * number > 0.
 * @throws OptionError naming the option
 */
export function resolveClipping(obj: Readonly<Record<string, unknown>>): Clipping {
  const clipping: { clipNorm?: number; clipValue?: number } = {};
  for (const key of CLIP_KEYS) {
    const value = obj[key];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      throw new OptionError(
        `optimizer.${key} must be a finite number > 0 (omit it for no clipping), got ${describe(value)}`,
      );
    }
    clipping[key] = value;
  }
  return clipping;
}
