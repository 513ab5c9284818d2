// The package as npm publishes it (issue 12, items 1, 2 and 4): `npm pack` makes the tarball,
// a scratch project installs it offline (it has no dependencies, so nothing is fetched), and
// an ES module, a CommonJS file, TypeScript under `nodenext` and `bundler` and the `wasm-mlp`
// command run against it. @arethetypeswrong/cli and publint check the same tarball. Run
// `npm run build` first (the tarball packs dist/).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'node_modules', '.bin');
const NPM_ENV = { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false' };

/** Runs a command, returning its exit code and output (stdout and stderr apart). */
function run(cmd: string, args: string[], cwd: string) {
  const result = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: NPM_ENV });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** XOR, a few steps, predictions, and an ONNX round trip: the API as a script would use it. */
const ESM = `import { Network, WasmMlpError } from 'wasm-mlp';
import { toONNX, fromONNX } from 'wasm-mlp/onnx';
import * as inline from 'wasm-mlp/inline';
import { trainInWorker } from 'wasm-mlp/worker';
const net = await Network.create({ layers: [2, 4, 1], seed: 1 });
await net.fit([[0, 0], [0, 1], [1, 0], [1, 1]], [[0], [1], [1], [0]], { epochs: 2 });
const back = await fromONNX(toONNX(net), { backend: 'reference' });
const single = await inline.Network.create({ layers: [1, 1] });
console.log(JSON.stringify({
  out: net.predict([[0, 1]]).length,
  onnx: back.predict([[0, 1]]).length,
  inline: single.predict([[1]]).length,
  worker: typeof trainInWorker,
  error: new WasmMlpError('x') instanceof Error,
}));
`;

/** The same from CommonJS: require() of the ES module package (Node 20.19+, 22.12+). */
const CJS = `const { Network, WasmMlpError } = require('wasm-mlp');
const { toONNX, fromONNX } = require('wasm-mlp/onnx');
const inline = require('wasm-mlp/inline');
const { trainInWorker } = require('wasm-mlp/worker');
(async () => {
  const net = await Network.create({ layers: [2, 4, 1], seed: 1 });
  await net.fit([[0, 0], [0, 1], [1, 0], [1, 1]], [[0], [1], [1], [0]], { epochs: 2 });
  const back = await fromONNX(toONNX(net), { backend: 'reference' });
  const single = await inline.Network.create({ layers: [1, 1] });
  console.log(JSON.stringify({
    out: net.predict([[0, 1]]).length,
    onnx: back.predict([[0, 1]]).length,
    inline: single.predict([[1]]).length,
    worker: typeof trainInWorker,
    error: new WasmMlpError('x') instanceof Error,
  }));
})();
`;

const EXPECTED = { out: 1, onnx: 1, inline: 1, worker: 'function', error: true };

/** TypeScript as users write it, type-checked with nothing skipped, then compiled and run. */
const TS = `import { Network, type NetworkOptions, type Evaluation } from 'wasm-mlp';
import { toONNX, type OnnxExportOptions } from 'wasm-mlp/onnx';
import type { TrainingRequest } from 'wasm-mlp/worker';

const options: NetworkOptions<'f64'> = { layers: [2, 3, 1], dtype: 'f64', seed: 1 };
const net: Network<'f64'> = await Network.create(options);
const out: Float64Array = net.predict([[0, 1]]);
const scores: Evaluation = net.evaluate([0, 1], [1]);
const onnx: OnnxExportOptions = { opset: 17, dtype: 'f32' };
const request: TrainingRequest = { network: { layers: [2, 1] }, x: Float32Array.of(0, 1), y: Float32Array.of(1), steps: 1 };
const bytes: Uint8Array = toONNX(net, onnx);
console.log(JSON.stringify({ out: out.length, loss: typeof scores.loss, onnx: bytes.length > 0, steps: request.steps }));
`;

