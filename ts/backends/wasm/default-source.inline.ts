/**
 * The default source of the single-file build (`dist/index.inline.js`): the module's bytes,
 * embedded in the bundle as base64 by esbuild's `binary` loader and decoded once at import.
 * Replaces `default-source.ts` at bundle time (see scripts/build.mjs).
 * @module
 */
import bytes from 'wasm-mlp:embedded-core';
import type { WasmSource } from '../../options.js';

export function defaultWasmSource(): WasmSource {
  return bytes;
}
