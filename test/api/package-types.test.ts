// The published declarations (dist/types, as package.json's exports map them) type-check in a
// consumer project with `skipLibCheck: false`, under both module resolutions users have: a
// declaration that names something stripped or missing (e.g. a re-export of an @internal
// function, TS2305) fails here instead of in every user's build. Run `npm run build` first.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

/** Every entry point, a few of each one's types, and the API as a user would call it. */
const CONSUMER = `import {
  Network,
  OptionError,
  crossCheck,
  type Dtype,
  type Evaluation,
  type ModelJSON,
  type NetworkOptions,
  type NetworkParameters,
  type OptimizerState,
  type WasmSource,
} from 'wasm-mlp';
import * as inline from 'wasm-mlp/inline';
import { fromONNX, toONNX, type OnnxExportOptions } from 'wasm-mlp/onnx';
import { serveTraining, trainInWorker, type TrainingRequest } from 'wasm-mlp/worker';

export async function main(wasm: WasmSource): Promise<void> {
  const options: NetworkOptions<'f64'> = { layers: [2, 3, 1], dtype: 'f64', wasm };
  const net: Network<'f64'> = await Network.create(options);
  const out: Float64Array = net.predict([[0, 1]]);
  const params: NetworkParameters<'f64'> = net.getParameters();
  const state: OptimizerState<'f64'> = net.getOptimizerState();
  const scores: Evaluation = net.evaluate([0, 1], [1]);
  const json: ModelJSON = net.toJSON({ trainingState: true });
  const onnx: OnnxExportOptions = { opset: 17, dtype: 'f32' };
  const back: Network<Dtype> = await fromONNX(toONNX(net, onnx), { backend: 'reference' });
  // @ts-expect-error ONNX export is the function toONNX(net) of wasm-mlp/onnx, not a method
  net.toONNX();
  const single: inline.Network = await inline.Network.create({ layers: [1, 1] });
  const request: TrainingRequest = {
    network: { layers: [2, 1] },
    x: Float32Array.of(0, 1),
    y: Float32Array.of(1),
    steps: 1,
  };
  void [out, params, state, scores, json, back, single, request, crossCheck, OptionError];
  void [serveTraining, trainInWorker];
}
`;

/** The consumer's compiler options per module resolution (both strict, nothing skipped). */
const RESOLUTIONS = {
  nodenext: { module: 'nodenext', moduleResolution: 'nodenext' },
  bundler: { module: 'esnext', moduleResolution: 'bundler' },
} as const;

let project: string;

beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), 'wasm-mlp-consumer-'));
  // The package as installed: node_modules/wasm-mlp is the repository, so its package.json
  // exports (and the dependencies next to it) resolve as they would for a user.
  mkdirSync(join(project, 'node_modules'));
  symlinkSync(ROOT, join(project, 'node_modules', 'wasm-mlp'), 'dir');
  writeFileSync(join(project, 'package.json'), JSON.stringify({ type: 'module', private: true }));
  writeFileSync(join(project, 'consumer.ts'), CONSUMER);
  for (const [name, resolution] of Object.entries(RESOLUTIONS)) {
    const compilerOptions = {
      ...resolution,
      target: 'es2022',
      lib: ['es2022', 'dom'],
      types: [],
      strict: true,
      skipLibCheck: false,
      noEmit: true,
    };
    writeFileSync(
      join(project, `tsconfig.${name}.json`),
      JSON.stringify({ compilerOptions, files: ['consumer.ts'] }),
    );
  }
});

afterAll(() => rmSync(project, { recursive: true, force: true }));

function tsc(config: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [TSC, '-p', config, '--pretty', 'false'], {
      cwd: project,
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe('dist/types in a consumer project (skipLibCheck: false, strict)', () => {
  it.each(Object.keys(RESOLUTIONS))('type-checks with moduleResolution %s', async (name) => {
    const { code, output } = await tsc(`tsconfig.${name}.json`);
    expect(output).toBe('');
    expect(code).toBe(0);
  });
});
