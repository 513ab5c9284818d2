/**
 * Options of {@link Network.create}: types, defaults and validation.
 * @module
 */
import { OptionError, describe } from './errors.js';

/** Element type of parameters and activations. */
export type Dtype = 'f32' | 'f64';

/** The typed array used for a dtype: `Float32Array` for `'f32'`, `Float64Array` for `'f64'`. */
export type ArrayFor<D extends Dtype> = D extends 'f64' ? Float64Array : Float32Array;

/**
 * Which weight matrix the backward loop uses to propagate the gradient to the previous layer.
 * - `'exact'`: the matrix before this step's update, i.e. the true gradient: plain SGD on the loss.
 * - `'update-first'`: the matrix after this step's update (what the original code does).
 */
export type Ordering = 'exact' | 'update-first';

/** Which engine does the math: the Rust/WebAssembly SIMD core, or the pure-TypeScript reference. */
export type BackendName = 'wasm' | 'reference';

/**
 * Where the WebAssembly module comes from: a path or URL (string or `URL`), the bytes,
 * an already compiled `WebAssembly.Module`, or a fetch `Response`.
 */
export type WasmSource = string | URL | ArrayBuffer | Uint8Array | WebAssembly.Module | Response;

/** Options of {@link Network.create}. Only `layers` is required. */
export interface NetworkOptions<D extends Dtype = Dtype> {
  /** Layer sizes, input size first: `[n_0, n_1, …, n_L]`, at least two positive integers. */
  layers: readonly number[];
  /** SGD step size, a finite number > 0. Default {@link DEFAULTS}.learningRate (0.1). */
  learningRate?: number;
  /** Backward-loop ordering (see {@link Ordering}). Default `'exact'`. */
  ordering?: Ordering;
  /** Element type of parameters and activations. Default `'f32'`. */
  dtype?: D;
  /** Math engine. Default `'wasm'`. */
  backend?: BackendName;
  /**
   * Seed of the initial weights (see `init.ts`): any safe integer. Default 1.
   * The same seed gives the same initial parameters on both backends.
   */
  seed?: number;
  /**
   * Where to load the WebAssembly module from (only used by `backend: 'wasm'`). Default:
   * `wasm_mlp.wasm` next to the bundle (`new URL('./wasm_mlp.wasm', import.meta.url)`).
   * Networks created from the same source share one instance.
   */
  wasm?: WasmSource;
}

/** Default values of the optional options. */
export const DEFAULTS = Object.freeze({
  learningRate: 0.1,
  ordering: 'exact' as Ordering,
  dtype: 'f32' as Dtype,
  backend: 'wasm' as BackendName,
  seed: 1,
});

/** Options after validation, with defaults filled in. */
export interface ResolvedOptions<D extends Dtype = Dtype> {
  readonly layers: readonly number[];
  readonly learningRate: number;
  readonly ordering: Ordering;
  readonly dtype: D;
  readonly backend: BackendName;
  readonly seed: number;
  readonly wasm: WasmSource | undefined;
}

const KNOWN_KEYS = ['layers', 'learningRate', 'ordering', 'dtype', 'backend', 'seed', 'wasm'];

/** Throws {@link OptionError} unless `value` is a finite number > 0. */
export function checkLearningRate(value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new OptionError(`learningRate must be a finite number > 0, got ${describe(value)}`);
  }
  return value;
}

function checkEnum<T extends string>(name: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    const list = allowed.map((a) => `'${a}'`);
    const expected = list.length === 2 ? `${list[0]} or ${list[1]}` : list.join(', ');
    throw new OptionError(`${name} must be ${expected}, got ${describe(value)}`);
  }
  return value as T;
}

function checkLayers(value: unknown): number[] {
  if (!Array.isArray(value)) {
    throw new OptionError(
      `layers must be an array of at least 2 positive integers, got ${describe(value)}`,
    );
  }
  if (value.length < 2) {
    throw new OptionError(
      `layers must have at least 2 entries (input and output size), got ${value.length}`,
    );
  }
  value.forEach((n: unknown, i) => {
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 0xffff_ffff) {
      throw new OptionError(`layers[${i}] must be a positive integer, got ${describe(n)}`);
    }
  });
  return [...(value as number[])];
}

function isWasmSource(value: unknown): boolean {
  return (
    typeof value === 'string' ||
    value instanceof URL ||
    value instanceof ArrayBuffer ||
    value instanceof Uint8Array ||
    value instanceof WebAssembly.Module ||
    (typeof Response !== 'undefined' && value instanceof Response)
  );
}

/**
 * Validates the options of {@link Network.create} and fills in defaults.
 * Throws {@link OptionError} naming the first bad option (unknown keys included).
 */
export function resolveOptions<D extends Dtype>(options: NetworkOptions<D>): ResolvedOptions<D> {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new OptionError(`options must be an object, got ${describe(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN_KEYS.includes(key)) {
      const hint = KNOWN_KEYS.find((k) => k.toLowerCase() === key.toLowerCase());
      throw new OptionError(
        `unknown option '${key}'${hint ? ` (did you mean '${hint}'?)` : ''}; ` +
          `known options: ${KNOWN_KEYS.join(', ')}`,
      );
    }
  }
  const layers = checkLayers(options.layers);
  const learningRate = checkLearningRate(options.learningRate ?? DEFAULTS.learningRate);
  const ordering = checkEnum('ordering', options.ordering ?? DEFAULTS.ordering, [
    'exact',
    'update-first',
  ]);
  const dtype = checkEnum('dtype', options.dtype ?? DEFAULTS.dtype, ['f32', 'f64']) as D;
  const backend = checkEnum('backend', options.backend ?? DEFAULTS.backend, ['wasm', 'reference']);
  const seed: unknown = options.seed ?? DEFAULTS.seed;
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed)) {
    throw new OptionError(`seed must be a safe integer, got ${describe(seed)}`);
  }
  const wasm = options.wasm;
  if (wasm !== undefined && !isWasmSource(wasm)) {
    throw new OptionError(
      'wasm must be a path or URL string, a URL, an ArrayBuffer, a Uint8Array, ' +
        `a WebAssembly.Module or a Response, got ${describe(wasm)}`,
    );
  }
  return { layers, learningRate, ordering, dtype, backend, seed, wasm };
}
