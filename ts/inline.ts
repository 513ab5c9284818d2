/**
 * `wasm-mlp/inline`: the whole public API of `wasm-mlp`, with the WebAssembly core embedded in
 * the JavaScript file (base64) instead of loaded from `wasm_mlp.wasm` next to it. For
 * environments where shipping a second file is a problem (some CDNs, single-file bundles,
 * userscripts). About a third larger than the two files together; `wasm` options still work.
 * @module
 */
export * from './index.js';
