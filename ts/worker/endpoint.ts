/**
 * One message API over the two kinds of worker endpoints: the web's `Worker` / worker global
 * scope (`addEventListener('message', e => e.data)`) and Node's `worker_threads` `Worker` /
 * `parentPort` (`on('message', data => …)`). Both take `postMessage(message, transferList)`.
 * @module
 */

/** A web `Worker`, a worker's `self`, a Node `worker_threads` `Worker` or its `parentPort`. */
export type MessageEndpoint = {
  postMessage(message: unknown, transfer: ArrayBuffer[]): void;
} & (
  | {
      on(event: 'message', listener: (data: unknown) => void): unknown;
      off(event: 'message', listener: (data: unknown) => void): unknown;
    }
  | {
      addEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
      removeEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
    }
);

/** Calls `handler` with every message's data; returns the function that stops listening. */
export function listen(endpoint: MessageEndpoint, handler: (data: unknown) => void): () => void {
  if ('on' in endpoint) {
    endpoint.on('message', handler);
    return () => void endpoint.off('message', handler);
  }
  const listener = (event: MessageEvent) => handler(event.data);
  endpoint.addEventListener('message', listener);
  return () => endpoint.removeEventListener('message', listener);
}
