// The demo page: plain ES modules straight from dist/ (no bundler). Training runs in two Web
// Workers (wasm and reference) through wasm-mlp/worker; this thread only draws. On a
// cross-origin-isolated page (npm run demo:browser sends COOP/COEP) the wasm worker's network
// computes on several threads (its own pool of Web Workers); the page shows how many, and why
// fewer than asked when it is (net.threads).
// window.demo exposes the state and results for the browser tests (test/browser/).
import { trainInWorker } from '../../dist/worker.js';
import { LOADERS, PRESETS, oneHot } from './datasets.js';
import { drawBoundary, drawDigits, drawLoss, gridInputs } from './plot.js';
import { startResponsivenessProbe } from './responsiveness.js';
import { OUTPUTS, perExampleFactor } from './training-options.js';

const GRID = 48;
const BACKENDS = ['wasm', 'reference'];
const $ = (id) => document.getElementById(id);
const fields = ['hidden', 'activation', 'output', 'optimizer', 'steps', 'batchSize'];
const workers = Object.fromEntries(
  BACKENDS.map((b) => [
    b,
    new Worker(new URL('./train-worker.js', import.meta.url), { type: 'module' }),
  ]),
);
const datasets = new Map();

const demo = {
  state: 'idle',
  error: null,
  request: null,
  results: {},
  curves: {},
  accuracy: null,
  responsiveness: null,
  threads: null,
};
window.demo = demo;

function loadDataset(name) {
  if (!datasets.has(name)) datasets.set(name, Promise.resolve(LOADERS[name]()));
  return datasets.get(name);
}

/** The selected dataset, with one-hot targets if the output layer is a softmax. */
async function selectedDataset() {
  const dataset = await loadDataset($('dataset').value);
  return OUTPUTS[$('output').value].activation === 'softmax' ? oneHot(dataset) : dataset;
}

/** Asks the wasm worker for `net.threads` of a network created there with `threads: 'auto'`. */
function askThreads(worker) {
  return new Promise((resolve, reject) => {
    const onMessage = (event) => {
      if (event.data?.kind !== 'demo:threads') return;
      worker.removeEventListener('message', onMessage);
      if (event.data.error) reject(new Error(event.data.error));
      else resolve(event.data.threads);
    };
    worker.addEventListener('message', onMessage);
    worker.postMessage({ kind: 'demo:threads', threads: 'auto' });
  });
}

/** Shows `net.threads` of the wasm worker's network (before training: asked; after: the run's). */
function renderThreads(threads) {
  demo.threads = threads;
  const isolation = crossOriginIsolated ? 'cross-origin isolated' : 'not cross-origin isolated';
  $('threads').textContent =
    `wasm threads: ${threads.count} (threads: '${threads.requested}'; page ${isolation})` +
    (threads.reason ? `. Fewer than asked: ${threads.reason}` : '');
  $('threads').classList.toggle('warning', threads.reason !== undefined);
}

async function showThreads() {
  try {
    renderThreads(await askThreads(workers.wasm));
  } catch (error) {
    demo.threads = { error: error.message };
    $('threads').textContent = `wasm threads: unknown (${error.message})`;
  }
}

function setStatus(text, isError = false) {
  $('status').textContent = text;
  $('status').classList.toggle('error', isError);
}

/** "16, 16" → [16, 16]; "" → [] (no hidden layer). Throws with a message for anything else. */
function parseHidden(text) {
  const parts = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  return parts.map((s) => {
    const n = Number(s);
    if (!Number.isInteger(n) || n < 1 || n > 4096) {
      throw new Error(`hidden layer width must be an integer from 1 to 4096, got '${s}'`);
    }
    return n;
  });
}

function positiveNumber(id, integer) {
  const value = Number($(id).value);
  if (!(value > 0) || (integer && !Number.isInteger(value))) {
    throw new Error(
      `${id} must be a positive ${integer ? 'integer' : 'number'}, got '${$(id).value}'`,
    );
  }
  return value;
}

async function showLayers() {
  const dataset = await selectedDataset();
  try {
    const layers = [dataset.inputs, ...parseHidden($('hidden').value), dataset.outputs];
    $('layers').textContent = `layers: [${layers.join(', ')}]`;
  } catch (error) {
    $('layers').textContent = error.message;
  }
}

