/**
 * Learning-rate schedules of `fit` (the `learningRate` fit option): step, exponential, cosine
 * with warm-up, and reduce-on-plateau.
 *
 * Clock: a schedule's position is `u = e + b / B` epochs, where `e` counts the epochs completed
 * since the schedule started (over the network's life, so a second `fit` call with an equal
 * schedule, or a resume after loading a saved training state, continues it), `b` the batch
 * within the epoch and `B` the batches per epoch. The rate of each batch is a pure function of
 * `u` (and, for reduce-on-plateau, of its saved state), so resuming between epochs gives the
 * same rates bit for bit. When `B` is not known in advance (a streaming dataset) the rate moves
 * per epoch only (`b = 0`, `B = 1`).
 *
 * The running state ({@link ScheduleState}: the schedule as given, its initial rate, the epoch
 * it started at and the plateau counters) lives on the network and is saved with the training
 * state (`trainingState: true`) in every format.
 * @module
 */
import { FormatError, OptionError, describe } from '../errors.js';

/** `lr = initial · factor^⌊e / every⌋`: the rate drops by `factor` every `every` epochs. */
export interface StepSchedule {
  type: 'step';
  /** Epochs between two drops, an integer ≥ 1. */
  every: number;
  /** Multiplier at each drop, in (0, 1). Default 0.1. */
  factor?: number;
  /** Rate at the start. Default: the network's `learningRate` when the schedule starts. */
  initial?: number;
}

/** `lr = initial · factor^u`: smooth decay by `factor` per epoch (`u` counts batches too). */
export interface ExponentialSchedule {
  type: 'exponential';
  /** Decay per epoch, in (0, 1). */
  factor: number;
  /** Rate at the start. Default: the network's `learningRate` when the schedule starts. */
  initial?: number;
}

/**
 * Linear warm-up, then cosine decay: during the first `warmupEpochs`,
 * `lr = initial · (u + 1/B) / warmupEpochs` (the first batch is not wasted at rate 0); then
 * `lr = min + (initial − min) · (1 + cos(π·q)) / 2` with `q = (u − warmupEpochs) /
 * (epochs − warmupEpochs)`, and `min` from `epochs` on.
 */
export interface CosineSchedule {
  type: 'cosine';
  /** Length of warm-up plus decay, in epochs, > 0. */
  epochs: number;
  /** Warm-up length in epochs, ≥ 0 and < `epochs`. Default 0. */
  warmupEpochs?: number;
  /** The rate the decay ends at, ≥ 0 and < the initial rate. Default 0. */
  minLearningRate?: number;
  /** Peak rate (after the warm-up). Default: the network's `learningRate` when it starts. */
  initial?: number;
}

/**
 * Reduce on plateau (as Keras's `ReduceLROnPlateau` and PyTorch's): after each epoch, if
 * `monitor` has not improved by more than `minDelta` for `patience` epochs (not counting the
 * `cooldown` epochs after a reduction), `lr = max(lr · factor, minLearningRate)`.
 */
export interface PlateauSchedule {
  type: 'plateau';
  /**
   * An epoch-log value: `'valLoss'` (the default with validation data), `'loss'` (the default
   * without), or a reported metric such as `'valAccuracy'` or `'mae'`.
   */
  monitor?: string;
  /** `'min'` or `'max'`. Default `'max'` for accuracy and r2, `'min'` otherwise. */
  mode?: 'min' | 'max';
  /**
   * Reduce at the `patience`-th consecutive epoch without improvement, an integer ≥ 0 (0 and 1
   * both reduce at the first one, as in Keras). Default 5.
   */
  patience?: number;
  /** Multiplier at each reduction, in (0, 1). Default 0.1. */
  factor?: number;
  /** The floor of the rate, ≥ 0. Default 0. */
  minLearningRate?: number;
  /** An epoch improves only if it beats the best by more than this, ≥ 0. Default 0. */
  minDelta?: number;
  /** Epochs after a reduction during which no reduction happens, an integer ≥ 0. Default 0. */
  cooldown?: number;
  /** Rate at the start. Default: the network's `learningRate` when the schedule starts. */
  initial?: number;
}

/** A learning-rate schedule, the `learningRate` option of `fit`. */
export type LearningRateSchedule =
  StepSchedule | ExponentialSchedule | CosineSchedule | PlateauSchedule;

