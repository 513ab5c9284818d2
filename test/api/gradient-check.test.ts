// f64 gradients against central finite differences on random shapes, both backends.
//
// For each parameter p: (L(p + h) − L(p − h)) / 2h with h = 1e-5. The truncation error is
// O(h²·|L'''|) ≈ 1e-10 and the rounding error ≈ eps·|L|/h ≈ 1e-11 for these small losses, so
// |analytic − numeric| ≤ 1e-7·(1 + |analytic|) leaves a wide margin while still catching any
// wrong term (a missing σ' factor or a transposed product is off by > 1e-3 here).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Network, type BackendName } from 'wasm-mlp';
import { randArray, rng } from '../helpers.js';

const H = 1e-5;
const TOL = 1e-7;

const shape = fc.record({
  layers: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 2, maxLength: 4 }),
  batch: fc.integer({ min: 1, max: 5 }),
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
});

describe.each(['reference', 'wasm'] as BackendName[])('gradient check, backend %s', (backend) => {
  it('gradients() match central finite differences of loss() (f64)', async () => {
    let checked = 0;
    await fc.assert(
      fc.asyncProperty(shape, async ({ layers, batch, seed }) => {
        const net = await Network.create({ layers, dtype: 'f64', backend, seed });
        try {
          const next = rng(seed ^ 0x5bd1e995);
          const x = randArray(next, batch * layers[0]!, -2, 2);
          const y = randArray(next, batch * layers[layers.length - 1]!, 0, 1);
          const g = net.gradients(x, y);
          const base = net.getParameters();
          for (const kind of ['weights', 'biases'] as const) {
            for (let i = 0; i < base[kind].length; i++) {
              for (let k = 0; k < base[kind][i]!.length; k++) {
                const at = (delta: number): number => {
                  const p = {
                    weights: base.weights.map((w) => w.slice()),
                    biases: base.biases.map((b) => b.slice()),
                  };
                  p[kind][i]![k]! += delta;
                  net.setParameters(p);
                  return net.loss(x, y);
                };
                const numeric = (at(H) - at(-H)) / (2 * H);
                net.setParameters(base);
                const analytic = g[kind][i]![k]!;
                expect(
                  Math.abs(analytic - numeric),
                  `${kind}[${i}][${k}] layers [${layers}] batch ${batch}: ${analytic} vs ${numeric}`,
                ).toBeLessThanOrEqual(TOL * (1 + Math.abs(analytic)));
                checked++;
              }
            }
          }
          expect(g.loss).toBeCloseTo(net.loss(x, y), 14);
        } finally {
          net.dispose();
        }
      }),
      { numRuns: 40, seed: 20240601 },
    );
    expect(checked).toBeGreaterThan(100);
  });
});
