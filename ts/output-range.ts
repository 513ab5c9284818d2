/**
 * Targets a bounded output layer can never produce. The default network (sigmoid output,
 * half-SSE) trained on regression targets such as prices or temperatures does not fail: it
 * saturates and predicts ~0.999 for everything, silently. Such targets are not an error (the
 * loss and its gradient are defined, the defaults are the original algorithm's, and labels a
 * hair outside the range are sometimes deliberate), so the network warns once instead.
 * @module
 */
import type { Activation, LossName } from './model.js';

/** The closed output range of the bounded activations. */
const RANGES: Partial<Record<Activation['type'], readonly [number, number]>> = {
  sigmoid: [0, 1],
  softmax: [0, 1],
  tanh: [-1, 1],
};

/**
 * The warning for the first target outside what the last activation can output, or
 * `undefined` when every target is reachable (or the output is unbounded).
 */
export function unreachableTargetWarning(
  last: Activation,
  loss: LossName,
  y: Float32Array | Float64Array,
  cols: number,
  name: string,
): string | undefined {
  const range = RANGES[last.type];
  if (!range) return undefined;
  const [lo, hi] = range;
  for (let i = 0; i < y.length; i++) {
    const v = y[i]!;
    // NaN is left to the finiteness checks.
    if (!(v < lo || v > hi)) continue;
    const where = cols === 1 ? `${name}[${i}]` : `${name}[${Math.floor(i / cols)}][${i % cols}]`;
    return (
      `wasm-mlp: ${where} = ${v} is outside [${lo}, ${hi}], the range of the last layer's ` +
      `'${last.type}' activation, so no prediction can reach it (loss '${loss}' will push the ` +
      "outputs to saturate). For regression, use a 'linear' last layer, e.g. " +
      "activation: ['relu', 'linear'], loss: 'mse', optimizer: 'adam'. " +
      '(Shown once per network.)'
    );
  }
  return undefined;
}
