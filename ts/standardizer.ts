/**
 * Feature standardisation `(x − mean) / std`, per input column: fitted from data, stored in a
 * network (`net.fitNormalization(x)` / `net.setNormalization(s)`), saved with it in JSON and
 * safetensors, applied to every `x` the network is given, and folded into the first layer of
 * an ONNX export. The CLI standardises its CSV features with this same code.
 * @module
 */
import { NonFiniteError, OptionError, ShapeError, describe } from './errors.js';
import { toMatrix, type MatrixInput } from './inputs.js';

/**
 * Mean and population standard deviation of every `stride`-th value of `values` from
 * `offset`. Computed on the values divided by the largest magnitude, so the sums and squares
 * cannot overflow (values near 1e200 square to Infinity otherwise). The result is not
 * finite only when the spread itself exceeds float64 (max − min beyond 1.8e308): callers
 * report that. An all-zero column gives `[0, 0]`.
 */
export function moments(
  values: ArrayLike<number>,
  stride = 1,
  offset = 0,
): { mean: number; std: number } {
  const n = Math.floor((values.length - offset + stride - 1) / stride);
  let scale = 0;
  for (let i = offset; i < values.length; i += stride)
    scale = Math.max(scale, Math.abs(values[i]!));
  if (scale === 0 || n === 0) return { mean: 0, std: 0 };
  let mean = 0;
  for (let i = offset; i < values.length; i += stride) mean += values[i]! / scale;
  mean /= n;
  let v = 0;
  for (let i = offset; i < values.length; i += stride) v += (values[i]! / scale - mean) ** 2;
  return { mean: mean * scale, std: Math.sqrt(v / n) * scale };
}

/** A standardizer's values, as saved in files (`toJSON()`). */
export interface StandardizerJSON {
  mean: number[];
  std: number[];
}

/**
 * Per-column standardisation `(x − mean) / std`. Immutable: `mean` and `std` return copies.
 *
 * @example
 * const s = Standardizer.fit(trainX);         // number[][] rows, or flat with `features`
 * net.setNormalization(s);                     // or: net.fitNormalization(trainX)
 * net.predict(rawX);                           // standardised inside
 */
export class Standardizer {
  readonly #mean: Float64Array;
  readonly #std: Float64Array;

