// A callback that disposes the network while fit() runs (issue 9, item 2). Before the fix,
// early stopping with restoreBestWeights then read and wrote the parameters through the freed
// handle, i.e. from wasm address 0: fit() resolved, and the stray write broke other networks.
import { describe, expect, it } from 'vitest';
import { Network, StateError, type BackendName, type FitOptions } from '../../ts/index.js';
import { loadWasm } from '../../ts/backends/wasm/load.js';
import { WasmBackend } from '../../ts/backends/wasm/network.js';
import { initialParameters } from '../../ts/init.js';
import { defaultSpec } from '../../ts/model.js';
import { WASM_PATH, randArray, rng } from '../helpers.js';

const LAYERS = [200, 100, 1];

function data(rows: number) {
  const next = rng(9);
  const x = Float32Array.from(randArray(next, rows * LAYERS[0]!, -1, 1));
  const y = Float32Array.from(randArray(next, rows, 0, 1));
  return { x: { data: x, rows }, y: { data: y, rows } };
}

/** Rows of a flat array as number[][] (fit takes nested arrays or typed + shape). */
function rowsOf(flat: Float32Array, cols: number): number[][] {
  return Array.from({ length: flat.length / cols }, (_, r) => [
    ...flat.subarray(r * cols, (r + 1) * cols),
  ]);
}

describe('dispose() inside a fit() callback', () => {
  for (const backend of ['wasm', 'reference'] as BackendName[]) {
    for (const callback of ['onEpochEnd', 'onBatchEnd'] as const) {
      it(`${backend}, ${callback}: fit rejects with StateError and other networks are untouched`, async () => {
        // `other` is created first, so it sits low in the heap, where a write from 0 lands.
        const other = await Network.create({ layers: LAYERS, seed: 1, wasm: WASM_PATH });
        const probe = [new Array(LAYERS[0]).fill(0.25)];
        const otherParams = other.getParameters();
        const otherOutput = other.predict(probe);

        const net = await Network.create({ layers: LAYERS, seed: 2, backend, wasm: WASM_PATH });
        const { x, y } = data(64);
        let calls = 0;
        const options: FitOptions<number[][], number[][]> = {
          epochs: 6,
          batchSize: 16,
          // minDelta so large that epoch 1 never improves: early stopping stops there and restores
          // epoch 0's weights (deterministically).
          earlyStopping: { monitor: 'loss', patience: 0, minDelta: 1e9, restoreBestWeights: true },
          [callback]: () => {
            // Epoch 1 (0-based) is where early stopping may look back at epoch 0's weights.
            if (++calls === (callback === 'onEpochEnd' ? 2 : 5)) net.dispose();
          },
        };
        const fit = net.fit(rowsOf(x.data, LAYERS[0]!), rowsOf(y.data, 1), options);
        await expect(fit).rejects.toThrow(StateError);
        await expect(fit).rejects.toThrow('Network was disposed');
        expect(net.disposed).toBe(true);

        expect(other.getParameters()).toEqual(otherParams);
        expect(other.predict(probe)).toEqual(otherOutput);
        // The shared allocator is intact: a new network works and trains.
        const fresh = await Network.create({ layers: LAYERS, seed: 1, wasm: WASM_PATH });
        expect(fresh.predict(probe)).toEqual(otherOutput);
        fresh.dispose();
        other.dispose();
      });
    }
  }

  it('every method of a disposed network refuses (Network level)', async () => {
    const net = await Network.create({ layers: [3, 4, 2], wasm: WASM_PATH });
    net.dispose();
    const calls: [string, () => unknown][] = [
      ['predict', () => net.predict([[1, 2, 3]])],
      ['forward', () => net.forward([[1, 2, 3]])],
      ['trainStep', () => net.trainStep([[1, 2, 3]], [[0, 1]])],
      ['getParameters', () => net.getParameters()],
      ['setParameters', () => net.setParameters({ weights: [], biases: [] })],
      ['getOptimizerState', () => net.getOptimizerState()],
      ['toJSON', () => net.toJSON()],
    ];
    for (const [name, call] of calls) expect(call, name).toThrow(StateError);
  });

  it('a disposed WasmBackend refuses its freed handle itself, below the Network checks', async () => {
    // The backend guard is what stops a path that skips the Network's own check (as fit's
    // early-stopping restore did) from reading or writing at wasm address 0.
    const core = await loadWasm(WASM_PATH);
    const layers = [3, 4, 2];
    const backend = new WasmBackend(
      core,
      defaultSpec(layers, 'exact'),
      'f32',
      initialParameters(layers, 1),
    );
    backend.dispose();
    const x = new Float32Array(3);
    const y = new Float32Array(2);
    const calls: [string, () => unknown][] = [
      ['getParams', () => backend.getParams()],
      ['setParams', () => backend.setParams(new Float32Array(backend.paramCount))],
      ['getOptimizerState', () => backend.getOptimizerState()],
      ['setOptimizerState', () => backend.setOptimizerState(new Float32Array(0), 0)],
      ['forward', () => backend.forward(x, 1)],
      ['output', () => backend.output(1)],
      ['backward', () => backend.backward(y, 1, 0.1)],
      ['trainStep', () => backend.trainStep(x, y, 1, 0.1)],
      ['trainRows', () => backend.trainRows(x, y, [0], 0.1)],
      ['gradients', () => backend.gradients(x, y, 1)],
      ['loss', () => backend.loss(x, y, 1)],
    ];
    for (const [name, call] of calls) expect(call, name).toThrow(StateError);
    backend.dispose(); // idempotent
  });
});
