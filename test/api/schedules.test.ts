// Learning-rate schedules in fit (the `learningRate` fit option): the rate each batch gets
// (against fits and trainSteps at hand-computed constant rates), the epoch log, continuation
// across fit calls, bit-identical resume after save/load for every schedule × optimizer ×
// backend, and bad schedules (OptionError, network unchanged).
import { describe, expect, it } from 'vitest';
import {
  Network,
  OptionError,
  type BackendName,
  type Dtype,
  type LearningRateSchedule,
  type NetworkOptions,
  type OptimizerName,
} from 'wasm-mlp';
import { WASM_PATH, randArray, rng } from '../helpers.js';

/** 40 rows, 3 features → 2 outputs (a smooth regression). */
function data(seed = 3, rows = 40) {
  const next = rng(seed);
  const x = Array.from({ length: rows }, () => randArray(next, 3, -1, 1));
  const y = x.map(([a, b, c]) => [Math.tanh(a! - b!), 0.5 * c! * a!]);
  return { x, y };
}

const make = (backend: BackendName, optimizer: OptimizerName, dtype: Dtype = 'f64') =>
  Network.create({
    layers: [3, 6, 2],
    activation: ['tanh', 'linear'],
    loss: 'mse',
    optimizer,
    learningRate: 0.05,
    backend,
    dtype,
    seed: 11,
    wasm: WASM_PATH,
  } as NetworkOptions<Dtype>);

const flat = (net: Network) => {
  const p = net.getParameters();
  return [...p.weights.flatMap((w) => [...w]), ...p.biases.flatMap((b) => [...b])];
};

const SCHEDULES = {
  step: { type: 'step', every: 2, factor: 0.5 },
  exponential: { type: 'exponential', factor: 0.7 },
  cosine: { type: 'cosine', epochs: 5, warmupEpochs: 1.5, minLearningRate: 0.001 },
  plateau: { type: 'plateau', patience: 1, factor: 0.5, minDelta: 1, minLearningRate: 0.01 },
} satisfies Record<string, LearningRateSchedule>;

describe('the rate each batch gets', () => {
  it('one batch per epoch: equal to fits at the hand-computed constant rates', async () => {
    const { x, y } = data();
    const cos = (q: number) => 0.001 + ((0.1 - 0.001) * (1 + Math.cos(Math.PI * q))) / 2;
    const cases: [LearningRateSchedule, number[]][] = [
      [{ type: 'step', every: 2, factor: 0.5, initial: 0.1 }, [0.1, 0.1, 0.05, 0.05, 0.025]],
      [{ type: 'exponential', factor: 0.5, initial: 0.1 }, [0.1, 0.05, 0.025, 0.0125, 0.00625]],
      [
        { type: 'cosine', epochs: 4, warmupEpochs: 1, minLearningRate: 0.001, initial: 0.1 },
        [0.1, cos(0), cos(1 / 3), cos(2 / 3), 0.001],
      ],
    ];
    for (const [schedule, rates] of cases) {
      using a = await make('reference', 'momentum');
      using b = await make('reference', 'momentum');
      const logged: number[] = [];
      await a.fit(x, y, {
        epochs: 5,
        batchSize: x.length,
        learningRate: schedule,
        onEpochEnd: (log) => void logged.push(log.learningRate!),
      });
      for (const rate of rates)
        await b.fit(x, y, { epochs: 1, batchSize: x.length, learningRate: rate });
      expect(logged).toEqual(rates);
      expect(flat(a)).toEqual(flat(b));
      expect(a.learningRate).toBe(0.05); // a schedule does not change the network's rate
    }
  });

  it('inside an epoch: the warm-up rises per batch (equal to trainSteps at those rates)', async () => {
    const { x, y } = data();
    using a = await make('wasm', 'adam', 'f32');
    using b = await make('wasm', 'adam', 'f32');
    const schedule: LearningRateSchedule = {
      type: 'cosine',
      epochs: 4,
      warmupEpochs: 2,
      initial: 0.08,
    };
    await a.fit(x, y, { epochs: 3, batchSize: 20, shuffle: false, learningRate: schedule });
    // u = e + b/2: warm-up 0.08 · (u + 1/2) / 2, then 0.04 · (1 + cos(π (u − 2) / 2)).
    const rates = [0.02, 0.04, 0.06, 0.08, 0.08, 0.04 * (1 + Math.cos(Math.PI / 4))];
    rates.forEach((rate, i) => {
      b.learningRate = rate;
      const rows = (i % 2) * 20;
      b.trainStep(x.slice(rows, rows + 20), y.slice(rows, rows + 20));
    });
    expect(flat(a)).toEqual(flat(b));
  });

  it('a constant learningRate applies to this fit only', async () => {
    const { x, y } = data();
    using a = await make('reference', 'sgd');
    using b = await make('reference', 'sgd');
    await a.fit(x, y, { epochs: 2, learningRate: 0.02 });
    b.learningRate = 0.02;
    await b.fit(x, y, { epochs: 2 });
    expect(flat(a)).toEqual(flat(b));
    expect(a.learningRate).toBe(0.05);
  });

  it('plateau: reduces when the monitored value stalls; the log shows the rate', async () => {
    const { x, y } = data();
    using net = await make('reference', 'adam');
    const history: number[] = [];
    await net.fit(x, y, {
      epochs: 6,
      validationSplit: 0.25,
      learningRate: { type: 'plateau', patience: 2, factor: 0.5, minDelta: 1 },
      onEpochEnd: (log) => void history.push(log.learningRate!),
    });
    // minDelta 1: only the first epoch improves; the rate halves after epoch 2 (0-based, the
    // 2nd epoch without improvement) and 4, each reduction applying from the next epoch.
    expect(history).toEqual([0.05, 0.05, 0.05, 0.025, 0.025, 0.0125]);
  });
});

