/**
 * The default source of the single-file build (`dist/index.inline.js`): the module's bytes,
 * embedded in the bundle as base64 by esbuild's `binary` loader and decoded once at import.
 * Replaces `default-source.ts` at bundle time (see scripts/build.mjs).
 * @module
 */
import bytes from 'wasm-mlp:embedded-core';
import type { WasmSource } from '../../types.js';

/**
 * The embedded plain SIMD128 build (the relaxed one is not embedded: one core, half the size).
 * No shared-memory build is embedded either: `threads` above 1 runs on one thread here, with
 * that reason reported (the loader's message for an empty list).
 */
export function defaultWasmSources(threads = false): WasmSource[] {
  return threads ? [] : [bytes];
}
