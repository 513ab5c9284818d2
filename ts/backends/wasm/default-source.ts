/**
 * Where the core is loaded from when `Network.create` gets no `wasm` option: the file next to
 * the bundle. The expression is kept literally as `new URL('./wasm_mlp.wasm', import.meta.url)`
 * because that is the pattern bundlers (Vite, webpack 5, Parcel) recognise to emit the file as
 * an asset and rewrite the URL. The single-file build (`wasm-mlp/inline`) swaps this module for
 * `default-source.inline.ts` at bundle time (see scripts/build.mjs).
 * @module
 */
import type { WasmSource } from '../../options.js';

export function defaultWasmSource(): WasmSource {
  return new URL('./wasm_mlp.wasm', import.meta.url);
}
