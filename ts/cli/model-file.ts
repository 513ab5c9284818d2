/** Saving and loading models for the CLI, by file extension: `.safetensors` or `.json`. */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { Network, type Dtype } from '../index.js';
import { writeFileAtomic } from './atomic-write.js';
import { CliError } from './errors.js';

/** The model format of a file name, or an error. */
export function kind(file: string): 'safetensors' | 'json' {
  const ext = extname(file).toLowerCase();
  if (ext === '.safetensors') return 'safetensors';
  if (ext === '.json') return 'json';
  throw new CliError(`model file '${file}' must end in .safetensors or .json`);
}

/** Saves atomically: a failed save leaves the previous model file as it was. */
export function saveModel(net: Network<Dtype>, file: string): void {
  const data = kind(file) === 'json' ? `${JSON.stringify(net.toJSON())}\n` : net.toSafetensors();
  writeFileAtomic(file, data);
}

export async function loadModel(file: string): Promise<Network<Dtype>> {
  const k = kind(file);
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CliError(
      `cannot read '${file}': ${code === 'ENOENT' ? 'no such file' : (e as Error).message}`,
    );
  }
  return k === 'json'
    ? Network.fromJSON(bytes.toString('utf8'))
    : Network.fromSafetensors(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}
