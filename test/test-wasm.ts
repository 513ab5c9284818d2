// The test build of the core (not a test file): the published exports plus the test-only ones
// (cargo feature `test-exports`, crates/mlp-core/src/ffi/kernels.rs and test_hooks.rs), built
// by `npm run build` into target/test-wasm/ and never shipped. Its extra exports are reached
// only through the typed tables below, so the library's own export table (abi.ts) stays the
// published ABI.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Ptr } from '../ts/backends/wasm/abi.js';
import type { WasmCore } from '../ts/backends/wasm/core.js';
import { loadWasm } from '../ts/backends/wasm/load.js';
import type { Dtype } from '../ts/types.js';

/**
 * target/test-wasm/wasm_mlp_test.wasm, or its relaxed-SIMD twin in the vitest project
 * `relaxed` (env WASM_MLP_BUILD=relaxed), as test/helpers.ts's WASM_PATH picks the published one.
 */
export const TEST_WASM_PATH = fileURLToPath(
  process.env['WASM_MLP_BUILD'] === 'relaxed'
    ? new URL('../target/test-wasm/wasm_mlp_relaxed_test.wasm', import.meta.url)
    : new URL('../target/test-wasm/wasm_mlp_test.wasm', import.meta.url),
);

/** The test build's core (one instance per path, shared with networks created from it). */
export async function loadTestCore(): Promise<WasmCore> {
  if (!existsSync(TEST_WASM_PATH)) {
    throw new Error(`${TEST_WASM_PATH} is missing: run npm run build (scripts/build-wasm.mjs)`);
  }
  return loadWasm(TEST_WASM_PATH);
}

/** The kernels alone, one dtype (`{t}`): `mlp_<name>_{t}`, caller-owned buffers. */
export interface KernelExports {
  /** `mlp_gemm_{t}(trans_a, trans_b, m, n, k, a, b, c, accumulate)`: `C = op(A)·op(B) (+ C)` */
  gemm(
    transA: number,
    transB: number,
    m: number,
    n: number,
    k: number,
    a: Ptr,
    b: Ptr,
    c: Ptr,
    accumulate: number,
  ): void;
  /** `mlp_sigmoid_{t}(x, len)`: `x = σ(x)` */
  sigmoid(x: Ptr, len: number): void;
  /** `mlp_sigmoid_backward_{t}(g, y, len)`: `g = g ⊙ y(1−y)` */
  sigmoidBackward(g: Ptr, y: Ptr, len: number): void;
  /** `mlp_add_bias_{t}(x, bias, rows, cols)`: `x[r][c] += bias[c]` */
  addBias(x: Ptr, bias: Ptr, rows: number, cols: number): void;
  /** `mlp_column_sums_{t}(a, rows, cols, out)`: `out[c] = Σ_r a[r][c]` */
  columnSums(a: Ptr, rows: number, cols: number, out: Ptr): void;
  /** `mlp_axpy_{t}(x, y, len, alpha)`: `x += alpha·y` */
  axpy(x: Ptr, y: Ptr, len: number, alpha: number): void;
}

const KERNEL_NAMES: Record<keyof KernelExports, string> = {
  gemm: 'mlp_gemm',
  sigmoid: 'mlp_sigmoid',
  sigmoidBackward: 'mlp_sigmoid_backward',
  addBias: 'mlp_add_bias',
  columnSums: 'mlp_column_sums',
  axpy: 'mlp_axpy',
};

/** An export of the test build; throws naming it if `core` is not the test build. */
function testExport<F>(core: WasmCore, name: string): F {
  const fn = core.instance.exports[name];
  if (typeof fn !== 'function') throw new Error(`${name} is missing: not the test build`);
  return fn as F;
}

/** The kernel exports of a dtype. */
export function kernels(core: WasmCore, dtype: Dtype): KernelExports {
  const table: Partial<Record<keyof KernelExports, unknown>> = {};
  for (const [key, base] of Object.entries(KERNEL_NAMES) as [keyof KernelExports, string][]) {
    table[key] = testExport(core, `${base}_${dtype}`);
  }
  return table as KernelExports;
}

/** What `decode_config` made of a block (`describe` in test_hooks.rs: Rust names). */
export interface DecodedConfig {
  ordering: string;
  loss: string;
  rule: { type: string; [hyperparameter: string]: unknown };
  weight_decay: number;
  clip_norm: number | null;
  clip_value: number | null;
  sizes: number[];
  activations: { type: string; slope?: number }[];
}

/** Fault injection and the config decoder. */
export interface TestHooks {
  /** `mlp_test_set_allocation_budget`: the next `n` allocations succeed; `null` lifts it. */
  setAllocationBudget(n: number | null): void;
  /** `mlp_test_decode_config`: the Rust decoding of a config block, or `null` if rejected. */
  decodeConfig(block: ArrayLike<number>): DecodedConfig | null;
}

/** The test hooks of a test-build core. */
export function testHooks(core: WasmCore): TestHooks {
  const budget = testExport<(n: number) => void>(core, 'mlp_test_set_allocation_budget');
  const decode = testExport<(config: Ptr, len: number, out: Ptr, cap: number) => number>(
    core,
    'mlp_test_decode_config',
  );
  return {
    setAllocationBudget: (n) => budget(n === null ? 0xffffffff : n),
    decodeConfig(block) {
      const cap = 4096;
      const config = core.allocArray('f64', block);
      const out = core.alloc(cap, 1);
      try {
        const len = decode(config, block.length, out, cap) >>> 0;
        if (len === 0) return null;
        if (len > cap) throw new Error(`decoded config longer than ${cap} bytes`);
        const json = new TextDecoder().decode(new Uint8Array(core.memory.buffer, out, len));
        return JSON.parse(json) as DecodedConfig;
      } finally {
        core.free(out, cap, 1);
        core.freeArray('f64', config, block.length);
      }
    },
  };
}
