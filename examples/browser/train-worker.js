// The demo's training worker: the whole recipe is the first two lines (serveTraining()).
import { Network } from '../../dist/index.js';
import { serveTraining } from '../../dist/worker.js';

serveTraining();

// The page also asks which threads a network gets in this worker (`net.threads`): the worker
// owns the core and its pool, which every network it creates shares, so a small network with
// the same `threads` option answers for the training runs too.
self.addEventListener('message', async (event) => {
  if (event.data?.kind !== 'demo:threads') return;
  try {
    const net = await Network.create({ layers: [2, 1], threads: event.data.threads ?? 'auto' });
    const threads = net.threads;
    net.dispose();
    self.postMessage({ kind: 'demo:threads', threads });
  } catch (error) {
    self.postMessage({ kind: 'demo:threads', error: `${error.name}: ${error.message}` });
  }
});
