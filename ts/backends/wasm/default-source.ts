/**
 * Where the core is loaded from when `Network.create` gets no `wasm` option (with `threads`
 * above 1 and shared memory available: `wasm_mlp_threads_relaxed.wasm` / `wasm_mlp_threads.wasm`
 * first, the same pair built with atomics and a shared memory): the file next to
 * the bundle, `wasm_mlp_relaxed.wasm` where the engine validates relaxed SIMD (features.ts),
 * then the plain SIMD128 `wasm_mlp.wasm` (also the fallback when the relaxed file is missing,
 * e.g. an esbuild app that copied only `wasm_mlp.wasm`). Both expressions are kept literally as
 * `new URL('./….wasm', import.meta.url)` because that is the pattern bundlers (Vite, webpack 5,
 * Parcel) recognise to emit the file as an asset and rewrite the URL. The single-file build
 * (`wasm-mlp/inline`) swaps this module for `default-source.inline.ts` at bundle time (see
 * scripts/build.mjs); it embeds only the plain build.
 * @module
 */
import type { WasmSource } from '../../types.js';
import { relaxedSimdSupported } from './features.js';

/** The default sources, best first: the loader uses the first one that loads. */
export function defaultWasmSources(threads = false): WasmSource[] {
  if (threads) {
    const shared = new URL('./wasm_mlp_threads.wasm', import.meta.url);
    return relaxedSimdSupported()
      ? [new URL('./wasm_mlp_threads_relaxed.wasm', import.meta.url), shared]
      : [shared];
  }
  const plain = new URL('./wasm_mlp.wasm', import.meta.url);
  return relaxedSimdSupported()
    ? [new URL('./wasm_mlp_relaxed.wasm', import.meta.url), plain]
    : [plain];
}
