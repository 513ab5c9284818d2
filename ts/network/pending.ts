/**
 * A clear error for a forgotten `await`: `const net = Network.create(…)` holds a Promise, so
 * `net.predict(x)` would fail with the bare "net.predict is not a function". The promise the
 * factories return gets a non-enumerable getter for each of the network's members that throws
 * a {@link StateError} saying to `await` it. `then`, `catch` and `finally` are untouched, so
 * awaiting works as for any promise; members Promise itself has are left alone.
 * @module
 */
import { StateError } from '../errors.js';

/** Member names of `proto` (and its prototype chain below Object) that Promise lacks. */
function memberNames(proto: object): string[] {
  const names = new Set<string>();
  for (let p: object | null = proto; p !== null && p !== Object.prototype;) {
    for (const name of Object.getOwnPropertyNames(p)) {
      if (name !== 'constructor' && !(name in Promise.prototype)) names.add(name);
    }
    p = Object.getPrototypeOf(p) as object | null;
  }
  return [...names];
}

/**
 * Returns `promise` with a throwing getter for each member of `proto` (see the module comment).
 * @param factory how the promise was made, for the message, e.g. `'Network.create(…)'`
 */
export function withAwaitHint<T>(promise: Promise<T>, proto: object, factory: string): Promise<T> {
  for (const name of memberNames(proto)) {
    Object.defineProperty(promise, name, {
      configurable: true,
      enumerable: false,
      get(): never {
        throw new StateError(
          `'${name}' was read from a Promise, not a Network: ${factory} is async, ` +
            `use 'const net = await ${factory}'`,
        );
      },
    });
  }
  return promise;
}
