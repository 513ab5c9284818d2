// GEMM alone: C = op(A)·op(B) through the test build's `mlp_gemm_{f32,f64}` export (the
// published core does not export the kernels alone) on operands already in wasm memory, and
// TF.js wasm's matMul (with transposeA / transposeB) on the same shapes.

/** Square sizes and the three products of a [784,128] layer at batch 64 (forward, dW, dX). */
export const GEMM_SHAPES = [
  ...[128, 256, 512, 1024].map((n) => ({
    id: `gemm-${n}`,
    label: `GEMM ${n}³`,
    m: n,
    n,
    k: n,
    ta: 0,
    tb: 0,
  })),
  { id: 'gemm-AB', label: 'GEMM A·B 64×784·784×128', m: 64, n: 128, k: 784, ta: 0, tb: 0 },
  { id: 'gemm-AtB', label: 'GEMM Aᵀ·B 784×64ᵀ·64×128', m: 784, n: 128, k: 64, ta: 1, tb: 0 },
  { id: 'gemm-ABt', label: 'GEMM A·Bᵀ 64×128·(784×128)ᵀ', m: 64, n: 784, k: 128, ta: 0, tb: 1 },
];

export const flopsOf = ({ m, n, k }) => 2 * m * n * k;

/** A function running the product once on random operands in the instance `exports`. */
export function coreGemm(exports, dtype, { m, n, k, ta, tb }) {
  const size = dtype === 'f64' ? 8 : 4;
  const alloc = (len) => exports.mlp_alloc(len * size, 16) >>> 0;
  const a = alloc(m * k);
  const b = alloc(k * n);
  const c = alloc(m * n);
  const Heap = dtype === 'f64' ? Float64Array : Float32Array;
  const heap = new Heap(exports.memory.buffer);
  for (let i = 0; i < m * k; i++) heap[a / size + i] = Math.random() - 0.5;
  for (let i = 0; i < k * n; i++) heap[b / size + i] = Math.random() - 0.5;
  const gemm = exports[`mlp_gemm_${dtype}`];
  return () => gemm(ta, tb, m, n, k, a, b, c, 0);
}

/** The same product with TF.js (current backend); operands stored as the flags say. */
export function tfjsGemm(tf, { m, n, k, ta, tb }) {
  const a = tf.randomUniform(ta ? [k, m] : [m, k]);
  const b = tf.randomUniform(tb ? [n, k] : [k, n]);
  return () => tf.matMul(a, b, !!ta, !!tb).dispose();
}
