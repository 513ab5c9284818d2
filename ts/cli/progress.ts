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
  if (accuracy && log.accuracy !== undefined) parts.push(`accuracy ${log.accuracy.toFixed(4)}`);
  if (log.valLoss !== undefined) parts.push(`val_loss ${log.valLoss.toFixed(4)}`);
  if (accuracy && log.valAccuracy !== undefined)
    parts.push(`val_accuracy ${log.valAccuracy.toFixed(4)}`);
  return `${parts.join('  ')}  (${seconds.toFixed(1)} s)`;
}

/**
 * @param epochs epochs of the run; @param batches batches per epoch
 * @param accuracy print accuracy (classification)
 * @param stream where the bar is drawn, if it is a terminal (default stderr)
 */
export function createProgress(
  epochs: number,
  batches: number,
  accuracy: boolean,
  out: (line: string) => void,
  stream: NodeJS.WritableStream & { isTTY?: boolean } = process.stderr,
): Progress {
  let started = performance.now();
  if (!stream.isTTY) {
    return {
      batch: () => {},
      epoch: (log) => {
        out(epochLine(log, epochs, (performance.now() - started) / 1000, accuracy));
        started = performance.now();
      },
      stop: () => {},
    };
  }
  // One bar per epoch, cleared at its end and replaced by the epoch's summary line; the ETA is
  // for the whole run (elapsed time per batch so far × batches left).
  const runStart = performance.now();
  let done = 0;
  let bar: cliProgress.SingleBar | null = null;
  const eta = (): string => {
    const left = ((performance.now() - runStart) / done) * (epochs * batches - done);
    const s = Math.round(left / 1000);
    return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
  };
  const close = (): void => {
    bar?.stop();
    bar = null;
  };
  return {
    batch: (log) => {
      done++;
      const payload = { epoch: log.epoch + 1, epochs, loss: log.loss.toFixed(4), etaRun: eta() };
      if (!bar) {
        bar = new cliProgress.SingleBar(
          {
            format:
              'epoch {epoch}/{epochs} [{bar}] batch {value}/{total} | loss {loss} | ETA {etaRun}',
            barsize: 30,
            hideCursor: true,
            clearOnComplete: true,
            stream,
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(batches, 0, payload);
      }
      bar.update(log.batch + 1, payload);
    },
    epoch: (log) => {
      close();
      out(epochLine(log, epochs, (performance.now() - started) / 1000, accuracy));
      started = performance.now();
    },
    stop: close,
  };
}
