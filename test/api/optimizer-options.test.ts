// The 'adamw' and 'rmsprop' optimizers and the clipNorm / clipValue options through the public
// API: defaults, what a network reports and saves, and every bad value (OptionError or
// ShapeError, with the network, where there is one, unchanged).
import { describe, expect, it } from 'vitest';
import {
  Network,
  OptionError,
  ShapeError,
  type BackendName,
  type NetworkOptions,
  type OptimizerOption,
} from 'wasm-mlp';
import { fromONNX, toONNX } from 'wasm-mlp/onnx';
import { XOR_X, XOR_Y } from '../helpers.js';

const create = (optimizer: unknown, extra: Partial<NetworkOptions> = {}): Promise<Network> =>
  Network.create({ layers: [2, 3, 1], optimizer: optimizer as OptimizerOption, ...extra });

describe('defaults and what a network reports', () => {
  it('adamw: Adam defaults, weight decay 0.01', async () => {
    const net = await create('adamw');
    expect(net.optimizer).toEqual({
      type: 'adamw',
      beta1: 0.9,
      beta2: 0.999,
      epsilon: 1e-8,
      weightDecay: 0.01,
    });
    expect(net.getOptimizerState().state.length).toBe(2 * net.parameterCount);
    net.dispose();
  });

  it('rmsprop: rho 0.9, epsilon 1e-8, one state slot', async () => {
    const net = await create({ type: 'rmsprop', weightDecay: 0.001 });
    expect(net.optimizer).toEqual({ type: 'rmsprop', rho: 0.9, epsilon: 1e-8, weightDecay: 0.001 });
    expect(net.getOptimizerState().state.length).toBe(net.parameterCount);
    net.dispose();
  });

  it('clipping is kept on the optimizer only when set, shown by summary(), saved', async () => {
    const net = await create({ type: 'adam', clipNorm: 1, clipValue: 0.5 });
    expect(net.optimizer).toMatchObject({ type: 'adam', clipNorm: 1, clipValue: 0.5 });
    expect(net.summary()).toContain('clipNorm 1, clipValue 0.5');
    const back = await Network.fromJSON(JSON.stringify(net.toJSON()));
    expect(back.optimizer).toEqual(net.optimizer);
    const fromSafetensors = await Network.fromSafetensors(net.toSafetensors());
    expect(fromSafetensors.optimizer).toEqual(net.optimizer);
    expect('clipNorm' in (await create('adam')).optimizer).toBe(false);
    for (const n of [net, back, fromSafetensors]) n.dispose();
  });

  it('ONNX export is unaffected (it carries no optimizer)', async () => {
    const net = await create(
      { type: 'adamw', clipNorm: 0.5, clipValue: 0.1 },
      { layers: [2, 4, 1], activation: ['tanh', 'sigmoid'] },
    );
    await net.fit(XOR_X, XOR_Y, { epochs: 3, batchSize: 2 });
    const back = await fromONNX(toONNX(net));
    expect(back.predict(XOR_X)).toEqual(net.predict(XOR_X));
    net.dispose();
    back.dispose();
  });

  it.each(['wasm', 'reference'] as BackendName[])(
    '%s: every new optimizer and clipping learns XOR',
    async (backend) => {
      const options: [OptimizerOption, number][] = [
        ['adamw', 0.05],
        ['rmsprop', 0.05],
        [{ type: 'adam', clipNorm: 0.5 }, 0.05],
        [{ type: 'sgd', clipValue: 0.1 }, 0.5],
      ];
      for (const [optimizer, learningRate] of options) {
        const net = await create(optimizer, {
          layers: [2, 8, 1],
          activation: ['tanh', 'sigmoid'],
          loss: 'binary-cross-entropy',
          learningRate,
          backend,
          seed: 3,
        });
        await net.fit(XOR_X, XOR_Y, { epochs: 600, batchSize: 4 });
        const loss = net.evaluate(XOR_X, XOR_Y).loss;
        expect(loss, JSON.stringify(optimizer)).toBeLessThan(0.1);
        net.dispose();
      }
    },
  );
});

