// wasm-mlp/inline: the single-file build. The core is embedded, so it needs no file next to it
// and carries no reference a bundler would follow to emit one.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Network as FileNetwork } from 'wasm-mlp';
import { Network, WasmMlpError } from 'wasm-mlp/inline';
import { XOR_X, XOR_Y, flatParams } from '../helpers.js';

const inlineBundle = readFileSync(new URL('../../dist/index.inline.js', import.meta.url), 'utf8');

describe('dist/index.inline.js', () => {
  it('trains with the embedded core exactly like dist/index.js with wasm_mlp.wasm', async () => {
    const options = { layers: [2, 3, 1], learningRate: 0.5, seed: 7 };
    const inline = await Network.create(options);
    const file = await FileNetwork.create(options);
    for (let i = 0; i < 2_000; i++) {
      expect(inline.trainStep(XOR_X, XOR_Y)).toBe(file.trainStep(XOR_X, XOR_Y));
    }
    expect(flatParams(inline.getParameters())).toEqual(flatParams(file.getParameters()));
  });

  it('contains the core and no URL of a .wasm file', () => {
    expect(inlineBundle).not.toMatch(/import\.meta\.url|new URL\(['"][^'"]*\.wasm/);
    const core = readFileSync(new URL('../../dist/wasm_mlp.wasm', import.meta.url));
    expect(inlineBundle).toContain(core.toString('base64').slice(0, 4096));
  });

  it('still accepts an explicit wasm source', async () => {
    await expect(Network.create({ layers: [1, 1], wasm: new Uint8Array(8) })).rejects.toThrow(
      WasmMlpError,
    );
  });
});
