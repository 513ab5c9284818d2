// Bad input: each case asserts the error class, the message, and that the network is
// unchanged afterwards (same parameters, and a pending forward() cache still usable).
import { describe, expect, it } from 'vitest';
import {
  Network,
  NonFiniteError,
  OptionError,
  ShapeError,
  StateError,
  WasmMlpError,
  type BackendName,
  type NetworkOptions,
} from 'wasm-mlp';
import { XOR_X, XOR_Y, flatParams } from '../helpers.js';

type ErrorClass = typeof ShapeError;
type Net = Network<'f32'>;

describe('error classes', () => {
  it('all derive from WasmMlpError and Error, with their own name', () => {
    for (const C of [ShapeError, NonFiniteError, OptionError, StateError]) {
      const e = new C('m');
      expect(e).toBeInstanceOf(WasmMlpError);
      expect(e).toBeInstanceOf(Error);
      expect(e.name).toBe(C.name);
      expect(e.message).toBe('m');
    }
  });
});

describe.each(['reference', 'wasm'] as BackendName[])('bad input, backend %s', (backend) => {
  const create = (extra: Partial<NetworkOptions<'f32'>> = {}): Promise<Net> =>
    Network.create({ layers: [2, 3, 1], learningRate: 0.5, backend, ...extra });

  // [description, action, class, message regex]
  const methodCases: [string, (net: Net) => unknown, ErrorClass, RegExp][] = [
    [
      'flat x of wrong length',
      (n) => n.forward([1, 2, 3, 4, 5]),
      ShapeError,
      /^x: expected a length that is a multiple of 2 \(layers\[0\]\), got 5$/,
    ],
    [
      'typed x of wrong length',
      (n) => n.forward(new Float32Array(3)),
      ShapeError,
      /^x: expected a length that is a multiple of 2 \(layers\[0\]\), got 3$/,
    ],
    [
      'rows of the wrong width',
      (n) => n.forward([[1, 2, 3]]),
      ShapeError,
      /^x: expected 2 columns \(layers\[0\]\), got 3$/,
    ],
    [
      'ragged rows',
      (n) => n.forward([[1, 2], [3, 4], [5]]),
      ShapeError,
      /^x\[2\]: expected a row of length 2 \(layers\[0\]\) like the rows before it, got 1 \(ragged rows\)$/,
    ],
    [
      'empty x (batch 0)',
      (n) => n.forward([]),
      ShapeError,
      /^x: expected at least one row \(batch >= 1\), got an empty array$/,
    ],
    [
      'empty typed x (batch 0)',
      (n) => n.forward(new Float64Array(0)),
      ShapeError,
      /^x: expected at least one row/,
    ],
    [
      'x not an array',
      (n) => n.forward('abc' as never),
      ShapeError,
      /^x must be a typed array, a number\[\] or a number\[\]\[\], got 'abc'$/,
    ],
    [
      'non-number element',
      (n) => n.forward([1, '2'] as never),
      ShapeError,
      /^x\[1\] \(row 0, column 1\) must be a number, got '2'$/,
    ],
    [
      'NaN in x rows',
      (n) =>
        n.forward([
          [0, 0],
          [0, 1],
          [1, 0],
          [1, NaN],
        ]),
      NonFiniteError,
      /^x\[3\]\[1\] is NaN$/,
    ],
    [
      'Infinity in flat x',
      (n) => n.forward([0, 0, Infinity, 1]),
      NonFiniteError,
      /^x\[2\] \(row 1, column 0\) is Infinity$/,
    ],
    [
      '-Infinity in x',
      (n) => n.loss([[-Infinity, 0]], [[0]]),
      NonFiniteError,
      /^x\[0\]\[0\] is -Infinity$/,
    ],
    [
      // typed arrays take the fast all-finite check first; the tail (length mod 4) too
      'NaN in the tail of a Float32Array x',
      (n) => n.forward(new Float32Array([0, 0, 1, 1, 0, NaN])),
      NonFiniteError,
      /^x\[5\] \(row 2, column 1\) is NaN$/,
    ],
    [
      '-Infinity in a Float32Array x',
      (n) => n.forward(new Float32Array([0, -Infinity, 1, 1])),
      NonFiniteError,
      /^x\[1\] \(row 0, column 1\) is -Infinity$/,
    ],
    [
      'Infinity in a Float64Array y',
      (n) => n.trainStep(XOR_X, new Float64Array([0, 1, Infinity, 0])),
      NonFiniteError,
      /^y\[2\] is Infinity$/,
    ],
    [
      'f32 overflow in x',
      (n) => n.forward([1e39, 0]),
      NonFiniteError,
      /^x\[0\] \(row 0, column 0\) = 1e\+39 overflows f32/,
    ],
    [
      'y of the wrong width',
      (n) =>
        n.trainStep(XOR_X, [
          [0, 1],
          [1, 0],
          [1, 1],
          [0, 0],
        ]),
      ShapeError,
      /^y: expected 1 column \(layers\[2\]\), got 2$/,
    ],
    [
      'y batch differs from x batch (flat)',
      (n) => n.trainStep(XOR_X, [0, 1, 1]),
      ShapeError,
      /^y: expected 4 rows \(the batch of x\), i\.e\. a length of 4, got 3 \(3 rows of 1\)$/,
    ],
    [
      'y batch differs from x batch (rows)',
      (n) => n.gradients(XOR_X, [[0], [1]]),
      ShapeError,
      /^y: expected 4 rows \(the batch of x\), got 2$/,
    ],
    ['NaN in y', (n) => n.trainStep(XOR_X, [0, 1, NaN, 0]), NonFiniteError, /^y\[2\] is NaN$/],
    [
      'Infinity in y rows',
      (n) => n.loss(XOR_X, [[0], [1], [1], [Infinity]]),
      NonFiniteError,
      /^y\[3\]\[0\] is Infinity$/,
    ],
    ['empty y', (n) => n.loss(XOR_X, []), ShapeError, /^y: expected at least one row/],
    [
      'setParameters: NaN weight',
      (n) =>
        n.setParameters({
          weights: [
            [0, 0, 0, 0, NaN, 0],
            [0, 0, 0],
          ],
          biases: [[0, 0, 0], [0]],
        }),
      NonFiniteError,
      /^weights\[0\]\[4\] is NaN$/,
    ],
    [
      'setParameters: Infinity bias',
      (n) =>
        n.setParameters({
          weights: [
            [0, 0, 0, 0, 0, 0],
            [0, 0, 0],
          ],
          biases: [[0, 0, 0], [-Infinity]],
        }),
      NonFiniteError,
      /^biases\[1\]\[0\] is -Infinity$/,
    ],
    [
      'setParameters: wrong weight length',
      (n) =>
        n.setParameters({
          weights: [
            [0, 0, 0, 0, 0],
            [0, 0, 0],
          ],
          biases: [[0, 0, 0], [0]],
        }),
      ShapeError,
      /^weights\[0\]: expected 6 values \(layers\[0\] × layers\[1\] = 2 × 3\), got 5$/,
    ],
    [
      'setParameters: wrong bias length',
      (n) =>
        n.setParameters({
          weights: [
            [0, 0, 0, 0, 0, 0],
            [0, 0, 0],
          ],
          biases: [
            [0, 0, 0],
            [0, 0],
          ],
        }),
      ShapeError,
      /^biases\[1\]: expected 1 value \(layers\[2\]\), got 2$/,
    ],
    [
      'setParameters: wrong layer count',
      (n) => n.setParameters({ weights: [[0, 0, 0, 0, 0, 0]], biases: [[0, 0, 0], [0]] }),
      ShapeError,
      /^weights: expected 2 arrays \(one per layer, layers\.length - 1\), got 1$/,
    ],
    [
      'setParameters: missing biases',
      (n) =>
        n.setParameters({
          weights: [
            [0, 0, 0, 0, 0, 0],
            [0, 0, 0],
          ],
        } as never),
      ShapeError,
      /^biases: expected an array of 2 arrays \(one per layer\), got undefined$/,
    ],
    [
      'setParameters: a DataView instead of an array',
      (n) =>
        n.setParameters({
          weights: [new DataView(new ArrayBuffer(24)) as never, [0, 0, 0]],
          biases: [[0, 0, 0], [0]],
        }),
      ShapeError,
      /^weights\[0\]: expected an array of 6 numbers \(layers\[0\] × layers\[1\] = 2 × 3\), got a DataView$/,
    ],
    [
      'learningRate setter: negative',
      (n) => {
        n.learningRate = -1;
      },
      OptionError,
      /^learningRate must be a finite number > 0, got -1$/,
    ],
    [
      'learningRate setter: zero',
      (n) => {
        n.learningRate = 0;
      },
      OptionError,
      /^learningRate must be a finite number > 0, got 0$/,
    ],
    [
      'learningRate setter: NaN',
      (n) => {
        n.learningRate = NaN;
      },
      OptionError,
      /^learningRate must be a finite number > 0, got NaN$/,
    ],
    [
      'learningRate setter: Infinity',
      (n) => {
        n.learningRate = Infinity;
      },
      OptionError,
      /^learningRate must be a finite number > 0, got Infinity$/,
    ],
  ];

  it.each(methodCases)('%s', async (_name, action, ErrorType, message) => {
    const net = await create();
    try {
      net.forward(XOR_X); // leaves a cache for backward()
      const before = flatParams(net.getParameters());
      const lr = net.learningRate;
      let thrown: unknown;
      try {
        action(net);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(ErrorType);
      expect(thrown).toBeInstanceOf(WasmMlpError);
      expect((thrown as Error).message).toMatch(message);
      // unchanged: same parameters, same learning rate, and the forward cache still works
      expect(flatParams(net.getParameters())).toEqual(before);
      expect(net.learningRate).toBe(lr);
      net.backward(XOR_Y);
      expect(flatParams(net.getParameters())).not.toEqual(before);
    } finally {
      net.dispose();
    }
  });

  it('backward before any forward', async () => {
    const net = await create();
    const before = flatParams(net.getParameters());
    expect(() => net.backward(XOR_Y)).toThrow(StateError);
    expect(() => net.backward(XOR_Y)).toThrow(/^backward\(\) called before forward\(\)/);
    expect(flatParams(net.getParameters())).toEqual(before);
    net.dispose();
  });

  it.each([
    ['backward()', (n: Net) => n.backward(XOR_Y)],
    ['trainStep()', (n: Net) => n.trainStep(XOR_X, XOR_Y)],
    ['gradients()', (n: Net) => n.gradients(XOR_X, XOR_Y)],
    ['loss()', (n: Net) => n.loss(XOR_X, XOR_Y)],
    ['setParameters()', (n: Net) => n.setParameters(n.getParameters())],
  ])('backward after %s consumed the forward cache', async (what, action) => {
    const net = await create();
    net.forward(XOR_X);
    action(net);
    const before = flatParams(net.getParameters());
    expect(() => net.backward(XOR_Y)).toThrow(StateError);
    expect(() => net.backward(XOR_Y)).toThrow(
      new RegExp(
        `^backward\\(\\) needs a forward\\(\\) first: the last forward's cache was used by ${what.replace(/[()]/g, '\\$&')}$`,
      ),
    );
    expect(flatParams(net.getParameters())).toEqual(before);
    net.dispose();
  });

  it('backward with a y whose batch differs from the last forward', async () => {
    const net = await create();
    net.forward([
      [0, 1],
      [1, 0],
    ]);
    const before = flatParams(net.getParameters());
    expect(() => net.backward(XOR_Y)).toThrow(ShapeError);
    expect(() => net.backward(XOR_Y)).toThrow(
      /^y: expected 2 rows \(the batch of the last forward\(\)\), got 4$/,
    );
    expect(() => net.backward([1, 1, 0])).toThrow(
      /^y: expected 2 rows \(the batch of the last forward\(\)\), i\.e\. a length of 2, got 3/,
    );
    expect(flatParams(net.getParameters())).toEqual(before);
    net.backward([1, 1]); // the cache survived the failed calls
    expect(flatParams(net.getParameters())).not.toEqual(before);
    net.dispose();
  });

  it('every method throws StateError after dispose (dispose itself is idempotent)', async () => {
    const net = await create();
    net.forward(XOR_X);
    net.dispose();
    expect(net.disposed).toBe(true);
    const calls: [string, () => unknown][] = [
      ['forward', () => net.forward(XOR_X)],
      ['backward', () => net.backward(XOR_Y)],
      ['trainStep', () => net.trainStep(XOR_X, XOR_Y)],
      ['gradients', () => net.gradients(XOR_X, XOR_Y)],
      ['loss', () => net.loss(XOR_X, XOR_Y)],
      ['getParameters', () => net.getParameters()],
      ['setParameters', () => net.setParameters({ weights: [], biases: [] })],
      [
        'learningRate =',
        () => {
          net.learningRate = 0.1;
        },
      ],
    ];
    for (const [name, call] of calls) {
      expect(call, name).toThrow(StateError);
      expect(call, name).toThrow(/^Network was disposed$/);
    }
    expect(() => net.dispose()).not.toThrow();
    expect(net.layers).toEqual([2, 3, 1]); // configuration getters still answer
  });

  // Option errors: Network.create rejects.
  const optionCases: [string, unknown, RegExp][] = [
    [
      'learningRate -1',
      { layers: [2, 1], learningRate: -1 },
      /^learningRate must be a finite number > 0, got -1$/,
    ],
    [
      'learningRate 0',
      { layers: [2, 1], learningRate: 0 },
      /^learningRate must be a finite number > 0, got 0$/,
    ],
    [
      'learningRate NaN',
      { layers: [2, 1], learningRate: NaN },
      /^learningRate must be a finite number > 0, got NaN$/,
    ],
    ['learningRate Infinity', { layers: [2, 1], learningRate: Infinity }, /got Infinity$/],
    [
      'learningRate string',
      { layers: [2, 1], learningRate: '0.1' },
      /^learningRate must be a finite number > 0, got '0.1'$/,
    ],
    [
      'ordering foo',
      { layers: [2, 1], ordering: 'foo' },
      /^ordering must be 'exact' or 'update-first', got 'foo'$/,
    ],
    ['dtype f16', { layers: [2, 1], dtype: 'f16' }, /^dtype must be 'f32' or 'f64', got 'f16'$/],
    [
      'backend gpu',
      { layers: [2, 1], backend: 'gpu' },
      /^backend must be 'wasm' or 'reference', got 'gpu'$/,
    ],
    [
      'unknown key learningrate',
      { layers: [2, 1], learningrate: 0.1 },
      /^unknown option 'learningrate' \(did you mean 'learningRate'\?\)/,
    ],
    [
      'unknown key foo',
      { layers: [2, 1], foo: 1 },
      /^unknown option 'foo'; known options: layers, learningRate/,
    ],
    [
      'layers missing',
      {},
      /^layers must be an array of at least 2 positive integers, got undefined$/,
    ],
    [
      'layers not an array',
      { layers: 3 },
      /^layers must be an array of at least 2 positive integers, got 3$/,
    ],
    [
      'layers too short',
      { layers: [3] },
      /^layers must have at least 2 entries \(input and output size\), got 1$/,
    ],
    [
      'layers fractional',
      { layers: [2, 2.5, 1] },
      /^layers\[1\] must be a positive integer, got 2\.5$/,
    ],
    ['layers zero', { layers: [2, 0] }, /^layers\[1\] must be a positive integer, got 0$/],
    ['layers negative', { layers: [-2, 1] }, /^layers\[0\] must be a positive integer, got -2$/],
    ['layers NaN', { layers: [2, NaN] }, /^layers\[1\] must be a positive integer, got NaN$/],
    ['layers string', { layers: ['2', 1] }, /^layers\[0\] must be a positive integer, got '2'$/],
    ['seed fractional', { layers: [2, 1], seed: 1.5 }, /^seed must be a safe integer, got 1\.5$/],
    ['seed string', { layers: [2, 1], seed: 'x' }, /^seed must be a safe integer, got 'x'$/],
    ['options not an object', null, /^options must be an object, got null$/],
    [
      'wasm source of the wrong type',
      { layers: [2, 1], wasm: 42 },
      /^wasm must be a path or URL string/,
    ],
  ];

  it.each(optionCases)('Network.create rejects %s', async (_name, options, message) => {
    const make = () =>
      Network.create((options === null ? null : { backend, ...(options as object) }) as never);
    await expect(make()).rejects.toBeInstanceOf(OptionError);
    await expect(make()).rejects.toThrow(message);
  });
});

describe('error classes', () => {
  it('carry their own name (not derived from the constructor, which minifiers rename)', async () => {
    const lib = await import('wasm-mlp');
    const classes = {
      WasmMlpError: lib.WasmMlpError,
      ShapeError: lib.ShapeError,
      NonFiniteError: lib.NonFiniteError,
      OptionError: lib.OptionError,
      TargetError: lib.TargetError,
      StateError: lib.StateError,
      FormatError: lib.FormatError,
    };
    for (const [name, ErrorClass] of Object.entries(classes)) {
      const error = new ErrorClass('m');
      expect(error.name).toBe(name);
      expect(error).toBeInstanceOf(lib.WasmMlpError);
      expect(String(error)).toBe(`${name}: m`);
    }
    expect(new lib.DivergenceError('m', 1, 2, NaN).name).toBe('DivergenceError');
  });
});

describe('options that only an f64 network can hold, and networks too large for wasm memory', () => {
  it('rejects values that overflow f32 in an f32 network, and accepts them in f64', async () => {
    const base = { layers: [2, 3, 1] } as const;
    const cases: [NetworkOptions<'f32'>, RegExp][] = [
      [{ ...base, learningRate: 1e300 }, /^learningRate = 1e\+300 overflows f32/],
      [
        { ...base, activation: { type: 'leakyRelu', slope: 1e39 } },
        /^activation\[0\]\.slope = 1e\+39 overflows f32/,
      ],
      [
        { ...base, optimizer: { type: 'sgd', weightDecay: 1e300 } },
        /^optimizer\.weightDecay = 1e\+300 overflows f32/,
      ],
      // Underflow: the core would use 0, the reference the tiny value (they disagreed).
      [
        { ...base, activation: { type: 'leakyRelu', slope: 7e-46 } },
        /^activation\[0\]\.slope = 7e-46 underflows to 0 in f32/,
      ],
      [{ ...base, learningRate: 1e-50 }, /^learningRate = 1e-50 underflows to 0 in f32/],
      [
        { ...base, optimizer: { type: 'adam', epsilon: 1e-60 } },
        /^optimizer\.epsilon = 1e-60 underflows to 0 in f32/,
      ],
    ];
    for (const [options, message] of cases) {
      await expect(Network.create(options)).rejects.toThrow(OptionError);
      await expect(Network.create(options)).rejects.toThrow(message);
      const f64 = await Network.create({ ...options, dtype: 'f64' });
      expect(f64.learningRate).toBe(options.learningRate ?? 0.1);
      f64.dispose();
    }
  });

  it('the learningRate setter applies the same rule, and leaves the rate unchanged', async () => {
    const net = await Network.create({ layers: [2, 1], learningRate: 0.5 });
    expect(() => (net.learningRate = 1e39)).toThrow(/^learningRate = 1e\+39 overflows f32/);
    expect(() => (net.learningRate = 1e-46)).toThrow(/^learningRate = 1e-46 underflows to 0/);
    expect(net.learningRate).toBe(0.5);
    net.dispose();
  });

  it('rejects layer sizes whose parameters cannot fit in wasm memory, before allocating', async () => {
    for (const backend of ['wasm', 'reference'] as BackendName[]) {
      await expect(Network.create({ layers: [30000, 30000], backend })).rejects.toThrow(
        /^layers \[30000, 30000\] need 900,030,000 parameters; at most 134,217,728 \(2\^27\) fit/,
      );
    }
  });
});