  /**
   * @param mean one value per feature
   * @param std one value per feature, each > 0
   * @throws ShapeError for lengths that differ or are 0; NonFiniteError for NaN/±Infinity;
   *   OptionError for a std ≤ 0
   */
  constructor(mean: ArrayLike<number>, std: ArrayLike<number>) {
    const lengthOf = (v: unknown, name: string): number => {
      const length = (v as { length?: unknown } | null)?.length;
      if (typeof v !== 'object' || typeof length !== 'number') {
        throw new ShapeError(
          `Standardizer: ${name} must be an array of numbers, got ${describe(v)}`,
        );
      }
      return length;
    };
    const n = lengthOf(mean, 'mean');
    if (n === 0 || lengthOf(std, 'std') !== n) {
      throw new ShapeError(
        `Standardizer: mean and std need one value per feature (at least 1), got ${n} and ${std.length}`,
      );
    }
    this.#mean = new Float64Array(n);
    this.#std = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      const [m, s] = [mean[j], std[j]];
      if (typeof m !== 'number' || !Number.isFinite(m)) {
        throw new NonFiniteError(
          `Standardizer: mean[${j}] must be a finite number, got ${describe(m)}`,
        );
      }
      if (typeof s !== 'number' || !Number.isFinite(s)) {
        throw new NonFiniteError(
          `Standardizer: std[${j}] must be a finite number, got ${describe(s)}`,
        );
      }
      if (!(s > 0)) throw new OptionError(`Standardizer: std[${j}] must be > 0, got ${s}`);
      this.#mean[j] = m;
      this.#std[j] = s;
    }
  }

  /**
   * Fits the mean and population standard deviation of each column of `x` (overflow-safe, see
   * {@link moments}); a constant column gets std 1, so it maps to 0 rather than dividing by 0.
   * @param x `number[][]` rows, or a flat row-major array with `features` columns
   * @param features columns per row; needed for a flat array, checked against rows otherwise
   * @throws ShapeError, NonFiniteError for bad data or a column whose spread exceeds float64
   */
  static fit(x: MatrixInput, features?: number): Standardizer {
    let cols = features;
    if (cols === undefined) {
      const first = Array.isArray(x) ? (x as ArrayLike<unknown>)[0] : undefined;
      const length = (first as { length?: unknown } | undefined)?.length;
      if (typeof length !== 'number') {
        throw new ShapeError(
          'Standardizer.fit: pass the number of features for a flat array: Standardizer.fit(x, features)',
        );
      }
      cols = length;
    }
    if (!Number.isSafeInteger(cols) || cols < 1) {
      throw new ShapeError(
        `Standardizer.fit: features must be an integer >= 1, got ${describe(cols)}`,
      );
    }
    const X = toMatrix('x', x, cols, 'features', 'f64');
    const mean = new Float64Array(cols);
    const std = new Float64Array(cols);
    for (let j = 0; j < cols; j++) {
      const m = moments(X.data, cols, j);
      if (!Number.isFinite(m.mean) || !Number.isFinite(m.std)) {
        throw new NonFiniteError(
          `Standardizer.fit: column ${j} spans more than float64 can hold (standard deviation ${m.std}); rescale it`,
        );
      }
      mean[j] = m.mean;
      std[j] = m.std > 0 ? m.std : 1;
    }
    return new Standardizer(mean, std);
  }

  /** Number of features (input columns). */
  get features(): number {
    return this.#mean.length;
  }

  /** A copy of the per-feature means. */
  get mean(): Float64Array {
    return this.#mean.slice();
  }

  /** A copy of the per-feature standard deviations. */
  get std(): Float64Array {
    return this.#std.slice();
  }

  /**
   * `(x − mean) / std` of flat row-major values into a new array of the given type (float64
   * arithmetic, then rounded to `out`'s type).
   * @throws NonFiniteError when a result overflows (a value far outside the fitted spread)
   */
  standardize(
    x: ArrayLike<number>,
    Out: Float32ArrayConstructor | Float64ArrayConstructor,
    name = 'x',
  ): Float32Array | Float64Array {
    const n = this.features;
    const out = new Out(x.length);
    for (let i = 0; i < x.length; i++) {
      const j = i % n;
      out[i] = (x[i]! - this.#mean[j]!) / this.#std[j]!;
      if (!Number.isFinite(out[i]!)) {
        throw new NonFiniteError(
          `${name}[${Math.floor(i / n)}][${j}] = ${x[i]} is ${out[i]} once standardized ` +
            `((x − ${this.#mean[j]}) / ${this.#std[j]}) in this dtype`,
        );
      }
    }
    return out;
  }

  /**
   * `(x − mean) / std` of `x` (rows, or flat with `features` columns), as a Float64Array.
   * @throws ShapeError, NonFiniteError
   */
  transform(x: MatrixInput): Float64Array {
    const X = toMatrix('x', x, this.features, 'features', 'f64');
    return this.standardize(X.data, Float64Array) as Float64Array;
  }

  /**
   * Folds the standardisation into a first layer, in place, so that the layer on raw inputs
   * equals the original on standardised ones: `W'[r][c] = W[r][c] / s_r` and
   * `b'[c] = b[c] − Σ_r m_r / s_r · W[r][c]` (`w` row-major `features × nOut`).
   */
  foldInto(
    w: { [i: number]: number; length: number },
    b: { [i: number]: number },
    nOut: number,
  ): void {
    if (w.length !== this.features * nOut) {
      throw new ShapeError(
        `Standardizer.foldInto: expected ${this.features} × ${nOut} weights, got ${w.length}`,
      );
    }
    for (let r = 0; r < this.features; r++) {
      const [m, s] = [this.#mean[r]!, this.#std[r]!];
      for (let c = 0; c < nOut; c++) {
        b[c] = b[c]! - (m / s) * w[r * nOut + c]!;
        w[r * nOut + c] = w[r * nOut + c]! / s;
      }
    }
  }

  /** `{ mean, std }` as plain arrays (what the model files store). */
  toJSON(): StandardizerJSON {
    return { mean: Array.from(this.#mean), std: Array.from(this.#std) };
  }
}
