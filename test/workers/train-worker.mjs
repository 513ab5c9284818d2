// A worker_threads worker for test/worker-threads.test.ts, written exactly as the README
// tells users to: the package imported by name (Node resolves the package's own exports).
import { serveTraining } from 'wasm-mlp/worker';

serveTraining();
