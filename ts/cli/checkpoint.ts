/**
 * `train --checkpoint <file> [--checkpoint-every <n>]` and `--resume [file]`: the model and its
 * training state saved every n epochs (atomically, by fit's checkpoint option), and a run that
 * continues from such a file with the epochs that remain, exactly as if never interrupted.
 * @module
 */
import { resolve } from 'node:path';
import type { Dtype, FitOptions, Network } from '../index.js';
import { CliError } from './errors.js';
import { checkReadable } from './preflight.js';
import { checkWritable } from './atomic-write.js';
import { kind } from './model-file.js';

export interface CheckpointFlags {
  checkpoint?: string;
  checkpointEvery?: number;
  /** A file, or `true` for the `--checkpoint` file. */
  resume?: string | boolean;
}

/** The file `--resume` names (its own value, or `--checkpoint`'s), or undefined. */
export function resumeFile(o: CheckpointFlags): string | undefined {
  if (o.resume === undefined || o.resume === false) return undefined;
  if (o.resume !== true) return o.resume;
  if (o.checkpoint === undefined) {
    throw new CliError(
      '--resume without a file needs --checkpoint <file> (the file to resume from)',
    );
  }
  return o.checkpoint;
}

/** Before any work: extensions, the file to resume from, the checkpoint's directory. */
export function preflightCheckpoint(o: CheckpointFlags & { out: string; data: string }): void {
  if (o.checkpointEvery !== undefined && o.checkpoint === undefined) {
    throw new CliError('--checkpoint-every needs --checkpoint <file>');
  }
  const resume = resumeFile(o);
  if (resume !== undefined) {
    kind(resume);
    checkReadable(resume);
  }
  if (o.checkpoint !== undefined) {
    kind(o.checkpoint);
    for (const [flag, file] of [
      ['--out', o.out],
      ['--data', o.data],
    ] as const) {
      if (resolve(o.checkpoint) === resolve(file)) {
        throw new CliError(`--checkpoint '${o.checkpoint}' must not be the ${flag} file`);
      }
    }
    checkWritable(o.checkpoint);
  }
}

/**
 * The network to resume must be the one this run would build (same data and options).
 * @throws CliError (the network is disposed)
 */
export function checkResumed(file: string, net: Network<Dtype>, layers: readonly number[]): void {
  let problem: string | null = null;
  if (net.epochsTrained === 0) {
    problem = `--resume '${file}' holds no training state (write one with --checkpoint)`;
  } else if (net.layers.join() !== layers.join()) {
    problem =
      `--resume '${file}' has layers ${net.layers.join('-')}, but this data and --layers give ` +
      `${layers.join('-')}: resume with the same --data, --target, --features and --layers`;
  }
  if (problem === null) return;
  net.dispose();
  throw new CliError(problem);
}

/** fit's checkpoint option for the flags (none without --checkpoint). */
export function checkpointOption(o: CheckpointFlags): Pick<FitOptions, 'checkpoint'> {
  return o.checkpoint === undefined
    ? {}
    : { checkpoint: { path: o.checkpoint, every: o.checkpointEvery ?? 1 } };
}