async function selectDataset() {
  const name = $('dataset').value;
  const preset = PRESETS[name];
  for (const field of fields) $(field).value = preset[field];
  suggestLearningRate();
  setStatus(name === 'mnist' ? 'Loading MNIST…' : '');
  const dataset = await loadDataset(name);
  setStatus('');
  demo.curves = {};
  drawLoss($('loss'), {}, 1);
  drawView(dataset, null);
  await showLayers();
}

/** The learning rate the dataset's preset suggests for the selected optimizer. */
function suggestLearningRate() {
  $('learningRate').value = PRESETS[$('dataset').value].learningRates[$('optimizer').value];
}

/** Column `index` of a row-major matrix with `width` columns. */
function column(matrix, width, index) {
  if (width === 1) return matrix;
  return Float32Array.from({ length: matrix.length / width }, (_, r) => matrix[r * width + index]);
}

function drawView(dataset, probeOutput) {
  if (dataset.test) {
    $('viewCaption').textContent = 'Test digits, predicted label (wasm network)';
    drawDigits($('view'), dataset.test, probeOutput);
  } else {
    $('viewCaption').textContent = 'Decision boundary (wasm network)';
    // The probability of class 1: the only output, or the softmax's second one.
    const grid = probeOutput?.subarray(0, GRID * GRID * dataset.outputs);
    const points = { ...dataset, y: column(dataset.y, dataset.outputs, 1) };
    drawBoundary($('view'), points, grid && column(grid, dataset.outputs, 1), GRID);
  }
}

/** Share of rows classified right: output > ½ for one output, the largest output otherwise. */
function accuracy(outputs, targets, rows) {
  const width = outputs.length / rows;
  let correct = 0;
  for (let r = 0; r < rows; r++) {
    const o = outputs.subarray(r * width, (r + 1) * width);
    const t = targets.subarray(r * width, (r + 1) * width);
    if (width === 1) correct += o[0] > 0.5 === t[0] > 0.5 ? 1 : 0;
    else correct += t[o.indexOf(Math.max(...o))] === 1 ? 1 : 0;
  }
  return correct / rows;
}

function showStats(backend, { step, loss, stepsPerSecond }, perExample, batchRows) {
  const row = $(`stats-${backend}`);
  const rate = (perSecond) => Math.round(perSecond).toLocaleString('en-US');
  row.querySelector('.step').textContent = step.toLocaleString('en-US');
  row.querySelector('.loss').textContent = (loss * perExample).toExponential(3);
  row.querySelector('.speed').textContent = rate(stepsPerSecond);
  row.querySelector('.samples').textContent = rate(stepsPerSecond * batchRows);
}

let runs = [];