describe('wasm and reference agree under a schedule', () => {
  it.each(Object.keys(SCHEDULES) as (keyof typeof SCHEDULES)[])(
    '%s: f64 to 1e-12',
    async (name) => {
      const { x, y } = data(4);
      const options = {
        epochs: 5,
        batchSize: 8,
        validationSplit: 0.25,
        learningRate: SCHEDULES[name],
      };
      using w = await make('wasm', 'adam', 'f64');
      using r = await make('reference', 'adam', 'f64');
      const [hw, hr] = [await w.fit(x, y, options), await r.fit(x, y, options)];
      const [pw, pr] = [flat(w), flat(r)];
      const worst = Math.max(
        ...pw.map((v, i) => Math.abs(v - pr[i]!) / Math.max(1, Math.abs(pr[i]!))),
      );
      expect(worst).toBeLessThan(1e-12);
      hw.valLoss.forEach((v, i) => expect(v).toBeCloseTo(hr.valLoss[i]!, 12));
    },
  );
});

describe('continuing and resuming', () => {
  it('a second fit with an equal schedule continues it; a different one starts afresh', async () => {
    const { x, y } = data();
    using whole = await make('reference', 'adam');
    using parts = await make('reference', 'adam');
    await whole.fit(x, y, { epochs: 4, learningRate: SCHEDULES.step });
    await parts.fit(x, y, { epochs: 2, learningRate: { ...SCHEDULES.step } });
    await parts.fit(x, y, { epochs: 2, learningRate: { factor: 0.5, every: 2, type: 'step' } });
    expect(flat(parts)).toEqual(flat(whole));
    const rates: number[] = [];
    await parts.fit(x, y, {
      epochs: 2,
      learningRate: { type: 'step', every: 1 },
      onEpochEnd: (log) => void rates.push(log.learningRate!),
    });
    expect(rates).toEqual([0.05, 0.05 * 0.1]);
  });

  const OPTIMIZERS: OptimizerName[] = ['sgd', 'momentum', 'adam', 'adamw', 'rmsprop'];
  const CASES = (Object.keys(SCHEDULES) as (keyof typeof SCHEDULES)[]).flatMap((s) =>
    OPTIMIZERS.flatMap((o) =>
      (
        [
          ['wasm', 'f32', 'safetensors'],
          ['reference', 'f64', 'json'],
        ] as const
      ).map(([backend, dtype, format]) => [s, o, backend, dtype, format] as const),
    ),
  );
  it.each(CASES)(
    'resume after save/load is bit-identical: %s, %s, %s %s via %s',
    async (name, optimizer, backend, dtype, format) => {
      const { x, y } = data(5);
      const options = {
        batchSize: 8,
        validationSplit: 0.25,
        learningRate: SCHEDULES[name],
      };
      using whole = await make(backend, optimizer, dtype);
      const rates: number[] = [];
      await whole.fit(x, y, {
        ...options,
        epochs: 6,
        onEpochEnd: (l) => void rates.push(l.learningRate!),
      });
      using first = await make(backend, optimizer, dtype);
      await first.fit(x, y, { ...options, epochs: 3 });
      using resumed =
        format === 'json'
          ? await Network.fromJSON(JSON.stringify(first.toJSON({ trainingState: true })), {
              backend,
              wasm: WASM_PATH,
            })
          : await Network.fromSafetensors(first.toSafetensors({ trainingState: true }), {
              backend,
              wasm: WASM_PATH,
            });
      await resumed.fit(x, y, { ...options, epochs: 3 });
      expect(flat(resumed)).toEqual(flat(whole));
      expect(resumed.getOptimizerState().step).toBe(whole.getOptimizerState().step);
      // The schedule did move (so the saved position mattered).
      expect(new Set(rates).size).toBeGreaterThan(1);
    },
  );

  it('without the saved schedule state a plateau resume would differ (the test can tell)', async () => {
    const { x, y } = data(5);
    const options = { batchSize: 8, validationSplit: 0.25, learningRate: SCHEDULES.plateau };
    using whole = await make('reference', 'sgd');
    await whole.fit(x, y, { ...options, epochs: 6 });
    using first = await make('reference', 'sgd');
    await first.fit(x, y, { ...options, epochs: 3 });
    const json = first.toJSON({ trainingState: true });
    // Patience 1: halved after epochs 1 and 2 (0-based).
    expect(json.training?.schedule?.plateau?.rate).toBe(0.0125);
    delete json.training!.schedule;
    using lost = await Network.fromJSON(json, { backend: 'reference' });
    await lost.fit(x, y, { ...options, epochs: 3 });
    expect(flat(lost)).not.toEqual(flat(whole));
  });
});

