// A worker_threads training worker with one fault injected, chosen by `workerData.fault`, for
// test/worker-faults.test.ts. The faults hit while serveTraining() is training a run:
// - 'import': the module throws while it is evaluated, so the worker never starts serving;
// - 'exit': process.exit(workerData.code) shortly after a run starts;
// - 'uncaught': an exception no one catches, shortly after a run starts;
// - 'throw': Network#trainStep throws the library error `workerData.error` describes
//   ({ class, message, args }), so it travels through serveTraining's own error path.
import { parentPort, workerData } from 'node:worker_threads';
import * as wasmMlp from 'wasm-mlp';
import { serveTraining } from 'wasm-mlp/worker';

const { fault } = workerData;
if (fault === 'import') throw new Error('injected: the worker module failed at import');

// Long enough for a few progress messages at reportIntervalMs 5 before the fault.
const AFTER_MS = 100;
if (fault === 'exit' || fault === 'uncaught') {
  parentPort.once('message', () =>
    setTimeout(() => {
      if (fault === 'exit') process.exit(workerData.code);
      throw new TypeError('injected: an uncaught exception in the worker');
    }, AFTER_MS),
  );
}
if (fault === 'throw') {
  const { class: name, message, args = [] } = workerData.error;
  const Class = name === 'TypeError' ? TypeError : wasmMlp[name];
  wasmMlp.Network.prototype.trainStep = () => {
    throw new Class(message, ...args);
  };
}
serveTraining();
