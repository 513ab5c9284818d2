// Item 5 of issue 12: a core that does not load says what to do to someone who installed the
// package, not to a developer of this repository: which file was expected next to the bundle
// (default source), or which base a relative `wasm` path was resolved against.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Network, WasmMlpError } from 'wasm-mlp';

const DIST = fileURLToPath(new URL('../../dist/', import.meta.url));

describe('wasm load errors speak to package users', () => {
  it('a relative wasm path names the current directory it was resolved against', async () => {
    const promise = Network.create({ layers: [2, 1], wasm: 'models/missing-core.wasm' });
    await expect(promise).rejects.toBeInstanceOf(WasmMlpError);
    const error = (await promise.catch((e: unknown) => e)) as Error;
    expect(error.message).toContain(join(process.cwd(), 'models', 'missing-core.wasm'));
    expect(error.message).toContain(
      `the relative path was resolved against the current directory (${process.cwd()})`,
    );
    expect(error.message).toContain("resolve the path against that module's URL");
    expect(error.message).not.toContain('npm run build');
  });

  it('a bundle without its wasm file says which file was expected and that the package may be incomplete', () => {
    // The package as a user may have it: dist/index.js whose wasm_mlp.wasm went missing.
    const dir = mkdtempSync(join(tmpdir(), 'wasm-mlp-nowasm-'));
    try {
      copyFileSync(join(DIST, 'index.js'), join(dir, 'index.js'));
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
      const script =
        "import { Network } from './index.js';" +
        'await Network.create({ layers: [2, 1] }).then(' +
        "() => console.log('loaded'), (e) => console.log(e.name + ': ' + e.message));";
      const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
        cwd: dir,
        encoding: 'utf8',
      });
      expect(run.stderr).toBe('');
      const out = run.stdout.trim();
      expect(out).toMatch(/^WasmMlpError: could not load the WebAssembly core from file:\/\//);
      expect(out).toContain(`${join(dir, 'wasm_mlp.wasm')}`);
      expect(out).toContain('wasm-mlp expects wasm_mlp.wasm next to its JavaScript bundle');
      expect(out).toContain('the installed package may be incomplete: reinstall wasm-mlp');
      expect(out).toContain("import 'wasm-mlp/inline'");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