/** The plateau counters (JSON-friendly: `best` is null before the first epoch). */
export interface PlateauState {
  /** The current rate. */
  rate: number;
  best: number | null;
  /** Epochs since the last improvement. */
  wait: number;
  /** Cooldown epochs left. */
  cooldown: number;
}

/** Where a schedule stands; saved with the training state. */
export interface ScheduleState {
  /** The schedule as given, defaults filled in except `initial` when it was not given. */
  schedule: LearningRateSchedule;
  /** The initial rate in use (`schedule.initial`, or the network's rate when it started). */
  initial: number;
  /** The network's `epochsTrained` when the schedule started. */
  start: number;
  /** Reduce-on-plateau only. */
  plateau: PlateauState | null;
}

const KEYS: Record<LearningRateSchedule['type'], readonly string[]> = {
  step: ['type', 'every', 'factor', 'initial'],
  exponential: ['type', 'factor', 'initial'],
  cosine: ['type', 'epochs', 'warmupEpochs', 'minLearningRate', 'initial'],
  plateau: [
    'type',
    'monitor',
    'mode',
    'patience',
    'factor',
    'minLearningRate',
    'minDelta',
    'cooldown',
    'initial',
  ],
};

/** Monitored values that are better when larger. */
const MAXIMIZED = /^(val)?(accuracy|r2|Accuracy|R2)$/;

type Check = (value: number) => boolean;
const positive: Check = (v) => v > 0;
const nonNegative: Check = (v) => v >= 0;
const fraction: Check = (v) => v > 0 && v < 1;

/** A number option of a schedule (`undefined` gives `fallback`). */
function num(
  s: Record<string, unknown>,
  key: string,
  fallback: number | undefined,
  ok: Check,
  rule: string,
  integer = false,
): number | undefined {
  const value = s[key] ?? fallback;
  if (value === undefined) return undefined;
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    !ok(value) ||
    (integer && !Number.isSafeInteger(value))
  ) {
    throw new OptionError(
      `learningRate schedule '${String(s['type'])}': ${key} must be ${integer ? 'an integer' : 'a finite number'} ${rule}, got ${describe(value)}`,
    );
  }
  return value;
}

/**
 * Validates a schedule and fills in its defaults (not `initial`).
 * @param reported the epoch-log values `fit` will report (`loss`, `valLoss`, metrics…), for
 *   the plateau's `monitor`; `hasValidation` picks its default. Null (`Network.create`, before
 *   any fit): the monitor is checked, and its default chosen, by each `fit`.
 * @throws OptionError naming the bad field
 */
