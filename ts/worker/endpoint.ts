/**
 * One event API over the two kinds of worker endpoints: the web's `Worker` / worker global
 * scope (`addEventListener('message', e => e.data)`) and Node's `worker_threads` `Worker` /
 * `parentPort` (`on('message', data => …)`). Both take `postMessage(message, transferList)`.
 * Besides messages, the caller listens for the ways a worker can fail, so that a run never
 * waits for a message that cannot come.
 * @module
 */
import { describe } from '../errors.js';
import { OptionError } from '../index.js';

/** The events {@link listen} can watch. `'exit'` exists only on Node `worker_threads` workers. */
export type EndpointEvent = 'message' | 'error' | 'messageerror' | 'exit';

/** A web `Worker`, a worker's `self`, a Node `worker_threads` `Worker` or its `parentPort`. */
export type MessageEndpoint = {
  postMessage(message: unknown, transfer: ArrayBuffer[]): void;
} & (
  | {
      // `any`: each event has its own argument (data, Error, exit code); `listen` normalizes them.
      on(event: EndpointEvent, listener: (value: any) => void): unknown;
      off(event: EndpointEvent, listener: (value: any) => void): unknown;
    }
  | {
      addEventListener(type: EndpointEvent, listener: (event: any) => void): void;
      removeEventListener(type: EndpointEvent, listener: (event: any) => void): void;
    }
);

/** What {@link listen} calls; every handler is optional. */
export interface EndpointHandlers {
  /** A message's data. */
  message?(data: unknown): void;
  /**
   * The worker failed: an uncaught exception, or a script that could not load or threw at
   * import. Node passes the worker's error; a browser an `ErrorEvent` (or a bare `Event` for a
   * script that failed to load), turned here into an `Error` with what the event says.
   */
  error?(error: unknown): void;
  /** A message arrived but could not be deserialized. */
  messageerror?(error: unknown): void;
  /** Node only: the worker's thread ended, with this exit code. Browsers have no such event. */
  exit?(code: number): void;
}

/** Whether `value` has the methods of a {@link MessageEndpoint}. */
export function isMessageEndpoint(value: unknown): value is MessageEndpoint {
  if (typeof value !== 'object' || value === null) return false;
  const has = (name: string) => typeof (value as Record<string, unknown>)[name] === 'function';
  return (
    has('postMessage') &&
    ((has('on') && has('off')) || (has('addEventListener') && has('removeEventListener')))
  );
}

/** A web `error` event as an `Error`: its `error` if it has one, else what the event says. */
function errorOfEvent(event: unknown): unknown {
  const { error, message } = (event ?? {}) as { error?: unknown; message?: unknown };
  if (error != null) return error;
  if (typeof message === 'string' && message !== '') return new Error(message);
  return new Error('the worker script failed to load or threw (the browser gives no details)');
}

/** Calls `handlers` for the endpoint's events; returns the function that stops listening. */
export function listen(endpoint: MessageEndpoint, handlers: EndpointHandlers): () => void {
  const removers: (() => void)[] = [];
  if ('on' in endpoint) {
    for (const [event, handler] of Object.entries(handlers) as [EndpointEvent, () => void][]) {
      endpoint.on(event, handler);
      removers.push(() => void endpoint.off(event, handler));
    }
  } else {
    const unwrap: Record<Exclude<EndpointEvent, 'exit'>, (event: Event) => unknown> = {
      message: (event) => (event as MessageEvent).data,
      error: errorOfEvent,
      messageerror: () => new Error('a message could not be deserialized'),
    };
    for (const [type, handler] of Object.entries(handlers) as [
      EndpointEvent,
      (v: unknown) => void,
    ][]) {
      if (type === 'exit') continue;
      const listener = (event: Event) => handler(unwrap[type](event));
      endpoint.addEventListener(type, listener);
      removers.push(() => endpoint.removeEventListener(type, listener));
    }
  }
  return () => removers.forEach((remove) => remove());
}

/**
 * Throws {@link OptionError} unless `worker` can carry a run (`trainInWorker`, `fitInWorker`).
 */
export function checkWorker(worker: unknown): asserts worker is MessageEndpoint {
  if (!isMessageEndpoint(worker)) {
    throw new OptionError(
      'worker must be a Web Worker or a node:worker_threads Worker (with postMessage and ' +
        `on/off or addEventListener/removeEventListener), got ${describe(worker)}`,
    );
  }
}
