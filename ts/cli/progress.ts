/**
 * Training progress for the CLI: on a terminal a live bar (cli-progress) with epoch, batch,
 * loss and ETA, plus one summary line per epoch above it; otherwise (a pipe, a file, CI) only
 * the summary lines.
 * @module
 */
import cliProgress from 'cli-progress';
import type { BatchLog, EpochLog } from '../index.js';

export interface Progress {
  batch(log: BatchLog): void;
  epoch(log: EpochLog): void;
  stop(): void;
}

/** One line per epoch: `epoch 3/20  loss 0.1234  accuracy 0.9500  val_loss …  (0.4 s)`. */
function epochLine(log: EpochLog, epochs: number, seconds: number, accuracy: boolean): string {
  const parts = [`epoch ${log.epoch + 1}/${epochs}`, `loss ${log.loss.toFixed(4)}`];
  if (accuracy) parts.push(`accuracy ${log.accuracy.toFixed(4)}`);
  if (log.valLoss !== undefined) parts.push(`val_loss ${log.valLoss.toFixed(4)}`);
  if (accuracy && log.valAccuracy !== undefined)
    parts.push(`val_accuracy ${log.valAccuracy.toFixed(4)}`);
  return `${parts.join('  ')}  (${seconds.toFixed(1)} s)`;
}

/**
 * @param epochs epochs of the run; @param batches batches per epoch
 * @param accuracy print accuracy (classification)
 * @param tty draw the bar (default: stderr is a terminal)
 */
export function createProgress(
  epochs: number,
  batches: number,
  accuracy: boolean,
  out: (line: string) => void,
  tty = Boolean(process.stderr.isTTY),
): Progress {
  let started = performance.now();
  if (!tty) {
    return {
      batch: () => {},
      epoch: (log) => {
        out(epochLine(log, epochs, (performance.now() - started) / 1000, accuracy));
        started = performance.now();
      },
      stop: () => {},
    };
  }
  const multi = new cliProgress.MultiBar(
    {
      format:
        'epoch {epoch}/{epochs} [{bar}] batch {batch}/{batches} | loss {loss} | ETA {eta_formatted}',
      barsize: 30,
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: Math.max(10, batches),
    },
    cliProgress.Presets.shades_classic,
  );
  const bar = multi.create(epochs * batches, 0, { epoch: 1, epochs, batch: 0, batches, loss: '-' });
  return {
    batch: (log) => {
      bar.increment(1, {
        epoch: log.epoch + 1,
        batch: log.batch + 1,
        loss: log.loss.toFixed(4),
      });
    },
    epoch: (log) => {
      multi.log(`${epochLine(log, epochs, (performance.now() - started) / 1000, accuracy)}\n`);
      started = performance.now();
    },
    stop: () => multi.stop(),
  };
}