describe('bad options: OptionError, naming the option', () => {
  const cases: [string, unknown, Partial<NetworkOptions>, RegExp][] = [
    [
      'clipNorm 0',
      { type: 'adam', clipNorm: 0 },
      {},
      /^optimizer\.clipNorm must be a finite number > 0 .*got 0$/,
    ],
    ['clipNorm < 0', { type: 'sgd', clipNorm: -1 }, {}, /^optimizer\.clipNorm must be .*got -1$/],
    ['clipNorm NaN', { type: 'sgd', clipNorm: NaN }, {}, /^optimizer\.clipNorm must be .*got NaN$/],
    [
      'clipNorm ∞',
      { type: 'sgd', clipNorm: Infinity },
      {},
      /^optimizer\.clipNorm must be .*got Infinity$/,
    ],
    [
      'clipNorm a string',
      { type: 'sgd', clipNorm: '1' },
      {},
      /^optimizer\.clipNorm must be .*got '1'$/,
    ],
    [
      'clipNorm null',
      { type: 'sgd', clipNorm: null },
      {},
      /^optimizer\.clipNorm must be .*got null$/,
    ],
    [
      'clipValue 0',
      { type: 'rmsprop', clipValue: 0 },
      {},
      /^optimizer\.clipValue must be a finite number > 0/,
    ],
    [
      'clipValue < 0',
      { type: 'adamw', clipValue: -0.5 },
      {},
      /^optimizer\.clipValue must be .*got -0\.5$/,
    ],
    [
      'clipValue ∞',
      { type: 'momentum', clipValue: -Infinity },
      {},
      /^optimizer\.clipValue must be/,
    ],
    [
      'clipNorm with update-first',
      { type: 'adam', clipNorm: 1 },
      { ordering: 'update-first' },
      /^optimizer\.clipNorm needs ordering 'exact'/,
    ],
    [
      'clipNorm overflowing f32',
      { type: 'sgd', clipNorm: 1e39 },
      {},
      /^optimizer\.clipNorm = 1e\+39 overflows f32/,
    ],
    [
      'rmsprop rho 1',
      { type: 'rmsprop', rho: 1 },
      {},
      /^optimizer\.rho must be a number in \[0, 1\), got 1$/,
    ],
    ['rmsprop rho < 0', { type: 'rmsprop', rho: -0.1 }, {}, /^optimizer\.rho must be/],
    [
      'rmsprop epsilon 0',
      { type: 'rmsprop', epsilon: 0 },
      {},
      /^optimizer\.epsilon must be a number > 0/,
    ],
    [
      'rmsprop momentum',
      { type: 'rmsprop', momentum: 0.9 },
      {},
      /^optimizer: unknown key 'momentum'/,
    ],
    [
      'adamw beta2 1',
      { type: 'adamw', beta2: 1 },
      {},
      /^optimizer\.beta2 must be a number in \[0, 1\)/,
    ],
    [
      'adamw weightDecay < 0',
      { type: 'adamw', weightDecay: -0.01 },
      {},
      /^optimizer\.weightDecay must be/,
    ],
    [
      'a misspelled clip key',
      { type: 'sgd', clipnorm: 1 },
      {},
      /^optimizer: unknown key 'clipnorm'/,
    ],
    [
      'an unknown name',
      'adamax',
      {},
      /^optimizer must be 'sgd', 'momentum', 'adam', 'adamw' or 'rmsprop'/,
    ],
  ];
  it.each(cases)('%s', async (_, optimizer, extra, message) => {
    const err = await create(optimizer, extra).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OptionError);
    expect((err as Error).message).toMatch(message);
  });

  it('clipValue with update-first is fine, and so is clipNorm 1e39 in f64', async () => {
    const a = await create({ type: 'adam', clipValue: 1 }, { ordering: 'update-first' });
    const b = await create({ type: 'sgd', clipNorm: 1e39 }, { dtype: 'f64' });
    expect(a.optimizer.clipValue).toBe(1);
    expect(b.optimizer.clipNorm).toBe(1e39);
    a.dispose();
    b.dispose();
  });

  it('a saved model with a bad clipping value does not load', async () => {
    const net = await create({ type: 'sgd', clipNorm: 1 });
    const json = net.toJSON();
    net.dispose();
    const bad = {
      ...json,
      architecture: {
        ...json.architecture,
        optimizer: { type: 'sgd', weightDecay: 0, clipNorm: -1 },
      },
    };
    await expect(Network.fromJSON(JSON.stringify(bad))).rejects.toThrow(
      /optimizer\.clipNorm must be a finite number > 0/,
    );
    const updateFirst = {
      ...json,
      architecture: { ...json.architecture, ordering: 'update-first' },
    };
    await expect(Network.fromJSON(JSON.stringify(updateFirst))).rejects.toThrow(
      /clipNorm needs ordering 'exact'/,
    );
  });
});

describe('bad optimizer state for the new optimizers: ShapeError, state unchanged', () => {
  it.each([
    ['adamw', 1, "AdamW's"],
    ['rmsprop', 0, "RMSprop's"],
  ] as const)('%s: a negative second moment (slot %d)', async (optimizer, slot, whose) => {
    const net = await create(optimizer);
    await net.fit(XOR_X, XOR_Y, { epochs: 2, batchSize: 2 });
    const before = net.getOptimizerState();
    const params = net.getParameters();
    const state = Array.from(before.state);
    const at = slot * net.parameterCount + 2;
    state[at] = -1e-3;
    expect(() => net.setOptimizerState({ state, step: before.step })).toThrow(ShapeError);
    expect(() => net.setOptimizerState({ state, step: before.step })).toThrow(
      new RegExp(`^state\\[${at}\\] = -0\\.001: ${whose} second moment \\(slot ${slot}`),
    );
    expect(net.getOptimizerState()).toEqual(before);
    expect(net.getParameters()).toEqual(params);
    // the wrong number of slots (Adam's two for RMSprop's one, or one for AdamW's two)
    const wrong = new Array<number>((2 - slot) * net.parameterCount).fill(0);
    expect(() => net.setOptimizerState({ state: wrong, step: 1 })).toThrow(ShapeError);
    expect(net.getOptimizerState()).toEqual(before);
    net.dispose();
  });
});
