// The XOR run of the browser fixtures (fixtures/xor.js), computed here in Node with the same
// dist/ bundle: a browser must produce exactly these numbers (same wasm, deterministic f32).
import { Network } from 'wasm-mlp';
import { trainXor } from './fixtures/xor.js';

export function nodeBaseline(): Promise<{ loss: number; output: number[] }> {
  return trainXor(Network);
}
