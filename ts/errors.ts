/**
 * Errors thrown by wasm-mlp.
 *
 * Every error the library throws on purpose is a {@link WasmMlpError}; the subclasses say what
 * kind of problem it is so callers can `instanceof`-check without parsing messages. Messages
 * name the argument, the problem, and the expected vs actual value or shape, e.g.
 * `x: expected a length that is a multiple of 2 (layers[0]), got 5`.
 *
 * When a method throws one of these because of a bad argument, the network is unchanged:
 * all validation happens before anything is written to it.
 * @module
 */

/** Base class of every error thrown by wasm-mlp. */
export class WasmMlpError extends Error {
  /** @param message Human-readable description naming the argument and the problem. */
  constructor(message: string) {
    super(message);
  }
  // Each class names itself explicitly: `new.target.name` would be mangled by minifiers.
  override name = 'WasmMlpError';
}

/** An input, target or parameter has the wrong length, width, row structure or element type. */
export class ShapeError extends WasmMlpError {
  override name = 'ShapeError';
}

/** An input, target or parameter contains NaN or ±Infinity (or a value that overflows f32). */
export class NonFiniteError extends WasmMlpError {
  override name = 'NonFiniteError';
}

/** An option passed to {@link Network.create} (or the `learningRate` setter) is invalid. */
export class OptionError extends WasmMlpError {
  override name = 'OptionError';
}

/**
 * A target value the loss cannot take: outside [0, 1] for a cross-entropy, a row that does
 * not sum to 1 for `'categorical-cross-entropy'`, or a label that is not an integer class id in
 * [0, layers[L]) for `'sparse-categorical-cross-entropy'`.
 */
export class TargetError extends WasmMlpError {
  override name = 'TargetError';
}

/**
 * The training loss became NaN or ±Infinity during {@link Network.fit}. The step that produced
 * it was not applied, so the parameters and optimizer state are those after the last batch
 * with a finite loss. `epoch` and `batch` are 0-based.
 */
export class DivergenceError extends WasmMlpError {
  override name = 'DivergenceError';
  /**
   * @param epoch 0-based epoch; @param batch 0-based batch within it, or -1 for the validation
   * pass after the epoch; @param loss the value
   */
  constructor(
    message: string,
    readonly epoch: number,
    readonly batch: number,
    readonly loss: number,
  ) {
    super(message);
  }
}

/**
 * The call is not allowed in the network's current state: the network was disposed,
 * `backward()` was called without a preceding `forward()`, or a method that changes the
 * parameters was called while `fit()` is running; or a network was constructed with `new`
 * (or read from the un-awaited promise of `Network.create`) instead of
 * `await Network.create(…)`.
 */
export class StateError extends WasmMlpError {
  override name = 'StateError';
}

/**
 * A model file or object (JSON, safetensors, ONNX, training state) is malformed, truncated, of
 * an unsupported version or dtype, or does not match the network it is loaded into.
 */
export class FormatError extends WasmMlpError {
  override name = 'FormatError';
}

/**
 * A checkpoint of `fit` could not be written (e.g. the disk is full): training stopped after
 * the epoch it was for; the previous checkpoint file is unchanged.
 */
export class CheckpointError extends WasmMlpError {
  override name = 'CheckpointError';
}

/**
 * The WebAssembly core could not allocate memory (its linear memory is at its limit: 4 GiB,
 * or less where the engine or page allows less). The operation did nothing: the network is
 * as before, and stays usable with smaller batches or once memory is freed.
 */
export class OutOfMemoryError extends WasmMlpError {
  override name = 'OutOfMemoryError';
}

/** Formats a value for an error message: strings quoted, everything else via `String`. */
export function describe(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'bigint') return `${value}n`;
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name}`;
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'function') return 'a function';
  return String(value);
}

/** How a training worker failed, see {@link WorkerError.event}. */
export type WorkerFailure = 'error' | 'exit' | 'messageerror';

/**
 * A worker failed: a training worker (`wasm-mlp/worker`) before finishing its run, or a
 * thread-pool worker of the core during a computation (see the README, "Threads"). For a
 * training worker: it failed before finishing the run: it exited (Node: `process.exit()`,
 * `worker.terminate()`, or a crash), threw an uncaught exception, could not load its script,
 * or sent a message that could not be deserialized. Errors that the training itself throws
 * (bad options, shapes, targets…) arrive as their own class instead.
 */
export class WorkerError extends WasmMlpError {
  override name = 'WorkerError';
  /**
   * @param event the worker event that ended the run
   * @param exitCode the exit code, for `'exit'` (Node only)
   * @param cause the worker's own error, for `'error'` and `'messageerror'`
   */
  constructor(
    message: string,
    readonly event: WorkerFailure,
    readonly exitCode?: number,
    cause?: unknown,
  ) {
    super(message);
    if (cause !== undefined) this.cause = cause;
  }
}
