/**
 * The script every pool worker runs, as source text: a Node `worker_threads` worker evaluates it
 * (`eval: true`, CommonJS), a browser starts it from a `Blob` URL (a classic worker), so the pool
 * needs no separate file next to the bundle (and works from `wasm-mlp/inline`).
 *
 * A worker instantiates the core's module on the shared memory, moves its shadow stack to the
 * block the pool allocated for it (and sets up its TLS block if the module has thread-locals),
 * says `ready`, then calls `mlp_pool_worker_run(slot)`, which returns only at shutdown. If that
 * call throws (a trap in the core) it tells the core (`mlp_pool_worker_failed`, so a running
 * product stops waiting for it) and the pool (`failed`).
 *
 * Messages to the pool: `{ type: 'ready' | 'stopped' | 'failed', slot, message? }`.
 * @module
 */
export const POOL_WORKER_SOURCE = `'use strict';
function start(data, post) {
  const { module, memory, slot, stackTop, tlsBase } = data;
  const imports = { env: { memory } };
  for (const imp of WebAssembly.Module.imports(module)) {
    if (imp.kind !== 'function') continue;
    (imports[imp.module] = imports[imp.module] || {})[imp.name] = () => {
      throw new Error('the core called the unprovided import ' + imp.module + '.' + imp.name);
    };
  }
  let exports;
  try {
    exports = new WebAssembly.Instance(module, imports).exports;
    exports.__stack_pointer.value = stackTop;
    if (tlsBase !== 0) exports.__wasm_init_tls(tlsBase);
  } catch (error) {
    post({ type: 'failed', slot, message: 'could not start: ' + String(error) });
    return;
  }
  post({ type: 'ready', slot });
  try {
    exports.mlp_pool_worker_run(slot);
    post({ type: 'stopped', slot });
  } catch (error) {
    exports.mlp_pool_worker_failed();
    post({ type: 'failed', slot, message: String(error) });
  }
}
if (typeof self === 'undefined' || typeof self.postMessage !== 'function') {
  // An eval'd worker is CommonJS, or an ES module when the parent runs with
  // --input-type=module (inherited): getBuiltinModule works in both (Node >= 20.16).
  const { parentPort, workerData } = process.getBuiltinModule('node:worker_threads');
  start(workerData, (message) => parentPort.postMessage(message));
} else {
  self.onmessage = (event) => {
    self.onmessage = null;
    start(event.data, (message) => self.postMessage(message));
  };
}
`;
