/**
 * The safetensors container (the published format of Hugging Face's `safetensors`):
 *
 * ```
 * u64 little-endian N | N bytes of UTF-8 JSON header | tensor bytes
 * header: { "<name>": { "dtype": "F32", "shape": [r, c], "data_offsets": [begin, end] }, …,
 *           "__metadata__": { "<key>": "<string>" } }
 * ```
 *
 * Offsets are relative to the first byte after the header; tensors are row-major little-endian
 * and together cover the data area without gaps or overlaps. As the reference writer does, the
 * header is padded with spaces so the data starts at a multiple of 8 bytes. This module only
 * knows the container (F32 and F64 tensors); `model-safetensors.ts` maps networks onto it.
 * @module
 */
import { FormatError, describe } from '../errors.js';
import { checkJSONDepth } from './record.js';

/** Element types this library reads and writes. */
export type SafetensorsDtype = 'F32' | 'F64';

/** One tensor: its dtype, shape and row-major values. */
export interface Tensor {
  dtype: SafetensorsDtype;
  shape: number[];
  data: Float32Array | Float64Array;
}

/**
 * A tensor of a decoded file: its header entry, validated, with the values still in the file,
 * so a reader can check every name and shape before it allocates anything for the values.
 */
export interface TensorEntry {
  dtype: SafetensorsDtype;
  shape: number[];
  /** Decodes the values as float64 (exact for F32 and F64); allocates the shape's product. */
  values(): Float64Array;
}

/** A decoded file: tensors by name and the `__metadata__` string map (empty if absent). */
export interface SafetensorsFile {
  tensors: Map<string, TensorEntry>;
  metadata: Record<string, string>;
}

const BYTES: Record<SafetensorsDtype, number> = { F32: 4, F64: 8 };

/** The largest header the reference reader accepts (100 MB). */
const MAX_HEADER = 100_000_000;

/**
 * The most tensors this library reads from (and writes to) one file: 65,536. A network has
 * 2 per layer, and as many again per optimizer slot with the training state (at most 2 slots),
 * so this is 10,922 layers with Adam's state, 32,768 without. Empty tensors cost no data bytes,
 * so without a cap a 100 MB header of them (1.7 million) would take ~30 s and > 1.5 GB to
 * reject; the count is checked on the header text before `JSON.parse` builds anything.
 */
export const MAX_TENSORS = 65_536;

/** Serializes tensors (in the given order) and metadata into a safetensors file. */
export function encodeSafetensors(
  tensors: ReadonlyArray<readonly [string, Tensor]>,
  metadata: Record<string, string>,
): Uint8Array {
  if (tensors.length > MAX_TENSORS) {
    throw new FormatError(
      `safetensors: ${tensors.length.toLocaleString('en-US')} tensors is more than the ${MAX_TENSORS.toLocaleString('en-US')} a file may hold to be read back (2 per layer, plus 2 per layer and optimizer slot with the training state); save this network as JSON`,
    );
  }
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header['__metadata__'] = metadata;
  let offset = 0;
  for (const [name, t] of tensors) {
    const end = offset + t.data.length * BYTES[t.dtype];
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, end] };
    offset = end;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) {
    const spaces = new Uint8Array(padded).fill(0x20);
    spaces.set(json);
    json = spaces;
  }
  const out = new Uint8Array(8 + json.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const [, t] of tensors) {
    const put = t.dtype === 'F32' ? view.setFloat32.bind(view) : view.setFloat64.bind(view);
    const size = BYTES[t.dtype];
    for (let i = 0; i < t.data.length; i++, at += size) put(at, t.data[i]!, true);
  }
  return out;
}

