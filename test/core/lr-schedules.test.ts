// ts/training/schedules.ts: each schedule's rate against hand-computed values (per epoch and
// inside an epoch), the reduce-on-plateau rule traced epoch by epoch, validation messages, and
// the saved-state check. The rates reaching the optimizer are checked in test/api/schedules.
import { describe, expect, it } from 'vitest';
import { FormatError, OptionError } from '../../ts/errors.js';
import {
  checkScheduleState,
  parseSchedule,
  scheduleEpochEnd,
  scheduledRate,
  startSchedule,
  type LearningRateSchedule,
} from '../../ts/training/schedules.js';

const REPORTED = ['loss', 'accuracy', 'valLoss', 'valAccuracy'];

function started(s: unknown, rate = 0.1, epochsTrained = 0) {
  return startSchedule(parseSchedule(s, REPORTED, true), null, epochsTrained, rate);
}

describe('schedule rates', () => {
  it('step: initial · factor^⌊e / every⌋, constant inside an epoch', () => {
    const st = started({ type: 'step', every: 2, factor: 0.5 }, 0.8);
    const rates = [0, 1, 2, 3, 4].map((e) => scheduledRate(st, e, 3, 4));
    expect(rates).toEqual([0.8, 0.8, 0.4, 0.4, 0.2]);
  });

  it('exponential: initial · factor^(e + b/B)', () => {
    const st = started({ type: 'exponential', factor: 0.25, initial: 2 });
    expect(scheduledRate(st, 0, 0, 4)).toBe(2);
    expect(scheduledRate(st, 1, 0, 4)).toBe(0.5);
    expect(scheduledRate(st, 1, 2, 4)).toBeCloseTo(2 * 0.25 ** 1.5, 15); // 0.25
    expect(scheduledRate(st, 2, 0, 4)).toBe(0.125);
  });

  it('cosine with warm-up: linear up to the peak, half a cosine down to the minimum, then flat', () => {
    const st = started({ type: 'cosine', epochs: 5, warmupEpochs: 1, minLearningRate: 0.01 }, 0.1);
    // Warm-up, 4 batches: 0.1 · (b + 1)/4.
    [0.025, 0.05, 0.075, 0.1].forEach((want, b) =>
      expect(scheduledRate(st, 0, b, 4)).toBeCloseTo(want, 15),
    );
    expect(scheduledRate(st, 1, 0, 4)).toBeCloseTo(0.1, 15); // q = 0: the peak
    expect(scheduledRate(st, 3, 0, 4)).toBeCloseTo(0.055, 15); // q = 1/2: (0.1 + 0.01)/2
    expect(scheduledRate(st, 2, 0, 4)).toBeCloseTo(0.01 + (0.09 * (1 + Math.SQRT1_2)) / 2, 15);
    expect(scheduledRate(st, 5, 0, 4)).toBe(0.01);
    expect(scheduledRate(st, 9, 3, 4)).toBe(0.01);
  });

  it('an unknown number of batches (a streaming dataset) moves the rate per epoch', async () => {
    const { FitExtras } = await import('../../ts/training/fit-extras.js');
    const extras = new FitExtras(
      {
        rate: parseSchedule({ type: 'cosine', epochs: 4, warmupEpochs: 2 }, REPORTED, true),
        checkpoint: null,
      },
      {
        epochOffset: 0,
        learningRate: () => 0.1,
        scheduleState: () => null,
        setScheduleState: () => {},
        snapshot: () => new Uint8Array(),
      },
    );
    await extras.start();
    expect([0, 0, 1, 2].map((e, i) => extras.rate(e, i, null))).toEqual([0.05, 0.05, 0.1, 0.1]);
    expect(extras.rate(3, 0, null)).toBeCloseTo(0.05, 15);
  });

  it('counts epochs from where the schedule started', () => {
    const st = started({ type: 'step', every: 1, factor: 0.5 }, 1, 7);
    expect(st.start).toBe(7);
    expect(scheduledRate(st, 7, 0, 1)).toBe(1);
    expect(scheduledRate(st, 9, 0, 1)).toBe(0.25);
  });

  it('an equal schedule continues the saved state; a different one starts afresh', () => {
    const s = parseSchedule({ type: 'step', every: 2 }, REPORTED, true);
    const first = startSchedule(s, null, 3, 0.5);
    const again = parseSchedule({ every: 2, type: 'step' }, REPORTED, true);
    expect(startSchedule(again, first, 10, 0.9)).toBe(first);
    const other = startSchedule(
      parseSchedule({ type: 'step', every: 3 }, REPORTED, true),
      first,
      10,
      0.9,
    );
    expect(other).toMatchObject({ start: 10, initial: 0.9 });
  });
});

