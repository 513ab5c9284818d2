// The published builds export exactly the ABI (ts/backends/wasm/abi.ts) plus the allocator's
// diagnostics: nothing of the test build (the kernels alone, test hooks) ships in dist/.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { requiredExports } from '../../ts/backends/wasm/abi.js';

/** Exports of every wasm32 build that are not calls: the linker's symbols. */
const LINKER_SYMBOLS = ['__data_end', '__heap_base'];
const DIAGNOSTICS = ['mlp_alloc_count', 'mlp_live_bytes'];

/**
 * The export names in a module's export section (id 7), read from the bytes: compiling the
 * relaxed build would need the V8 flag, reading it does not.
 */
function exportNames(bytes: Uint8Array): string[] {
  let at = 8; // magic and version
  const leb = (): number => {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = bytes[at++]!;
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
    }
  };
  while (at < bytes.length) {
    const id = bytes[at++]!;
    const size = leb();
    if (id !== 7) {
      at += size;
      continue;
    }
    const names: string[] = [];
    for (let count = leb(); count > 0; count--) {
      const length = leb();
      names.push(new TextDecoder().decode(bytes.subarray(at, at + length)));
      at += length + 1; // the name, then the kind
      leb(); // the index
    }
    return names;
  }
  return [];
}

/**
 * The shared-memory builds also export what a pool worker needs to run the module on its own
 * thread: the shadow stack pointer and the thread-local block's layout and initializer.
 */
const THREAD_SYMBOLS = ['__stack_pointer', '__tls_size', '__tls_align', '__wasm_init_tls'];

describe.each([
  ['wasm_mlp.wasm', []],
  ['wasm_mlp_relaxed.wasm', []],
  ['wasm_mlp_threads.wasm', THREAD_SYMBOLS],
  ['wasm_mlp_threads_relaxed.wasm', THREAD_SYMBOLS],
])('dist/%s', (file, extra) => {
  it('exports the ABI and its diagnostics, nothing else', () => {
    const bytes = readFileSync(new URL(`../../dist/${file}`, import.meta.url));
    const expected = [...requiredExports(), ...DIAGNOSTICS, ...LINKER_SYMBOLS, ...extra];
    expect(exportNames(bytes).sort()).toEqual(expected.sort());
  });
});

it('the export reader agrees with the engine (plain build)', () => {
  const bytes = readFileSync(new URL('../../dist/wasm_mlp.wasm', import.meta.url));
  const engine = WebAssembly.Module.exports(new WebAssembly.Module(bytes)).map((e) => e.name);
  expect(exportNames(bytes)).toEqual(engine);
});
