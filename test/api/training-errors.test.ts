// Bad input of the training API: each case's error class and message, and the network unchanged.
import { describe, expect, it } from 'vitest';
import { Network, OptionError, ShapeError, TargetError, type NetworkOptions } from 'wasm-mlp';
import { WASM_PATH, XOR_X, XOR_Y } from '../helpers.js';

const create = (o: Record<string, unknown>) =>
  Network.create({ wasm: WASM_PATH, ...o } as unknown as NetworkOptions<'f32'>);

describe('training API: bad options at creation', () => {
  it.each([
    [
      { layers: [2, 3, 2], activation: ['softmax', 'sigmoid'] },
      "activation[0]: 'softmax' is only allowed on the last layer (layer 1), got it on layer 0",
    ],
    [
      { layers: [2, 3, 2], activation: 'softmax' },
      "activation: 'softmax' is only allowed on the last layer (layer 1), got it on layer 0; pass an array, e.g. ['relu', 'softmax']",
    ],
    [
      { layers: [2, 3, 1], activation: 'softmax' },
      "activation: 'softmax' is only allowed on the last layer",
    ],
    [
      { layers: [2, 1], activation: 'softmax' },
      "activation: 'softmax' on an output of width 1 always outputs 1; use 'sigmoid' (layers[1] is 1)",
    ],
    [
      { layers: [2, 3, 1], activation: 'gelu' },
      "activation must be 'sigmoid', 'tanh', 'relu', 'leakyRelu', 'linear' or 'softmax', got 'gelu'",
    ],
    [
      { layers: [2, 3, 1], activation: ['relu'] },
      'activation: expected 2 entries (one per weight layer, layers.length - 1), got 1',
    ],
    [
      { layers: [2, 1], activation: { type: 'leakyRelu', slope: -1 } },
      'activation.slope must be a number >= 0, got -1',
    ],
    [
      { layers: [2, 1], activation: { type: 'relu', slope: 1 } },
      "activation: only 'leakyRelu' takes parameters ({ type: 'leakyRelu', slope }), got type 'relu'",
    ],
    [
      { layers: [2, 1], loss: 'hinge' },
      "loss must be 'half-sse', 'mse', 'binary-cross-entropy', 'categorical-cross-entropy' or 'sparse-categorical-cross-entropy', got 'hinge'",
    ],
    [
      { layers: [2, 3], loss: 'categorical-cross-entropy' },
      "loss 'categorical-cross-entropy' needs activation 'softmax' on the last layer, got 'sigmoid'",
    ],
    [
      { layers: [2, 3], loss: 'binary-cross-entropy', activation: 'relu' },
      "loss 'binary-cross-entropy' needs activation 'sigmoid' on the last layer, got 'relu'",
    ],
    [
      { layers: [2, 1], optimizer: 'adagrad' },
      "optimizer must be 'sgd', 'momentum', 'adam', 'adamw' or 'rmsprop' (or an object { type, … }), got 'adagrad'",
    ],
    [
      { layers: [2, 1], optimizer: { type: 'nadam' } },
      "optimizer.type must be 'sgd', 'momentum', 'adam', 'adamw' or 'rmsprop' (or an object { type, … }), got 'nadam'",
    ],
    [
      { layers: [2, 1], optimizer: { type: 'adam', beta1: 1 } },
      'optimizer.beta1 must be a number in [0, 1), got 1',
    ],
    [
      { layers: [2, 1], optimizer: { type: 'adam', epsilon: 0 } },
      'optimizer.epsilon must be a number > 0, got 0',
    ],
    [
      { layers: [2, 1], optimizer: { type: 'momentum', nesterov: 1 } },
      'optimizer.nesterov must be a boolean, got 1',
    ],
    [
      { layers: [2, 1], optimizer: { type: 'sgd', weightDecay: -0.1 } },
      'optimizer.weightDecay must be a number >= 0, got -0.1',
    ],
    [
      { layers: [2, 1], optimizer: { type: 'sgd', momentum: 0.9 } },
      "optimizer: unknown key 'momentum'; known keys: type, weightDecay",
    ],
    [
      { layers: [2, 1], initializer: 'xavier' },
      "initializer must be 'uniform', 'glorot-uniform', 'glorot-normal', 'he-uniform' or 'he-normal', got 'xavier'",
    ],
  ])('%j', async (options, message) => {
    const p = create(options);
    await expect(p).rejects.toBeInstanceOf(OptionError);
    await expect(create(options)).rejects.toThrow(message);
  });
});

