// The loader's choice between the two builds, and that the relaxed build really uses relaxed
// SIMD. In the `plain` project (no V8 flag) relaxed SIMD does not validate; in the `relaxed`
// project (--experimental-wasm-relaxed-simd) it does. Both builds are checked against the
// reference by wasm-vs-reference.test.ts, which runs in both projects.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { relaxedSimdSupported } from '../ts/backends/wasm/features.js';
import { defaultWasmUrl } from '../ts/backends/wasm/load.js';

const RELAXED_PATH = fileURLToPath(new URL('../dist/wasm_mlp_relaxed.wasm', import.meta.url));
const PLAIN_PATH = fileURLToPath(new URL('../dist/wasm_mlp.wasm', import.meta.url));
const flagged = process.execArgv.includes('--experimental-wasm-relaxed-simd');

describe('relaxed-SIMD build selection', () => {
  it('runs with the V8 flag exactly in the relaxed project', () => {
    expect(flagged).toBe(process.env['WASM_MLP_BUILD'] === 'relaxed');
  });

  it('detects relaxed SIMD exactly when the engine has it', () => {
    expect(relaxedSimdSupported()).toBe(flagged);
  });

  it('validates the relaxed build only where relaxed SIMD is supported; the plain one always', () => {
    expect(WebAssembly.validate(readFileSync(PLAIN_PATH))).toBe(true);
    expect(WebAssembly.validate(readFileSync(RELAXED_PATH))).toBe(flagged);
  });

  it('picks the relaxed build by default when supported, else the plain one', () => {
    const name = defaultWasmUrl().pathname.split('/').pop();
    expect(name).toBe(flagged ? 'wasm_mlp_relaxed.wasm' : 'wasm_mlp.wasm');
  });
});