/** CommonJS TypeScript (.cts): \`import\` compiles to require() of the ES module package. */
const CTS = `import { Network } from 'wasm-mlp';
import { toONNX } from 'wasm-mlp/onnx';
async function main(): Promise<void> {
  const net: Network<'f32'> = await Network.create({ layers: [2, 1] });
  console.log(JSON.stringify({ out: net.predict([[0, 1]]).length, onnx: toONNX(net).length > 0 }));
}
void main();
`;

const STRICT = {
  target: 'es2022',
  lib: ['es2022', 'dom'],
  types: [],
  strict: true,
  skipLibCheck: false,
};

let work: string;
let tarball: string;
let project: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'wasm-mlp-tarball-'));
  const packed = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--pack-destination', work], {
      cwd: ROOT,
      encoding: 'utf8',
      env: NPM_ENV,
      stdio: ['ignore', 'pipe', 'ignore'],
    }),
  ) as { filename: string }[];
  tarball = join(work, packed[0]!.filename);
  project = join(work, 'consumer');
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
  // Offline: the package has no dependencies, so the tarball is all npm needs.
  const install = run('npm', ['install', '--offline', '--ignore-scripts', tarball], project);
  if (install.code !== 0) throw new Error(`npm install of the tarball failed:\n${install.stderr}`);
  writeFileSync(join(project, 'esm.mjs'), ESM);
  writeFileSync(join(project, 'cjs.cjs'), CJS);
  mkdirSync(join(project, 'ts'));
  writeFileSync(join(project, 'ts', 'package.json'), JSON.stringify({ type: 'module' }));
  writeFileSync(join(project, 'ts', 'consumer.ts'), TS);
  writeFileSync(join(project, 'ts', 'consumer-cjs.cts'), CTS);
  const configs = {
    nodenext: {
      compilerOptions: { ...STRICT, module: 'nodenext', moduleResolution: 'nodenext' },
      files: ['consumer.ts', 'consumer-cjs.cts'],
    },
    bundler: {
      compilerOptions: { ...STRICT, module: 'esnext', moduleResolution: 'bundler', noEmit: true },
      files: ['consumer.ts'],
    },
  };
  for (const [name, config] of Object.entries(configs)) {
    writeFileSync(join(project, 'ts', `tsconfig.${name}.json`), JSON.stringify(config));
  }
}, 120_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the packed tarball, installed in a scratch project', () => {
  it('installs nothing but wasm-mlp: no runtime dependencies (CLI and ONNX deps are bundled)', () => {
    const installed = readdirSync(join(project, 'node_modules')).filter((n) => !n.startsWith('.'));
    expect(installed).toEqual(['wasm-mlp']);
    const pkg = JSON.parse(
      readFileSync(join(project, 'node_modules', 'wasm-mlp', 'package.json'), 'utf8'),
    ) as Record<string, unknown>;
    expect(pkg.dependencies).toBeUndefined();
    expect(pkg.peerDependencies).toBeUndefined();
  });

  it('ships LICENSE and the bundled packages licenses; no source maps, no CLI declarations', () => {
    const listing = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n');
    expect(listing).toContain('package/LICENSE');
    expect(listing).toContain('package/dist/THIRD-PARTY-LICENSES.txt');
    expect(listing.filter((f) => f.endsWith('.map'))).toEqual([]);
    expect(listing.filter((f) => f.startsWith('package/dist/types/cli/'))).toEqual([]);
    expect(listing.filter((f) => f.startsWith('package/ts/'))).toEqual([]);
    const licenses = readFileSync(
      join(project, 'node_modules', 'wasm-mlp', 'dist', 'THIRD-PARTY-LICENSES.txt'),
      'utf8',
    );
    for (const name of ['commander', 'csv-parse', 'csv-stringify', 'cli-progress', 'protobufjs']) {
      expect(licenses).toMatch(new RegExp(`^${name}@\\d+\\.\\d+\\.\\d+ \\(`, 'm'));
    }
    expect(readFileSync(join(project, 'node_modules', 'wasm-mlp', 'LICENSE'), 'utf8')).toMatch(
      /^MIT License\n\nCopyright \(c\) wasm-mlp contributors\n/,
    );
  });

  it('runs from an ES module (every entry point)', () => {
    const result = run(process.execPath, ['esm.mjs'], project);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual(EXPECTED);
  });

  it('runs from CommonJS with require() (every entry point, no warning)', () => {
    const result = run(process.execPath, ['cjs.cjs'], project);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual(EXPECTED);
  });

  it('type-checks TypeScript (ESM and .cts) under moduleResolution nodenext, then runs it', () => {
    const tsc = run(
      process.execPath,
      [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.nodenext.json'],
      join(project, 'ts'),
    );
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.code).toBe(0);
    const esm = run(process.execPath, ['consumer.js'], join(project, 'ts'));
    expect(esm.stderr).toBe('');
    expect(JSON.parse(esm.stdout)).toEqual({ out: 1, loss: 'number', onnx: true, steps: 1 });
    const cjs = run(process.execPath, ['consumer-cjs.cjs'], join(project, 'ts'));
    expect(cjs.stderr).toBe('');
    expect(JSON.parse(cjs.stdout)).toEqual({ out: 1, onnx: true });
  });

  it('type-checks TypeScript under moduleResolution bundler', () => {
    const tsc = run(
      process.execPath,
      [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.bundler.json'],
      join(project, 'ts'),
    );
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.code).toBe(0);
  });

  it('runs the wasm-mlp command with its bundled dependencies (train on a CSV)', () => {
    const rows = ['x1,x2,y', '0,0,0', '0,1,1', '1,0,1', '1,1,0'];
    writeFileSync(join(project, 'xor.csv'), rows.join('\n') + '\n');
    const bin = join(project, 'node_modules', '.bin', 'wasm-mlp');
    const help = run(bin, ['--help'], project);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: wasm-mlp/);
    const train = run(
      bin,
      ['train', '--data', 'xor.csv', '--target', 'y', '--epochs', '2', '--out', 'xor.json'],
      project,
    );
    expect(train.stderr).not.toMatch(/Error/);
    expect(train.code).toBe(0);
    const predict = run(bin, ['predict', '--model', 'xor.json', '--data', 'xor.csv'], project);
    expect(predict.code).toBe(0);
    expect(predict.stdout.split('\n')[0]).toBe('x1,x2,y,predicted_y');
  });
});

