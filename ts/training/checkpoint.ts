/**
 * Checkpoints of `fit` (the `checkpoint` fit option): the model with its training state,
 * saved every `every` epochs (and after the last epoch) to a file (Node, written atomically:
 * temporary file, fsync, rename, see `../node/atomic-write.ts`) or handed to a callback
 * (anywhere). A crash therefore loses at most `every` epochs; loading the checkpoint and
 * calling `fit` with the same data and options for the remaining epochs continues exactly.
 * @module
 */
import { CheckpointError, OptionError, WasmMlpError, describe } from '../errors.js';
import { nodeBuiltin } from '../node-builtin.js';
import { atomicWrites, type AtomicWrites } from '../node/atomic-write.js';

/** The file formats of a checkpoint. */
export type CheckpointFormat = 'safetensors' | 'json';

/** What a checkpoint callback receives besides the bytes. */
export interface CheckpointInfo {
  /** The network's `epochsTrained` at this checkpoint (over its whole life). */
  epochsTrained: number;
  /** The format of the bytes. */
  format: CheckpointFormat;
}

/** The `checkpoint` option of `fit`. Give `path` or `save` (or both). */
export interface CheckpointOptions {
  /**
   * Node: the file to write, replaced atomically at each checkpoint. Its directory must exist
   * (checked before training starts). The format follows the extension: `.json` → JSON,
   * anything else → safetensors, unless `format` says otherwise.
   */
  path?: string;
  /**
   * Called with each checkpoint (awaited if it returns a promise), e.g. to store it in
   * IndexedDB; `Network.fromSafetensors(bytes)` (or `fromJSON`) loads it.
   */
  save?: (bytes: Uint8Array, info: CheckpointInfo) => void | Promise<void>;
  /** Save after every `every` epochs (counted over the network's life), an integer ≥ 1. Default 1. */
  every?: number;
  /** Default: from `path`'s extension, else `'safetensors'`. */
  format?: CheckpointFormat;
}

const KEYS = ['path', 'save', 'every', 'format'];

/** A validated checkpoint option. */
export interface CheckpointPlan {
  readonly path: string | null;
  readonly save: CheckpointOptions['save'] | null;
  readonly every: number;
  readonly format: CheckpointFormat;
}

/**
 * Validates the `checkpoint` option (synchronously; the path's directory is checked by
 * {@link Checkpointer.prepare}).
 * @throws OptionError
 */
export function parseCheckpoint(value: unknown): CheckpointPlan | null {
  if (value === undefined) return null;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new OptionError(
      `checkpoint must be an object { path?, save?, every?, format? }, got ${describe(value)}`,
    );
  }
  const o = value as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!KEYS.includes(key)) {
      throw new OptionError(
        `checkpoint: unknown option '${key}'; known options: ${KEYS.join(', ')}`,
      );
    }
  }
  const { path, save } = o;
  if (path !== undefined && (typeof path !== 'string' || path === '')) {
    throw new OptionError(`checkpoint.path must be a non-empty string, got ${describe(path)}`);
  }
  if (save !== undefined && typeof save !== 'function') {
    throw new OptionError(`checkpoint.save must be a function, got ${describe(save)}`);
  }
  if (path === undefined && save === undefined) {
    throw new OptionError('checkpoint needs a path (Node) or a save function');
  }
  const every = o['every'] ?? 1;
  if (typeof every !== 'number' || !Number.isSafeInteger(every) || every < 1) {
    throw new OptionError(`checkpoint.every must be an integer >= 1, got ${describe(every)}`);
  }
  const format =
    o['format'] ??
    (typeof path === 'string' && path.toLowerCase().endsWith('.json') ? 'json' : 'safetensors');
  if (format !== 'safetensors' && format !== 'json') {
    throw new OptionError(
      `checkpoint.format must be 'safetensors' or 'json', got ${describe(format)}`,
    );
  }
  return {
    path: (path as string | undefined) ?? null,
    save: (save as CheckpointOptions['save']) ?? null,
    every,
    format,
  };
}

async function nodeWrites(
  toError: (message: string) => Error,
): Promise<{ writes: AtomicWrites; isDirectory: (path: string) => boolean }> {
  const isNode =
    typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions
      ?.node === 'string';
  if (!isNode) {
    throw new OptionError(
      'checkpoint.path needs Node (node:fs); elsewhere, pass checkpoint.save to store the bytes',
    );
  }
  const [fs, path, crypto] = await Promise.all([
    nodeBuiltin<typeof import('node:fs')>('node:fs'),
    nodeBuiltin<typeof import('node:path')>('node:path'),
    nodeBuiltin<typeof import('node:crypto')>('node:crypto'),
  ]);
  const isDirectory = (p: string) => {
    try {
      return fs.statSync(p).isDirectory();
    } catch {
      return false;
    }
  };
  return { writes: atomicWrites({ fs, path, crypto }, toError), isDirectory };
}

/** Writes the checkpoints of one `fit` call. */
export class Checkpointer {
  #writes: AtomicWrites | null = null;
  constructor(readonly plan: CheckpointPlan) {}

  /**
   * Before training: loads the file functions and checks that the file can be created (its
   * directory exists and is writable), so a bad path fails now, not after the first epochs.
   * @throws OptionError
   */
  async prepare(): Promise<void> {
    const { path } = this.plan;
    if (path === null) return;
    const node = await nodeWrites((message) => new CheckpointError(message));
    if (node.isDirectory(path)) {
      throw new OptionError(`checkpoint.path '${path}' is a directory: name a file in it`);
    }
    this.#writes = node.writes;
    try {
      this.#writes.checkWritable(path);
    } catch (e) {
      throw new OptionError(`checkpoint.path: ${(e as Error).message}`);
    }
  }

  /** Whether to save after the network's epoch count reached `epochsTrained`. */
  due(epochsTrained: number, last: boolean): boolean {
    return last || epochsTrained % this.plan.every === 0;
  }

  /**
   * Writes one checkpoint.
   * @throws CheckpointError when the file cannot be written (the previous checkpoint stays);
   *   whatever `save` throws
   */
  async write(bytes: Uint8Array, epochsTrained: number): Promise<void> {
    const { path, save, format } = this.plan;
    if (path !== null) {
      try {
        this.#writes!.writeFileAtomic(path, bytes);
      } catch (e) {
        if (e instanceof WasmMlpError) throw e;
        throw new CheckpointError(`cannot write checkpoint '${path}': ${(e as Error).message}`);
      }
    }
    if (save) await save(bytes, { epochsTrained, format });
  }
}
