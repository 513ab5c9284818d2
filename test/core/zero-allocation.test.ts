// A steady training loop allocates nothing inside the core and never grows its memory: after a
// warm-up step has sized every buffer, 1,000 trainStep calls with typed-array inputs leave
// `memory.buffer.byteLength`, the allocator's call counter (`mlp_alloc_count`) and its live
// bytes (`mlp_live_bytes`) exactly where they were. Runs on both builds (vitest projects), on
// one thread with the single-thread core and on 2 threads with the shared-memory core (with a
// network large enough that its products and update are split between the threads).
import { describe, expect, it } from 'vitest';
import { loadWasm } from '../../ts/backends/wasm/load.js';
import { Network } from '../../ts/index.js';
import type { Dtype } from '../../ts/types.js';
import { THREADS_WASM_PATH, WASM_PATH, randArray, rng } from '../helpers.js';

const STEPS = 1000;
const CASES: { layers: number[]; batch: number; threads: number }[] = [
  { layers: [2, 4, 1], batch: 4, threads: 1 },
  { layers: [33, 17, 5], batch: 13, threads: 1 },
  { layers: [2, 4, 1], batch: 4, threads: 2 },
  { layers: [64, 200, 100, 3], batch: 128, threads: 2 },
];

describe('zero allocation in a steady training loop', () => {
  for (const dtype of ['f32', 'f64'] as Dtype[]) {
    for (const { layers, batch, threads } of CASES) {
      it(`${dtype} [${layers}] batch ${batch}, ${threads} thread(s): ${STEPS} steps allocate nothing`, async () => {
        const wasm = threads > 1 ? THREADS_WASM_PATH : WASM_PATH;
        const net = await Network.create({ layers, dtype, wasm, threads });
        expect(net.threads.count).toBe(threads);
        const core = await loadWasm(wasm);
        const allocCount = core.instance.exports['mlp_alloc_count'] as () => number;
        const next = rng(5);
        const Arr = dtype === 'f64' ? Float64Array : Float32Array;
        const x = Arr.from(randArray(next, batch * layers[0]!, -1, 1));
        const y = Arr.from(randArray(next, batch * layers[layers.length - 1]!, 0, 1));

        const first = net.trainStep(x, y); // sizes the buffers for this batch
        const bytes = core.memory.buffer.byteLength;
        const allocs = allocCount();
        const live = core.liveBytes();
        let last = first;
        for (let s = 0; s < STEPS; s++) last = net.trainStep(x, y);

        expect(core.memory.buffer.byteLength).toBe(bytes);
        expect(allocCount()).toBe(allocs);
        expect(core.liveBytes()).toBe(live);
        // The loop really trained (so it measured real steps, not no-ops).
        expect(last).toBeLessThan(first);
        net.dispose();
      });
    }
  }
});
