/**
 * Errors across the worker boundary. Structured cloning keeps only an error's message (and at
 * best a built-in class), so the worker sends the class as a key from this table, plus the
 * error's own data fields (e.g. `DivergenceError.epoch`), and the caller rebuilds it. The keys
 * are string literals, not `error.name`/`constructor.name`, which minifiers rename.
 * @module
 */
import {
  CheckpointError,
  DivergenceError,
  FormatError,
  OutOfMemoryError,
  NonFiniteError,
  OptionError,
  ShapeError,
  StateError,
  TargetError,
  WasmMlpError,
  WorkerError,
} from '../index.js';

export { WorkerError };
export type { WorkerFailure } from '../errors.js';

/** Subclasses before the base class: the first `instanceof` match wins. */
const CLASSES = {
  ShapeError,
  NonFiniteError,
  OptionError,
  StateError,
  TargetError,
  DivergenceError,
  FormatError,
  OutOfMemoryError,
  CheckpointError,
  WorkerError,
  WasmMlpError,
};

/** A primitive own field of an error, which survives structured cloning as it is. */
type Field = string | number | boolean | null;

/** An error as the worker sends it. */
export interface SentError {
  /** A key of the class table, or `'Error'` for anything that is not a `WasmMlpError`. */
  readonly errorClass: string;
  readonly message: string;
  /** The error's `name` (kept for errors that are not the library's, e.g. `TypeError`). */
  readonly name?: string;
  /** The error's own primitive fields, e.g. `epoch`, `batch` and `loss` of a DivergenceError. */
  readonly fields?: Readonly<Record<string, Field>>;
}

/** Own properties that every error has; not sent as fields. */
const STANDARD = new Set(['name', 'message', 'stack', 'cause']);

/** `error` as a structured-cloneable {@link SentError}. */
export function sendableError(error: unknown): SentError {
  const entry = Object.entries(CLASSES).find(([, Class]) => error instanceof Class);
  if (!(error instanceof Error)) return { errorClass: 'Error', message: String(error) };
  const fields: Record<string, Field> = {};
  for (const [key, value] of Object.entries(error)) {
    const primitive = value === null || ['string', 'number', 'boolean'].includes(typeof value);
    if (!STANDARD.has(key) && primitive) fields[key] = value as Field;
  }
  return { errorClass: entry?.[0] ?? 'Error', message: error.message, name: error.name, fields };
}

/** The error a {@link SentError} describes: the same class, message and fields. */
export function rebuildError(sent: SentError): Error {
  const known = Object.hasOwn(CLASSES, sent.errorClass);
  const Class = known ? CLASSES[sent.errorClass as keyof typeof CLASSES] : Error;
  // Each class takes the message first; the other constructor arguments are own fields,
  // restored from `fields` just below.
  const error = new (Class as new (message: string) => Error)(sent.message);
  Object.assign(error, sent.fields);
  if (!known && typeof sent.name === 'string') error.name = sent.name;
  return error;
}
