/** The core's bytes, embedded by scripts/build.mjs (esbuild `binary` loader) in the inline build. */
declare module 'wasm-mlp:embedded-core' {
  const bytes: Uint8Array;
  export default bytes;
}