export function parseSchedule(
  value: unknown,
  reported: readonly string[] | null,
  hasValidation: boolean,
): LearningRateSchedule {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new OptionError(
      `learningRate must be a finite number > 0 or a schedule object { type: 'step' | 'exponential' | 'cosine' | 'plateau', … }, got ${describe(value)}`,
    );
  }
  const s = value as Record<string, unknown>;
  const type = s['type'];
  if (typeof type !== 'string' || !Object.hasOwn(KEYS, type)) {
    throw new OptionError(
      `learningRate schedule type must be 'step', 'exponential', 'cosine' or 'plateau', got ${describe(type)}`,
    );
  }
  const t = type as LearningRateSchedule['type'];
  for (const key of Object.keys(s)) {
    if (!KEYS[t].includes(key)) {
      throw new OptionError(
        `learningRate schedule '${t}': unknown option '${key}'; known options: ${KEYS[t].join(', ')}`,
      );
    }
  }
  const initial = num(s, 'initial', undefined, positive, '> 0');
  const withInitial = <T extends object>(o: T): T =>
    initial === undefined ? o : { ...o, initial };
  switch (t) {
    case 'step':
      return withInitial({
        type: t,
        every: num(s, 'every', undefined, (v) => v >= 1, '>= 1', true) ?? missing(t, 'every'),
        factor: num(s, 'factor', 0.1, fraction, 'in (0, 1)')!,
      });
    case 'exponential':
      return withInitial({
        type: t,
        factor: num(s, 'factor', undefined, fraction, 'in (0, 1)') ?? missing(t, 'factor'),
      });
    case 'cosine': {
      const epochs = num(s, 'epochs', undefined, positive, '> 0') ?? missing(t, 'epochs');
      const warmupEpochs = num(
        s,
        'warmupEpochs',
        0,
        (v) => v >= 0 && v < epochs,
        `>= 0 and < epochs (${epochs})`,
      )!;
      const minLearningRate = num(
        s,
        'minLearningRate',
        0,
        (v) => v >= 0 && (initial === undefined || v < initial),
        initial === undefined ? '>= 0' : `>= 0 and < initial (${initial})`,
      )!;
      return withInitial({ type: t, epochs, warmupEpochs, minLearningRate });
    }
    case 'plateau': {
      const monitor =
        s['monitor'] ?? (reported === null ? undefined : hasValidation ? 'valLoss' : 'loss');
      if (monitor === undefined) {
        // Network.create: the monitor (and the mode it implies) are chosen by each fit.
        if (s['mode'] !== undefined && s['mode'] !== 'min' && s['mode'] !== 'max') {
          throw new OptionError(
            `learningRate schedule 'plateau': mode must be 'min' or 'max', got ${describe(s['mode'])}`,
          );
        }
      } else if (
        typeof monitor !== 'string' ||
        (reported !== null && !reported.includes(monitor))
      ) {
        const needsVal = typeof monitor === 'string' && monitor.startsWith('val') && !hasValidation;
        throw new OptionError(
          `learningRate schedule 'plateau': monitor ${describe(monitor)} is not reported by this fit` +
            (needsVal
              ? ' (it needs validationSplit or validationData)'
              : `; reported: ${reported?.join(', ')}`),
        );
      }
      const mode =
        s['mode'] ?? (monitor === undefined ? undefined : MAXIMIZED.test(monitor) ? 'max' : 'min');
      if (mode !== undefined && mode !== 'min' && mode !== 'max') {
        throw new OptionError(
          `learningRate schedule 'plateau': mode must be 'min' or 'max', got ${describe(mode)}`,
        );
      }
      return withInitial({
        type: t,
        ...(monitor === undefined ? {} : { monitor: monitor as string }),
        ...(mode === undefined ? {} : { mode: mode as 'min' | 'max' }),
        patience: num(s, 'patience', 5, nonNegative, '>= 0', true)!,
        factor: num(s, 'factor', 0.1, fraction, 'in (0, 1)')!,
        minLearningRate: num(s, 'minLearningRate', 0, nonNegative, '>= 0')!,
        minDelta: num(s, 'minDelta', 0, nonNegative, '>= 0')!,
        cooldown: num(s, 'cooldown', 0, nonNegative, '>= 0', true)!,
      });
    }
  }
}

function missing(type: string, key: string): never {
  throw new OptionError(`learningRate schedule '${type}' needs ${key}`);
}

/** Canonical text of a schedule (its keys sorted): two schedules are the same if equal. */
function keyOf(schedule: LearningRateSchedule): string {
  const o = schedule as unknown as Record<string, unknown>;
  return JSON.stringify(
    Object.fromEntries(
      Object.keys(o)
        .sort()
        .map((k) => [k, o[k]]),
    ),
  );
}

/**
 * The state a `fit` with `schedule` runs from: `saved` when it is the same schedule (a second
 * `fit` call, or a resume), else a fresh start at `epochsTrained` from `currentRate`.
 */
export function startSchedule(
  schedule: LearningRateSchedule,
  saved: ScheduleState | null,
  epochsTrained: number,
  currentRate: number,
): ScheduleState {
  if (saved && keyOf(saved.schedule) === keyOf(schedule)) return saved;
  const initial = schedule.initial ?? currentRate;
  if (
    schedule.type === 'cosine' &&
    schedule.minLearningRate !== undefined &&
    !(schedule.minLearningRate < initial)
  ) {
    throw new OptionError(
      `learningRate schedule 'cosine': minLearningRate (${schedule.minLearningRate}) must be ` +
        `below the initial rate (${initial}, the network's learningRate)`,
    );
  }
  return {
    schedule,
    initial,
    start: epochsTrained,
    plateau:
      schedule.type === 'plateau' ? { rate: initial, best: null, wait: 0, cooldown: 0 } : null,
  };
}

/**
 * The rate of batch `batch` (of `batches`) in the network's epoch `epoch` (its
 * `epochsTrained` at the start of that epoch).
 */