describe.each(['wasm', 'reference'] as const)(
  'training API: bad data and fit options (%s)',
  (backend) => {
    const snapshot = (net: Network) => {
      const p = net.getParameters();
      return { p: [...p.weights, ...p.biases].flatMap((a) => [...a]), s: net.getOptimizerState() };
    };

    it('cross-entropy targets outside [0, 1] or rows not summing to 1', async () => {
      const cce = await create({
        layers: [2, 3],
        activation: 'softmax',
        loss: 'categorical-cross-entropy',
        optimizer: 'adam',
        backend,
      });
      const before = snapshot(cce);
      const x = [
        [0, 1],
        [1, 0],
      ];
      expect(() =>
        cce.trainStep(x, [
          [0, 1, 0],
          [0.5, 0.4, 0],
        ]),
      ).toThrow(TargetError);
      expect(() =>
        cce.trainStep(x, [
          [0, 1, 0],
          [0.5, 0.4, 0],
        ]),
      ).toThrow(
        "y[1] sums to 0.9, but loss 'categorical-cross-entropy' needs each target row to sum to 1 (one-hot or probabilities)",
      );
      expect(() =>
        cce.loss(x, [
          [0, 1.5, -0.5],
          [1, 0, 0],
        ]),
      ).toThrow("y[0][1] = 1.5 is outside [0, 1], which loss 'categorical-cross-entropy' requires");
      await expect(
        cce.fit(x, [
          [2, 0, 0],
          [1, 0, 0],
        ]),
      ).rejects.toThrow('y[0][0] = 2 is outside [0, 1]');
      await expect(
        cce.fit(
          x,
          [
            [1, 0, 0],
            [1, 0, 0],
          ],
          {
            validationData: {
              x,
              y: [
                [1, 0, 0],
                [0, 0, 0],
              ],
            },
          },
        ),
      ).rejects.toThrow(
        "validationData.y[1] sums to 0, but loss 'categorical-cross-entropy' needs each target row to sum to 1",
      );
      expect(snapshot(cce)).toEqual(before);

      const bce = await create({ layers: [2, 1], loss: 'binary-cross-entropy', backend });
      expect(() => bce.trainStep(x, [1, -1])).toThrow(TargetError);
      expect(() => bce.trainStep(x, [1, -1])).toThrow(
        "y[1] = -1 is outside [0, 1], which loss 'binary-cross-entropy' requires",
      );
      cce.dispose();
      bce.dispose();
    });

    it.each([
      [{ batchSize: 0 }, 'batchSize must be an integer >= 1, got 0'],
      [{ batchSize: -3 }, 'batchSize must be an integer >= 1, got -3'],
      [{ batchSize: 1.5 }, 'batchSize must be an integer >= 1, got 1.5'],
      [{ batchSize: 5 }, 'batchSize must be at most the number of training rows (4), got 5'],
      [
        { batchSize: 4, validationSplit: 0.5 },
        'batchSize must be at most the number of training rows (2 after validationSplit 0.5), got 4',
      ],
      [
        { validationSplit: 0 },
        'validationSplit must be a number in (0, 1) (the fraction of rows held out) or { fraction, shuffle?, stratify? }, got 0',
      ],
      [
        { validationSplit: 1 },
        'validationSplit must be a number in (0, 1) (the fraction of rows held out) or { fraction, shuffle?, stratify? }, got 1',
      ],
      [
        { validationSplit: 0.9 },
        'validationSplit 0.9 of 4 rows leaves 0 training and 4 validation rows; each needs at least 1',
      ],
      [
        { validationSplit: 0.2, validationData: [XOR_X, XOR_Y] },
        'pass either validationSplit or validationData, not both',
      ],
      [
        { validationData: [XOR_X] },
        'validationData must be { x, y } or [x, y], got an array of length 1',
      ],
      [{ epochs: 0 }, 'epochs must be an integer >= 1, got 0'],
      [
        { earlyStopping: { monitor: 'valLoss' } },
        "earlyStopping.monitor 'valLoss' needs validationSplit or validationData",
      ],
      [
        { earlyStopping: { patience: -1 } },
        'earlyStopping.patience must be an integer >= 0, got -1',
      ],
      [{ earlyStopping: { wait: 1 } }, "earlyStopping: unknown option 'wait'"],
      [{ onEpochEnd: 'log' }, "onEpochEnd must be a function, got 'log'"],
      [{ epoch: 3 }, "fit: unknown option 'epoch'"],
    ])('fit(%j)', async (options, message) => {
      const net = await create({ layers: [2, 3, 1], backend });
      const before = snapshot(net);
      await expect(net.fit(XOR_X, XOR_Y, options as never)).rejects.toBeInstanceOf(OptionError);
      await expect(net.fit(XOR_X, XOR_Y, options as never)).rejects.toThrow(message);
      expect(snapshot(net)).toEqual(before);
      net.dispose();
    });

    it('mismatched x/y rows', async () => {
      const net = await create({ layers: [2, 3, 1], backend });
      const before = snapshot(net);
      await expect(net.fit(XOR_X, [[0], [1], [1]])).rejects.toBeInstanceOf(ShapeError);
      await expect(net.fit(XOR_X, [[0], [1], [1]])).rejects.toThrow(
        'y: expected 4 rows (the batch of x), got 3',
      );
      expect(() => net.evaluate(XOR_X, [0, 1])).toThrow(
        'y: expected 4 rows (the batch of x), i.e. a length of 4, got 2 (2 rows of 1)',
      );
      await expect(
        net.fit(XOR_X, XOR_Y, { validationData: { x: XOR_X, y: [[1]] } }),
      ).rejects.toThrow('validationData.y: expected 4 rows (the batch of validationData.x), got 1');
      expect(snapshot(net)).toEqual(before);
      net.dispose();
    });

    it('optimizer state of the wrong length or with a bad step', async () => {
      const net = await create({ layers: [2, 3, 1], optimizer: 'momentum', backend });
      const before = snapshot(net);
      expect(() => net.setOptimizerState({ state: new Float32Array(5), step: 0 })).toThrow(
        "state: expected 13 values (1 slot × 13 parameters for optimizer 'momentum'), got 5",
      );
      expect(() => net.setOptimizerState({ state: new Float32Array(13), step: -1 })).toThrow(
        'step must be an integer in [0, 2^53), got -1',
      );
      expect(() => net.setOptimizerState({ state: new Float32Array(13), step: 2 ** 53 })).toThrow(
        'step must be an integer in [0, 2^53), got 9007199254740992',
      );
      expect(() =>
        net.setOptimizerState({ state: new BigInt64Array(13) as never, step: 0 }),
      ).toThrow(
        "state: expected an array of 13 numbers (1 slot × 13 parameters for optimizer 'momentum'), got a BigInt64Array",
      );
      expect(() =>
        net.setOptimizerState({ state: new Float32Array(13).fill(NaN), step: 0 }),
      ).toThrow('state[0] is NaN');
      expect(snapshot(net)).toEqual(before);
      net.dispose();
    });
  },
);
