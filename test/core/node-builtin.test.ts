// nodeBuiltin: both paths (process.getBuiltinModule, and the dynamic import older Node 20 uses).
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { nodeBuiltin } from '../../ts/node-builtin.js';

const original = process.getBuiltinModule;
afterEach(() => {
  process.getBuiltinModule = original;
});

describe('nodeBuiltin', () => {
  it('uses process.getBuiltinModule when present', async () => {
    expect(typeof original).toBe('function');
    const mod = await nodeBuiltin<typeof path>('node:path');
    expect(mod.join('a', 'b')).toBe(path.join('a', 'b'));
  });

  it('falls back to a dynamic import without it', async () => {
    (process as { getBuiltinModule?: unknown }).getBuiltinModule = undefined;
    const mod = await nodeBuiltin<typeof path>('node:path');
    expect(mod.basename('/x/y.wasm')).toBe('y.wasm');
  });
});
