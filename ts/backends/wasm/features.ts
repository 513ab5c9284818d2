/**
 * WebAssembly feature detection: which build of the core this engine can run.
 *
 * `dist/wasm_mlp_relaxed.wasm` uses relaxed SIMD (`f32x4.relaxed_madd` / `f64x2.relaxed_madd`,
 * a fused multiply-add where the CPU has one: +20–25% GEMM throughput); engines without relaxed
 * SIMD (Node 20 without `--experimental-wasm-relaxed-simd`, older browsers) reject it at
 * compile time, so they get the plain SIMD128 build `dist/wasm_mlp.wasm`.
 * @module
 */

/**
 * The smallest module using relaxed SIMD: one function `() -> v128` returning
 * `f32x4.relaxed_madd(v128.const 0, v128.const 0, v128.const 0)`.
 */
const RELAXED_SIMD_PROBE = new Uint8Array([
  ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00], // magic, version 1
  ...[0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b], // type section: [] -> [v128]
  ...[0x03, 0x02, 0x01, 0x00], // function section: one function of type 0
  ...[0x0a, 0x3d, 0x01, 0x3b, 0x00], // code section, one 59-byte body, no locals
  ...[0, 1, 2].flatMap(() => [0xfd, 0x0c, ...new Array<number>(16).fill(0)]), // 3 × v128.const 0
  ...[0xfd, 0x85, 0x02], // f32x4.relaxed_madd (0xfd 0x105)
  0x0b, // end
]);

let relaxed: boolean | undefined;

/** Whether this engine validates relaxed-SIMD modules (checked once, then cached). */
export function relaxedSimdSupported(): boolean {
  relaxed ??= typeof WebAssembly === 'object' && WebAssembly.validate(RELAXED_SIMD_PROBE);
  return relaxed;
}
