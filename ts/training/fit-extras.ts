/**
 * What `fit` adds around its loop for the `learningRate` and `checkpoint` options: the rate of
 * each batch (a constant, a schedule, or the network's `learningRate`), the schedule's epoch
 * step, and the checkpoints. Kept here so `fit.ts` only calls four hooks.
 * @module
 */
import { checkLearningRate } from '../options.js';
import {
  Checkpointer,
  parseCheckpoint,
  type CheckpointFormat,
  type CheckpointPlan,
} from './checkpoint.js';
import {
  parseSchedule,
  scheduleEpochEnd,
  scheduledRate,
  startSchedule,
  type LearningRateSchedule,
  type ScheduleState,
} from './schedules.js';

/** The validated `learningRate` and `checkpoint` options. */
export interface ExtrasPlan {
  /** A constant rate for this `fit`, a schedule, or null (the network's `learningRate`). */
  readonly rate: number | LearningRateSchedule | null;
  readonly checkpoint: CheckpointPlan | null;
}

/** What the hooks need from the network. */
export interface ExtrasContext {
  /** Epochs completed before this `fit` call. */
  readonly epochOffset: number;
  /** The network's `learningRate`, read every batch (`onEpochEnd` may change it). */
  learningRate(): number;
  /** The network's schedule state (saved with the training state). */
  scheduleState(): ScheduleState | null;
  setScheduleState(state: ScheduleState): void;
  /** The model with its training state, in `format`. */
  snapshot(format: CheckpointFormat): Uint8Array;
}

/**
 * Validates the options (before any training).
 * @param reported the epoch-log values this fit reports (`loss`, `valLoss`, metrics…)
 * @throws OptionError
 */
export function planExtras(
  options: { learningRate?: unknown; checkpoint?: unknown },
  reported: readonly string[],
  hasValidation: boolean,
): ExtrasPlan {
  const lr = options.learningRate;
  return {
    rate:
      lr === undefined
        ? null
        : typeof lr === 'number'
          ? checkLearningRate(lr)
          : parseSchedule(lr, reported, hasValidation),
    checkpoint: parseCheckpoint(options.checkpoint),
  };
}

/** The hooks of one `fit` call. */
export class FitExtras {
  readonly #plan: ExtrasPlan;
  readonly #ctx: ExtrasContext;
  #schedule: ScheduleState | null = null;
  readonly #checkpointer: Checkpointer | null;
  /** The rate of the last batch (reported in the epoch log). */
  lastRate = NaN;

  constructor(plan: ExtrasPlan, ctx: ExtrasContext) {
    this.#plan = plan;
    this.#ctx = ctx;
    this.#checkpointer = plan.checkpoint ? new Checkpointer(plan.checkpoint) : null;
  }

  /**
   * Before the first batch: checks the checkpoint path, then starts (or continues) the
   * schedule. Throws before changing anything.
   */
  async start(): Promise<void> {
    await this.#checkpointer?.prepare();
    const { rate } = this.#plan;
    if (rate !== null && typeof rate === 'object') {
      const state = startSchedule(
        rate,
        this.#ctx.scheduleState(),
        this.#ctx.epochOffset,
        this.#ctx.learningRate(),
      );
      this.#ctx.setScheduleState(state);
      this.#schedule = state;
    }
  }

  /**
   * The rate of batch `batch` of `batches` in epoch `epoch` of this call. `batches` null: not
   * known in advance (a streaming dataset): the schedule then moves per epoch only, as if each
   * epoch were one batch.
   */
  rate(epoch: number, batch: number, batches: number | null): number {
    const { rate } = this.#plan;
    this.lastRate =
      this.#schedule !== null
        ? batches === null
          ? scheduledRate(this.#schedule, this.#ctx.epochOffset + epoch, 0, 1)
          : scheduledRate(this.#schedule, this.#ctx.epochOffset + epoch, batch, batches)
        : typeof rate === 'number'
          ? rate
          : this.#ctx.learningRate();
    return this.lastRate;
  }

  /** After an epoch completed (before `onEpochEnd`): the plateau's step on its log. */
  epochEnd(log: object): void {
    if (this.#schedule) scheduleEpochEnd(this.#schedule, log as Record<string, unknown>);
  }

  /**
   * After an epoch and its callbacks: a checkpoint when one is due (every `every` epochs of
   * the network's life, and after the last epoch of this call).
   */
  async afterEpoch(epochsTrained: number, last: boolean): Promise<void> {
    const cp = this.#checkpointer;
    if (!cp || !cp.due(epochsTrained, last)) return;
    await cp.write(this.#ctx.snapshot(cp.plan.format), epochsTrained);
  }
}