describe('reduce on plateau', () => {
  it('follows the Keras/PyTorch rule: patience, factor, minimum, cooldown, minDelta', () => {
    const st = started(
      {
        type: 'plateau',
        monitor: 'valLoss',
        patience: 2,
        factor: 0.5,
        minLearningRate: 0.03,
        cooldown: 1,
        minDelta: 0.01,
      },
      0.2,
    );
    const trace: [number, number, number][] = [];
    // valLoss per epoch: improves, two flat epochs (reduce), cooldown, flat x2 (reduce), …
    for (const v of [1, 0.995, 0.999, 0.99, 0.99, 0.99, 0.99, 0.99, 0.99, 0.5]) {
      scheduleEpochEnd(st, { valLoss: v });
      trace.push([st.plateau!.rate, st.plateau!.wait, st.plateau!.cooldown]);
    }
    expect(trace).toEqual([
      [0.2, 0, 0], // best 1
      [0.2, 1, 0], // 0.995 is not below 1 − 0.01
      [0.1, 0, 1], // second epoch without improvement: 0.2 · 0.5, cooldown 1
      [0.1, 0, 0], // the cooldown epoch does not count (0.99 is not below 0.99 either)
      [0.1, 1, 0],
      [0.05, 0, 1],
      [0.05, 0, 0],
      [0.05, 1, 0],
      [0.03, 0, 1], // max(0.025, 0.03)
      [0.03, 0, 0], // 0.5 improves: best 0.5
    ]);
    expect(st.plateau!.best).toBe(0.5);
    // At the minimum the rate stays, and the cooldown does not restart.
    for (let i = 0; i < 3; i++) scheduleEpochEnd(st, { valLoss: 0.5 });
    expect(st.plateau).toMatchObject({ rate: 0.03, cooldown: 0 });
  });

  it("maximizes accuracy by default ('max' mode) and patience 0 reduces at once", () => {
    const st = started({ type: 'plateau', monitor: 'valAccuracy', patience: 0 }, 1);
    expect(st.schedule).toMatchObject({ mode: 'max', factor: 0.1 });
    scheduleEpochEnd(st, { valAccuracy: 0.5 });
    scheduleEpochEnd(st, { valAccuracy: 0.6 });
    expect(st.plateau!.rate).toBe(1);
    scheduleEpochEnd(st, { valAccuracy: 0.55 });
    expect(st.plateau!.rate).toBe(0.1);
  });
});

describe('schedule validation', () => {
  const bad: [unknown, RegExp][] = [
    [{ type: 'step', every: 0 }, /every must be an integer >= 1, got 0/],
    [{ type: 'step', every: 1.5 }, /every must be an integer/],
    [{ type: 'step', every: 2, factor: 0 }, /factor must be a finite number in \(0, 1\), got 0/],
    [{ type: 'step', every: 2, factor: -0.5 }, /factor/],
    [{ type: 'step', every: 2, initial: -1 }, /initial must be a finite number > 0, got -1/],
    [{ type: 'step', every: 2, initial: Infinity }, /initial .* got Infinity/],
    [{ type: 'exponential' }, /'exponential' needs factor/],
    [{ type: 'exponential', factor: NaN }, /factor .* got NaN/],
    [{ type: 'cosine', epochs: 0 }, /epochs must be a finite number > 0, got 0/],
    [{ type: 'cosine', epochs: 5, warmupEpochs: 5 }, /warmupEpochs must be .* < epochs \(5\)/],
    [{ type: 'cosine', epochs: 5, minLearningRate: -1 }, /minLearningRate .* >= 0/],
    [{ type: 'cosine', epochs: 5, initial: 0.1, minLearningRate: 0.2 }, /< initial \(0.1\)/],
    [{ type: 'plateau', patience: -1 }, /patience must be an integer >= 0/],
    [{ type: 'plateau', factor: 1 }, /factor .* in \(0, 1\), got 1/],
    [{ type: 'plateau', monitor: 'valMse' }, /monitor 'valMse' is not reported/],
    [{ type: 'plateau', mode: 'up' }, /mode must be 'min' or 'max'/],
    [{ type: 'warmup' }, /type must be 'step', 'exponential', 'cosine' or 'plateau'/],
    [{ type: 'step', every: 1, gamma: 0.5 }, /unknown option 'gamma'/],
    ['cosine', /a finite number > 0 or a schedule object/],
  ];
  it.each(bad)('%o is an OptionError', (schedule, message) => {
    expect(() => parseSchedule(schedule, REPORTED, true)).toThrow(OptionError);
    expect(() => parseSchedule(schedule, REPORTED, true)).toThrow(message);
  });

  it('a validation monitor without validation data says what it needs', () => {
    expect(() => parseSchedule({ type: 'plateau' }, ['loss'], false)).not.toThrow();
    expect(() => parseSchedule({ type: 'plateau', monitor: 'valLoss' }, ['loss'], false)).toThrow(
      /needs validationSplit or validationData/,
    );
  });

  it("cosine's minimum must stay below the network's rate when that is the initial one", () => {
    const s: LearningRateSchedule = parseSchedule(
      { type: 'cosine', epochs: 3, minLearningRate: 0.5 },
      REPORTED,
      true,
    );
    expect(() => startSchedule(s, null, 0, 0.1)).toThrow(/below the initial rate \(0.1/);
  });

  it('a saved state is checked field by field', () => {
    const good = started({ type: 'plateau', patience: 1 });
    expect(checkScheduleState(JSON.parse(JSON.stringify(good)), 'f')).toEqual(good);
    const broken = [
      { ...good, start: -1 },
      { ...good, initial: 0 },
      { ...good, plateau: { ...good.plateau, wait: 1.5 } },
      { ...good, plateau: null },
      { ...good, schedule: { type: 'step', every: 0 } },
    ];
    for (const b of broken) expect(() => checkScheduleState(b, 'f')).toThrow(FormatError);
  });
});
