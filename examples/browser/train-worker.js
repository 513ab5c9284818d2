// The demo's training worker: the whole recipe is these two lines.
import { serveTraining } from '../../dist/worker.js';

serveTraining();