export function scheduledRate(
  state: ScheduleState,
  epoch: number,
  batch: number,
  batches: number,
): number {
  const s = state.schedule;
  const e = epoch - state.start;
  const u = e + batch / batches;
  const lr0 = state.initial;
  switch (s.type) {
    case 'step':
      return lr0 * s.factor! ** Math.floor(e / s.every);
    case 'exponential':
      return lr0 * s.factor ** u;
    case 'cosine': {
      const warm = s.warmupEpochs ?? 0;
      const min = s.minLearningRate ?? 0;
      if (u < warm) return (lr0 * (u + 1 / batches)) / warm;
      const q = Math.min(1, (u - warm) / (s.epochs - warm));
      return min + ((lr0 - min) * (1 + Math.cos(Math.PI * q))) / 2;
    }
    case 'plateau':
      return state.plateau!.rate;
  }
}

/**
 * Reduce-on-plateau's step after an epoch with its logged values (PyTorch's order: an
 * improvement records the best, otherwise the wait grows; a cooldown epoch then resets the
 * wait, so it never counts; at `patience` the rate drops and the cooldown starts). Other
 * schedules: nothing to do.
 */
export function scheduleEpochEnd(
  state: ScheduleState,
  log: Readonly<Record<string, unknown>>,
): void {
  const s = state.schedule;
  const p = state.plateau;
  if (s.type !== 'plateau' || !p) return;
  const value = log[s.monitor!] as number;
  const improved =
    p.best === null ||
    (s.mode === 'max' ? value > p.best + s.minDelta! : value < p.best - s.minDelta!);
  if (improved) {
    p.best = value;
    p.wait = 0;
  } else {
    p.wait++;
  }
  if (p.cooldown > 0) {
    p.cooldown--;
    p.wait = 0;
  }
  if (p.wait >= Math.max(1, s.patience!)) {
    const next = Math.max(p.rate * s.factor!, s.minLearningRate!);
    if (next < p.rate) {
      p.rate = next;
      p.cooldown = s.cooldown!;
    }
    p.wait = 0;
  }
}

/** A deep copy (the network keeps its own; a saved record must not change later). */
export function copyScheduleState(state: ScheduleState): ScheduleState {
  return {
    schedule: { ...state.schedule },
    initial: state.initial,
    start: state.start,
    plateau: state.plateau ? { ...state.plateau } : null,
  };
}

/**
 * Validates a schedule state read from a file.
 * @throws FormatError naming `where`
 */
export function checkScheduleState(value: unknown, where: string): ScheduleState {
  const bad = (what: string): never => {
    throw new FormatError(`${where}: ${what}`);
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return bad(`must be an object, got ${describe(value)}`);
  }
  const v = value as Record<string, unknown>;
  let schedule: LearningRateSchedule;
  try {
    const sched = v['schedule'] as Record<string, unknown> | undefined;
    const monitor = sched?.['monitor'];
    // The monitor was checked against the fit that saved it; any name is kept here.
    schedule = parseSchedule(sched, typeof monitor === 'string' ? [monitor] : [], true);
  } catch (e) {
    return bad(`schedule: ${(e as Error).message}`);
  }
  const finitePositive = (x: unknown) => typeof x === 'number' && Number.isFinite(x) && x > 0;
  const count = (x: unknown) => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
  if (!finitePositive(v['initial']))
    bad(`initial must be a finite number > 0, got ${describe(v['initial'])}`);
  if (!count(v['start'])) bad(`start must be an integer >= 0, got ${describe(v['start'])}`);
  let plateau: PlateauState | null = null;
  if (schedule.type === 'plateau') {
    const p = v['plateau'] as Record<string, unknown> | null | undefined;
    if (typeof p !== 'object' || p === null) return bad('plateau must be an object');
    const best = p['best'];
    if (!(typeof p['rate'] === 'number' && Number.isFinite(p['rate']) && p['rate'] >= 0)) {
      bad(`plateau.rate must be a finite number >= 0, got ${describe(p['rate'])}`);
    }
    if (!(best === null || (typeof best === 'number' && Number.isFinite(best)))) {
      bad(`plateau.best must be a finite number or null, got ${describe(best)}`);
    }
    for (const k of ['wait', 'cooldown']) {
      if (!count(p[k])) bad(`plateau.${k} must be an integer >= 0, got ${describe(p[k])}`);
    }
    plateau = {
      rate: p['rate'] as number,
      best: best as number | null,
      wait: p['wait'] as number,
      cooldown: p['cooldown'] as number,
    };
  }
  return { schedule, initial: v['initial'] as number, start: v['start'] as number, plateau };
}
