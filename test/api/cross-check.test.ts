// crossCheck(net, x, y): small-but-nonzero differences for f32, rounding-level for f64, and the
// user's network untouched (parameters, and the cache of its last forward).
import { describe, expect, it } from 'vitest';
import {
  CROSS_CHECK_REL_FLOOR,
  Network,
  OptionError,
  ShapeError,
  StateError,
  crossCheck,
  type BackendName,
  type CrossCheckResult,
} from 'wasm-mlp';
import { flatParams, randArray, rng } from '../helpers.js';

const QUANTITIES = ['forward', 'loss', 'gradients', 'step'] as const;

function data(seed: number, batch: number, nIn: number, nOut: number) {
  const next = rng(seed);
  return { x: randArray(next, batch * nIn, -2, 2), y: randArray(next, batch * nOut, 0, 1) };
}

function all(result: CrossCheckResult, pick: 'maxAbs' | 'maxRel'): number[] {
  return QUANTITIES.map((q) => result[q][pick]);
}

describe.each(['wasm', 'reference'] as BackendName[])('crossCheck, backend %s', (backend) => {
  it('f32: small but nonzero differences', async () => {
    const net = await Network.create({
      layers: [8, 17, 5, 3],
      learningRate: 0.2,
      backend,
      seed: 3,
    });
    const { x, y } = data(11, 33, 8, 3);
    const r = crossCheck(net, x, y);
    expect(r.relFloor).toBe(CROSS_CHECK_REL_FLOOR);
    for (const q of QUANTITIES) {
      expect(r[q].maxAbs, q).toBeLessThan(1e-4);
      expect(r[q].maxAbs, q).toBeGreaterThanOrEqual(0);
      expect(r[q].maxRel, q).toBeLessThan(1e-2);
      expect(Number.isFinite(r[q].maxRel), q).toBe(true);
    }
    // f32 rounding is visible somewhere
    expect(Math.max(...all(r, 'maxAbs'))).toBeGreaterThan(0);
    expect(r.forward.maxAbs).toBeGreaterThan(0);
    net.dispose();
  });

  it('f64: differences at rounding level', async () => {
    const net = await Network.create({
      layers: [8, 17, 5, 3],
      learningRate: 0.2,
      dtype: 'f64',
      backend,
      seed: 3,
    });
    const { x, y } = data(12, 33, 8, 3);
    const r = crossCheck(net, x, y);
    for (const q of QUANTITIES) {
      expect(r[q].maxAbs, q).toBeLessThan(1e-12);
      expect(r[q].maxRel, q).toBeLessThan(1e-9);
    }
    if (backend === 'reference') for (const v of all(r, 'maxAbs')) expect(v).toBe(0);
    net.dispose();
  });

  it("leaves the user's network unchanged, including a pending forward cache", async () => {
    const make = () => Network.create({ layers: [3, 4, 2], learningRate: 0.5, backend, seed: 5 });
    const [net, twin] = await Promise.all([make(), make()]);
    const { x, y } = data(13, 6, 3, 2);
    net.forward(x);
    twin.forward(x);
    const before = flatParams(net.getParameters());
    crossCheck(net, x, y);
    crossCheck(net, [[1, 2, 3]], [[0, 1]]); // a different batch size, too
    expect(flatParams(net.getParameters())).toEqual(before);
    // backward still uses net's own cache of the forward above
    net.backward(y);
    twin.backward(y);
    expect(flatParams(net.getParameters())).toEqual(flatParams(twin.getParameters()));
    net.dispose();
    twin.dispose();
  });

  it('relFloor option, validation, and disposed networks', async () => {
    const net = await Network.create({ layers: [2, 2], backend });
    const r = crossCheck(net, [[0.5, -0.5]], [[1, 0]], { relFloor: 1 });
    expect(r.relFloor).toBe(1);
    // With a floor of 1 every denominator is >= 1, so no relative difference exceeds the
    // absolute one; the default floor (1e-6) makes them larger on these small outputs.
    const byDefault = crossCheck(net, [[0.5, -0.5]], [[1, 0]]);
    for (const q of QUANTITIES) {
      expect(r[q].maxAbs, q).toBe(byDefault[q].maxAbs);
      expect(r[q].maxRel, q).toBeLessThanOrEqual(r[q].maxAbs);
    }
    expect(byDefault.forward.maxRel).toBeGreaterThan(r.forward.maxRel);
    expect(() => crossCheck(net, [[0.5, -0.5]], [[1, 0]], { relFloor: 0 })).toThrow(OptionError);
    expect(() => crossCheck(net, [1, 2, 3], [1, 0])).toThrow(ShapeError);
    expect(() => crossCheck(net, [1, 2], [1])).toThrow(
      /^y: expected a length that is a multiple of 2/,
    );
    net.dispose();
    expect(() => crossCheck(net, [1, 2], [1, 0])).toThrow(StateError);
  });
});