/** A header value for a message: its JSON, cut to 80 characters (the header may be 100 MB). */
function brief(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** A shape from a file for a message: `[a, b]`, the first 8 dims and a count of the others. */
export function shapeText(dims: readonly number[]): string {
  const shown = dims.slice(0, 8).join(', ');
  return dims.length > 8 ? `[${shown}, … (${dims.length} dims)]` : `[${shown}]`;
}

function isDims(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((d) => Number.isSafeInteger(d) && (d as number) >= 0);
}

/**
 * Parses and validates a safetensors file: header length and JSON, every entry's dtype, shape
 * and offsets (inside the file, matching the shape, covering the data area exactly). The
 * values are decoded only when asked for ({@link TensorEntry.values}).
 *
 * Limits: the header is at most 100 MB (the reference reader's limit) and at most the bytes
 * after the length field; it lists at most {@link MAX_TENSORS} (65,536) tensors, counted on
 * the text before it is parsed; its arrays/objects nest at most `MAX_JSON_DEPTH` (64) deep.
 * Every entry is validated and the tensors must tile the data area before any tensor can be
 * decoded, so the values decoded take at most 2 × the file's data bytes (F32 widened to
 * float64), whatever the header claims.
 * @throws FormatError naming the problem (and the tensor)
 */
export function decodeSafetensors(bytes: Uint8Array): SafetensorsFile {
  if (!(bytes instanceof Uint8Array)) {
    throw new FormatError(`safetensors: expected a Uint8Array, got ${describe(bytes)}`);
  }
  if (bytes.length < 8) {
    throw new FormatError(
      `safetensors: ${bytes.length} bytes is too short for the 8-byte header length`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = view.getBigUint64(0, true);
  if (n > BigInt(bytes.length - 8)) {
    throw new FormatError(
      `safetensors: the header length ${n} exceeds the ${bytes.length - 8} bytes after it (not a safetensors file, or truncated)`,
    );
  }
  if (n > BigInt(MAX_HEADER)) {
    throw new FormatError(
      `safetensors: the header length ${n} exceeds the ${MAX_HEADER}-byte limit (not a safetensors file?)`,
    );
  }
  const headerEnd = 8 + Number(n);
  let header: unknown;
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, headerEnd));
    // One key more: __metadata__. Parsing builds an object per entry, so count them first.
    if (checkJSONDepth(text, 'safetensors: the header', MAX_TENSORS + 1) > MAX_TENSORS + 1) {
      throw tooMany(`more than ${MAX_TENSORS.toLocaleString('en-US')} tensors`);
    }
    header = JSON.parse(text);
  } catch (e) {
    if (e instanceof FormatError) throw e;
    throw new FormatError(
      `safetensors: the header is not valid UTF-8 JSON (${(e as Error).message})`,
    );
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new FormatError(`safetensors: the header must be a JSON object, got ${describe(header)}`);
  }
  const names = Object.keys(header);
  const tensorCount = names.length - (names.includes('__metadata__') ? 1 : 0);
  if (tensorCount > MAX_TENSORS) throw tooMany(`${tensorCount.toLocaleString('en-US')} tensors`);
  const dataLength = bytes.length - headerEnd;
  const metadata: Record<string, string> = {};
  const entries: { name: string; dtype: SafetensorsDtype; shape: number[]; begin: number }[] = [];
  const spans: [number, number, string][] = [];
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
        throw new FormatError(`safetensors: __metadata__ must be an object of strings`);
      }
      for (const [k, v] of Object.entries(entry)) {
        if (typeof v !== 'string') {
          throw new FormatError(
            `safetensors: __metadata__['${k}'] must be a string, got ${describe(v)}`,
          );
        }
        metadata[k] = v;
      }
      continue;
    }
    const e = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<string, unknown>;
    const { dtype, shape, data_offsets: offsets } = e;
    if (dtype !== 'F32' && dtype !== 'F64') {
      throw new FormatError(
        `safetensors: tensor '${name}' has dtype ${describe(dtype)}; wasm-mlp reads 'F32' and 'F64'`,
      );
    }
    if (!isDims(shape)) {
      throw new FormatError(`safetensors: tensor '${name}' has an invalid shape ${brief(shape)}`);
    }
    if (!isDims(offsets) || offsets.length !== 2 || offsets[0]! > offsets[1]!) {
      throw new FormatError(
        `safetensors: tensor '${name}' has invalid data_offsets ${brief(offsets)}`,
      );
    }
    const [begin, end] = offsets as [number, number];
    const count = shape.reduce((a, b) => a * b, 1);
    if (end - begin !== count * BYTES[dtype]) {
      throw new FormatError(
        `safetensors: tensor '${name}' spans ${end - begin} bytes but shape ${shapeText(shape)} of ${dtype} needs ${count * BYTES[dtype]}`,
      );
    }
    if (end > dataLength) {
      throw new FormatError(
        `safetensors: tensor '${name}' ends at byte ${end} of a ${dataLength}-byte data area (truncated file?)`,
      );
    }
    entries.push({ name, dtype, shape, begin });
    spans.push([begin, end, name]);
  }
  // The reference reader rejects holes and overlaps: the tensors tile the data area.
  spans.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let covered = 0;
  for (const [begin, end, name] of spans) {
    if (begin !== covered) {
      throw new FormatError(
        `safetensors: tensor '${name}' starts at byte ${begin}, expected ${covered} (tensors must tile the data area without gaps or overlaps)`,
      );
    }
    covered = end;
  }
  if (covered !== dataLength) {
    throw new FormatError(
      `safetensors: the tensors cover ${covered} of the ${dataLength} data bytes (trailing bytes)`,
    );
  }
  // Only now that the spans are known to tile the data area may values be decoded: all of them
  // take at most the file's data size (overlapping spans could make a small file claim
  // gigabytes). The reader decodes what it needs once it has checked the names and shapes.
  const tensors = new Map<string, TensorEntry>();
  for (const { name, dtype, shape, begin } of entries) {
    const values = (): Float64Array => {
      const size = BYTES[dtype];
      const data = new Float64Array(shape.reduce((a, b) => a * b, 1));
      const get = dtype === 'F32' ? view.getFloat32.bind(view) : view.getFloat64.bind(view);
      for (let i = 0, at = headerEnd + begin; i < data.length; i++, at += size) {
        data[i] = get(at, true);
      }
      return data;
    };
    tensors.set(name, { dtype, shape, values });
  }
  return { tensors, metadata };
}

function tooMany(what: string): FormatError {
  return new FormatError(
    `safetensors: the header lists ${what}; this library reads at most ${MAX_TENSORS.toLocaleString('en-US')} tensors (a network has 2 per layer, and 2 per layer and optimizer slot with the training state)`,
  );
}
