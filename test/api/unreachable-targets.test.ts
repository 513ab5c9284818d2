// A regression on targets a bounded output cannot reach (the default sigmoid output on values
// such as 10–40) warns once per network instead of silently predicting ~0.999 for everything.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Network } from 'wasm-mlp';

const x = [[0], [0.5], [1]];
const far = [[10], [25], [40]];

afterEach(() => void vi.restoreAllMocks());

describe('targets outside the output range', () => {
  it('warns once per network, naming the target, the range and what to use instead', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const net = await Network.create({ layers: [1, 4, 1] }); // the defaults: sigmoid, half-SSE
    net.trainStep(x, far);
    await net.fit(x, far, { epochs: 3 });
    net.evaluate(x, far);
    expect(warn).toHaveBeenCalledTimes(1);
    const message = String(warn.mock.calls[0]![0]);
    expect(message).toContain(
      "y[0] = 10 is outside [0, 1], the range of the last layer's 'sigmoid'",
    );
    expect(message).toContain("activation: ['relu', 'linear'], loss: 'mse'");
    // Another network warns again: once per network, not once per process.
    const other = await Network.create({ layers: [1, 1], backend: 'reference' });
    other.loss(x, far);
    expect(warn).toHaveBeenCalledTimes(2);
    net.dispose();
    other.dispose();
  });

  it('covers tanh ([-1, 1]) and validation data, multi-column positions', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const net = await Network.create({ layers: [1, 2], activation: 'tanh', loss: 'mse' });
    const y = [
      [0.5, -0.5],
      [1, -1],
      [0, 0],
    ];
    await net.fit(x, y, { epochs: 1, validationData: { x, y: [...y.slice(0, 2), [0, -1.5]] } });
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]![0])).toContain(
      'validationData.y[2][1] = -1.5 is outside [-1, 1]',
    );
    net.dispose();
  });

  it('stays silent for reachable targets and for unbounded outputs', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const sigmoid = await Network.create({ layers: [1, 1] });
    await sigmoid.fit(x, [[0], [0.5], [1]], { epochs: 2 });
    const linear = await Network.create({
      layers: [1, 4, 1],
      activation: ['relu', 'linear'],
      loss: 'mse',
      optimizer: 'adam',
    });
    await linear.fit(x, far, { epochs: 2 });
    expect(warn).not.toHaveBeenCalled();
    sigmoid.dispose();
    linear.dispose();
  });
});
