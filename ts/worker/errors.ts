/**
 * Errors across the worker boundary. Errors are structured-cloned as plain `Error`s, so the
 * worker sends the class as a key from this table and the caller rebuilds it. The keys are
 * string literals, not `error.name`/`constructor.name`, which minifiers rename.
 * @module
 */
import { NonFiniteError, OptionError, ShapeError, StateError, WasmMlpError } from '../index.js';

/** Subclasses before the base class: the first `instanceof` match wins. */
const CLASSES = { ShapeError, NonFiniteError, OptionError, StateError, WasmMlpError };
type ErrorKey = keyof typeof CLASSES | 'Error';

/** The key of `error`'s class (`'Error'` for anything that is not a WasmMlpError). */
export function errorKey(error: unknown): ErrorKey {
  const entry = Object.entries(CLASSES).find(([, Class]) => error instanceof Class);
  return (entry?.[0] as ErrorKey | undefined) ?? 'Error';
}

/** An error of the class `key` names, with `message`. */
export function rebuildError(key: string, message: string): Error {
  const Class = CLASSES[key as keyof typeof CLASSES] ?? Error;
  return new Class(message);
}