describe('a schedule as the learningRate of Network.create', () => {
  const create = (learningRate: number | LearningRateSchedule) =>
    Network.create({
      layers: [3, 6, 2],
      activation: ['tanh', 'linear'],
      loss: 'mse',
      optimizer: 'adam',
      learningRate,
      seed: 11,
      wasm: WASM_PATH,
    });

  it('is the default of every fit, saved with the model, and resumes exactly', async () => {
    const { x, y } = data();
    const schedule: LearningRateSchedule = {
      type: 'plateau',
      patience: 1,
      factor: 0.5,
      minDelta: 1,
    };
    using own = await create(schedule);
    expect(own.learningRate).toBe(0.1); // the default initial rate
    expect(own.learningRateSchedule).toEqual({
      type: 'plateau',
      patience: 1,
      factor: 0.5,
      minDelta: 1,
      minLearningRate: 0,
      cooldown: 0,
      initial: 0.1,
    });
    using given = await create(0.1);
    const fitOptions = { epochs: 3, batchSize: 8, validationSplit: 0.25 };
    await own.fit(x, y, fitOptions);
    await given.fit(x, y, { ...fitOptions, learningRate: schedule });
    expect(flat(own)).toEqual(flat(given));
    // Saved with the architecture (JSON and safetensors); the loaded network continues it.
    const json = own.toJSON({ trainingState: true });
    expect(json.architecture.learningRateSchedule).toEqual(own.learningRateSchedule);
    using a = await Network.fromJSON(JSON.stringify(json), { wasm: WASM_PATH });
    using b = await Network.fromSafetensors(own.toSafetensors({ trainingState: true }), {
      wasm: WASM_PATH,
    });
    expect(b.learningRateSchedule).toEqual(own.learningRateSchedule);
    await Promise.all([a, b, own].map((n) => n.fit(x, y, fitOptions)));
    expect(flat(a)).toEqual(flat(own));
    expect(flat(b)).toEqual(flat(own));
    // A fit's own learningRate overrides it.
    const rates: number[] = [];
    await own.fit(x, y, {
      epochs: 1,
      learningRate: 0.003,
      onEpochEnd: (l) => void rates.push(l.learningRate!),
    });
    expect(rates).toEqual([0.003]);
  });

  it('is validated by create (the plateau monitor by each fit)', async () => {
    await expect(create({ type: 'cosine', epochs: -1 })).rejects.toThrow(OptionError);
    await expect(create({ type: 'step', every: 2, initial: NaN })).rejects.toThrow(
      "learningRate schedule 'step': initial must be a finite number > 0, got NaN",
    );
    using net = await create({ type: 'plateau', monitor: 'valAccuracy' });
    const { x, y } = data();
    await expect(net.fit(x, y, { validationSplit: 0.25 })).rejects.toThrow(
      "monitor 'valAccuracy' is not reported by this fit",
    );
    expect(net.epochsTrained).toBe(0);
  });
});

describe('bad schedules', () => {
  const BAD: unknown[] = [
    { type: 'step', every: 0 },
    { type: 'step', every: 2, factor: 2 },
    { type: 'exponential', factor: -0.1 },
    { type: 'exponential', factor: 0.9, initial: 0 },
    { type: 'cosine', epochs: Infinity },
    { type: 'cosine', epochs: 3, warmupEpochs: -1 },
    { type: 'cosine', epochs: 3, minLearningRate: 0.5 }, // above the network's 0.05
    { type: 'plateau', factor: 0 },
    { type: 'plateau', patience: 1.5 },
    { type: 'plateau', minLearningRate: NaN },
    { type: 'plateau', monitor: 'valLoss' }, // no validation data
    { type: 'linear' },
    0,
    -0.1,
    NaN,
  ];
  it.each(BAD)('%o: OptionError, network unchanged', async (schedule) => {
    const { x, y } = data();
    using net = await make('wasm', 'adam', 'f32');
    await net.fit(x, y, { epochs: 1 });
    const before = {
      params: flat(net),
      state: net.getOptimizerState(),
      json: net.toJSON({ trainingState: true }),
    };
    await expect(
      net.fit(x, y, { epochs: 2, learningRate: schedule as LearningRateSchedule }),
    ).rejects.toThrow(OptionError);
    expect(flat(net)).toEqual(before.params);
    expect(net.getOptimizerState()).toEqual(before.state);
    expect(net.epochsTrained).toBe(1);
    expect(net.toJSON({ trainingState: true })).toEqual(before.json);
  });
});