async function train(event) {
  event.preventDefault();
  if (demo.state === 'training') return;
  let request;
  const dataset = await selectedDataset();
  try {
    const hidden = parseHidden($('hidden').value);
    const output = OUTPUTS[$('output').value];
    request = {
      layers: [dataset.inputs, ...hidden, dataset.outputs],
      activation: [...hidden.map(() => $('activation').value), output.activation],
      loss: output.loss,
      optimizer: $('optimizer').value,
      learningRate: positiveNumber('learningRate', false),
      steps: positiveNumber('steps', true),
      batchSize: Math.min(positiveNumber('batchSize', true), dataset.rows),
      seed: Math.trunc(Number($('seed').value) || 0),
    };
  } catch (error) {
    setStatus(error.message, true);
    return;
  }
  const backends = $('compare').checked ? BACKENDS : ['wasm'];
  const evaluation = dataset.test ?? dataset;
  // 2-D: the grid for the boundary, then the data points for the accuracy. MNIST: the test set.
  const probe = dataset.test
    ? dataset.test.x
    : Float32Array.from([...gridInputs(dataset.domain, GRID), ...dataset.x]);
  Object.assign(demo, { state: 'training', error: null, request, results: {}, accuracy: null });
  demo.curves = Object.fromEntries(backends.map((b) => [b, []]));
  for (const b of BACKENDS) showStats(b, { step: 0, loss: NaN, stepsPerSecond: 0 }, 1, 0);
  $('train').disabled = true;
  $('stop').disabled = false;
  setStatus('Training…');
  const probeMeter = startResponsivenessProbe();
  let latestProbe = null;
  let frame = 0;
  const render = () => {
    frame = 0;
    drawLoss($('loss'), demo.curves, request.steps);
    if (latestProbe) {
      drawView(dataset, latestProbe);
      const outputs = latestProbe.subarray(latestProbe.length - evaluation.y.length);
      demo.accuracy = accuracy(outputs, evaluation.y, evaluation.rows);
      const on = dataset.test ? 'test digits' : 'training points';
      $('accuracy').textContent =
        `Accuracy (wasm) on ${evaluation.rows} ${on}: ${(100 * demo.accuracy).toFixed(1)}%`;
    }
    const { longestTaskMs, worstLatenessMs } = probeMeter.read();
    const longest =
      longestTaskMs > 0 ? `longest task ${longestTaskMs.toFixed(0)} ms` : 'no task over 50 ms';
    $('responsiveness').textContent =
      `Main thread while training: ${longest}, ` +
      `worst lateness of a 10 ms timer ${worstLatenessMs.toFixed(1)} ms`;
  };
  const perExample = perExampleFactor(request.loss, request.batchSize, dataset.outputs);
  const finished = [];
  runs = backends.map((backend) => {
    const run = trainInWorker(
      workers[backend],
      {
        // Both workers get the same network options; only the backend and its dtype differ.
        network: {
          layers: request.layers,
          activation: request.activation,
          loss: request.loss,
          optimizer: request.optimizer,
          learningRate: request.learningRate,
          seed: request.seed,
          backend,
          dtype: backend === 'wasm' ? 'f32' : 'f64',
        },
        x: dataset.x.slice(),
        y: dataset.y.slice(),
        steps: request.steps,
        batchSize: request.batchSize,
        ...(backend === 'wasm' ? { probe: probe.slice() } : {}),
      },
      {
        onProgress: (progress) => {
          demo.curves[backend].push([progress.step, progress.loss * perExample]);
          if (progress.probeOutput) latestProbe = progress.probeOutput;
          showStats(backend, progress, perExample, request.batchSize);
          frame ||= requestAnimationFrame(render);
        },
      },
    );
    const recorded = run.done.then((result) => {
      const stepsPerSecond = (result.steps * 1000) / result.elapsedMs;
      const final = { step: result.steps, loss: result.loss, stepsPerSecond };
      showStats(backend, final, perExample, request.batchSize);
      // The threads this run's network trained on (trainInWorker reports them).
      if (backend === 'wasm' && result.threads) renderThreads(result.threads);
      demo.results[backend] = {
        threads: result.threads,
        steps: result.steps,
        loss: result.loss,
        stopped: result.stopped,
        stepsPerSecond,
        parameters: [...result.parameters.weights, ...result.parameters.biases].flatMap((a) => [
          ...a,
        ]),
      };
    });
    finished.push(recorded);
    return run;
  });
  const outcome = await Promise.allSettled(finished);
  demo.responsiveness = probeMeter.stop();
  cancelAnimationFrame(frame);
  render();
  const failed = outcome.find((o) => o.status === 'rejected');
  const { wasm, reference } = demo.results;
  if (failed) {
    demo.error = String(failed.reason?.message ?? failed.reason);
    setStatus(`Training failed: ${demo.error}`, true);
  } else {
    const speedup = reference
      ? `; wasm ${(wasm.stepsPerSecond / reference.stepsPerSecond).toFixed(1)}× the reference's steps/s`
      : '';
    setStatus(
      `${wasm.stopped ? 'Stopped' : 'Done'} after ${wasm.steps.toLocaleString('en-US')} steps${speedup}.`,
    );
  }
  demo.state = failed ? 'failed' : 'done';
  $('train').disabled = false;
  $('stop').disabled = true;
}

$('controls').addEventListener('submit', train);
$('stop').addEventListener('click', () => runs.forEach((run) => run.stop()));
$('dataset').addEventListener('change', selectDataset);
$('hidden').addEventListener('input', showLayers);
$('output').addEventListener('change', showLayers);
$('optimizer').addEventListener('change', suggestLearningRate);
await Promise.all([selectDataset(), showThreads()]);
demo.ready = true;
