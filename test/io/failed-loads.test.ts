// A load that fails after the network was created (a NaN weight, a bad training state, or any
// fault in the restore) disposes that network: 300 failing loads per format leave the wasm
// core's live bytes where they were. Sources + explicit wasm path, to reach the core.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadWasm } from '../../ts/backends/wasm/load.js';
import { FormatError, Network, NonFiniteError } from '../../ts/index.js';
import { fromONNX, toONNX } from '../../ts/onnx.js';
import { WASM_PATH } from '../helpers.js';
import { onnxFile, onnxObject, safetensorsFile, safetensorsParts } from './files.js';

const LOADS = 300;
type ErrorClass = new (...args: never[]) => Error;

async function source(): Promise<Network<'f32'>> {
  return Network.create({ layers: [64, 64, 10], optimizer: 'adam', seed: 1, wasm: WASM_PATH });
}

/** Each format's file with one value that is only rejected once the network exists. */
async function badFiles(): Promise<Record<string, [ErrorClass, () => Promise<unknown>]>> {
  const net = await source();
  const json = net.toJSON({ trainingState: true });
  json.parameters.biases[0]![3] = 12345.678;
  const jsonText = JSON.stringify(json).replace('12345.678', '1e400'); // Infinity once parsed
  json.training!.step = -1;
  const badStep = JSON.stringify(json);
  const st = safetensorsParts(net.toSafetensors({ trainingState: true }));
  const at = st.header['layers.1.weight'].data_offsets[0] as number;
  new DataView(st.data.buffer).setFloat32(at + 4, NaN, true);
  const stBytes = safetensorsFile(st.header, st.data);
  const model = onnxObject(toONNX(net));
  const raw = model['graph'].initializer[0].raw_data as Uint8Array;
  new DataView(raw.buffer, raw.byteOffset).setFloat32(8, NaN, true);
  const onnxBytes = onnxFile(model);
  net.dispose();
  return {
    'JSON (Infinity weight)': [
      NonFiniteError,
      () => Network.fromJSON(jsonText, { wasm: WASM_PATH }),
    ],
    'JSON (bad training step)': [FormatError, () => Network.fromJSON(badStep, { wasm: WASM_PATH })],
    'safetensors (NaN weight)': [
      NonFiniteError,
      () => Network.fromSafetensors(stBytes, { wasm: WASM_PATH }),
    ],
    'ONNX (NaN weight)': [NonFiniteError, () => fromONNX(onnxBytes, { wasm: WASM_PATH })],
  };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('failed loads free the network they created', () => {
  it(`${LOADS} failing loads per format leave the core's live bytes at the baseline`, async () => {
    const core = await loadWasm(WASM_PATH);
    const files = await badFiles();
    for (const [name, [kind, load]] of Object.entries(files)) {
      const baseline = core.liveBytes();
      expect(baseline).not.toBeNull();
      for (let i = 0; i < LOADS; i++) {
        const error = await load().then(
          () => null,
          (e: unknown) => e,
        );
        expect(error, name).toBeInstanceOf(kind);
      }
      expect(core.liveBytes(), name).toBe(baseline);
    }
  });

  it('an injected fault anywhere in the restore disposes the network and rethrows it', async () => {
    const core = await loadWasm(WASM_PATH);
    const net = await source();
    const files = {
      json: () => Network.fromJSON(net.toJSON({ trainingState: true }), { wasm: WASM_PATH }),
      safetensors: () =>
        Network.fromSafetensors(net.toSafetensors({ trainingState: true }), { wasm: WASM_PATH }),
      onnx: () => fromONNX(toONNX(net), { wasm: WASM_PATH }),
    };
    const baseline = core.liveBytes();
    const injected = new Error('injected fault');
    // setParameters is the first step after create for every format; setOptimizerState the
    // second for the formats that carry the training state.
    for (const method of ['setParameters', 'setOptimizerState'] as const) {
      const spy = vi.spyOn(Network.prototype, method).mockImplementation(() => {
        throw injected;
      });
      for (const [name, load] of Object.entries(files)) {
        if (method === 'setOptimizerState' && name === 'onnx') continue;
        await expect(load(), `${method} ${name}`).rejects.toBe(injected);
        expect(core.liveBytes(), `${method} ${name}`).toBe(baseline);
      }
      spy.mockRestore();
    }
    // The same files load once nothing is injected (so the faults were the only problem).
    for (const load of Object.values(files)) (await load()).dispose();
    expect(core.liveBytes()).toBe(baseline);
    net.dispose();
  });

  it('a file rejected before the network exists allocates nothing in the core', async () => {
    const core = await loadWasm(WASM_PATH);
    const baseline = core.liveBytes();
    await expect(Network.fromJSON('{"format": "wasm-mlp"}', { wasm: WASM_PATH })).rejects.toThrow(
      FormatError,
    );
    await expect(fromONNX(new Uint8Array([8, 7]), { wasm: WASM_PATH })).rejects.toThrow(
      FormatError,
    );
    expect(core.liveBytes()).toBe(baseline);
  });
});