describe('package checks on the tarball', () => {
  // Profile node16: node10 resolution (`moduleResolution: node`) cannot see subpath exports and
  // TypeScript deprecates it. cjs-resolves-to-esm is ignored because require() of these ES
  // modules is supported on every Node the package supports (engines: ^20.19.0 || >=22.12.0),
  // and TypeScript 5.8+ models it under nodenext (the .cts file above proves both); attw still
  // judges with the rules of TypeScript before require(esm). The .wasm exports are assets, not
  // modules with types.
  it('@arethetypeswrong/cli passes (profile node16)', () => {
    const attw = run(
      join(BIN, 'attw'),
      [
        tarball,
        '--profile',
        'node16',
        '--ignore-rules',
        'cjs-resolves-to-esm',
        '--exclude-entrypoints',
        './wasm_mlp.wasm',
        './wasm_mlp_relaxed.wasm',
        './wasm_mlp_threads.wasm',
        './wasm_mlp_threads_relaxed.wasm',
        '--format',
        'ascii',
      ],
      work,
    );
    expect(attw.stderr).toBe('');
    expect(attw.code, attw.stdout).toBe(0);
  });

  it('publint passes (strict: warnings are errors)', () => {
    const publint = run(join(BIN, 'publint'), ['run', tarball, '--strict'], work);
    expect(publint.code, publint.stdout + publint.stderr).toBe(0);
    expect(publint.stdout).toContain('All good!');
  });
});
