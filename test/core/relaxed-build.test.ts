// The loader's choice between the two builds, and that the relaxed build really uses relaxed
// SIMD. In the `plain` project (no V8 flag) relaxed SIMD does not validate; in the `relaxed`
// project (--experimental-wasm-relaxed-simd) it does. Both builds are checked against the
// reference by wasm-vs-reference.test.ts, which runs in both projects.
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { relaxedSimdSupported } from '../../ts/backends/wasm/features.js';
import { defaultWasmSources } from '../../ts/backends/wasm/default-source.js';

const RELAXED_PATH = fileURLToPath(new URL('../../dist/wasm_mlp_relaxed.wasm', import.meta.url));
const PLAIN_PATH = fileURLToPath(new URL('../../dist/wasm_mlp.wasm', import.meta.url));
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

  it('tries the relaxed build first when supported, then the plain one', () => {
    const names = defaultWasmSources().map((source) => (source as URL).pathname.split('/').pop());
    expect(names).toEqual(flagged ? ['wasm_mlp_relaxed.wasm', 'wasm_mlp.wasm'] : ['wasm_mlp.wasm']);
  });

  it('falls back to the plain build when the relaxed file is missing next to the bundle', async () => {
    // An app that copied only wasm_mlp.wasm next to its bundle (e.g. with esbuild).
    const app = mkdtempSync(join(tmpdir(), 'wasm-mlp-fallback-'));
    try {
      // dist/ ships no source maps (issue 12): the bundle alone.
      copyFileSync(
        fileURLToPath(new URL('../../dist/index.js', import.meta.url)),
        join(app, 'index.js'),
      );
      copyFileSync(PLAIN_PATH, join(app, 'wasm_mlp.wasm'));
      const { Network } = (await import(
        /* @vite-ignore */ pathToFileURL(join(app, 'index.js')).href
      )) as typeof import('wasm-mlp');
      const net = await Network.create({ layers: [2, 3, 1], seed: 1 });
      expect(net.forward([[0, 1]])).toHaveLength(1);
      net.dispose();
    } finally {
      rmSync(app, { recursive: true, force: true });
    }
  });
});
