// Taking model files apart and putting them back together, independently of the library's
// decoders, so tests can write the hostile files a reader must survive (not a test file).
import protobuf from 'protobufjs/light.js';
import { ONNX_SCHEMA } from '../../ts/io/onnx/schema.js';

/** A safetensors file as its parsed header and its data area. */
export function safetensorsParts(bytes: Uint8Array): {
  header: Record<string, any>;
  data: Uint8Array;
} {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return {
    header: JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))),
    data: new Uint8Array(bytes.subarray(8 + n)), // a copy (Buffer.slice would be a view)
  };
}

/** A safetensors file from a header (an object, or raw header text as is) and a data area. */
export function safetensorsFile(header: unknown, data: Uint8Array): Uint8Array {
  const text = new TextEncoder().encode(
    typeof header === 'string' ? header : JSON.stringify(header),
  );
  const out = new Uint8Array(8 + text.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(text.length), true);
  out.set(text, 8);
  out.set(data, 8 + text.length);
  return out;
}

/** `onnx.ModelProto` from the schema the library ships (protobufjs, not the library's code). */
export const ModelProto = protobuf.Root.fromJSON(ONNX_SCHEMA).lookupType('onnx.ModelProto');

/** An ONNX file as a plain object (int64 as numbers, bytes as Uint8Array). */
export function onnxObject(bytes: Uint8Array): Record<string, any> {
  return ModelProto.toObject(ModelProto.decode(bytes), { longs: Number, arrays: true });
}

/** An ONNX file from a plain object (a plain Uint8Array: protobufjs returns a Buffer on Node). */
export function onnxFile(model: Record<string, any>): Uint8Array {
  return new Uint8Array(ModelProto.encode(ModelProto.fromObject(model)).finish());
}

/** `'['.repeat(depth) + ']'.repeat(depth)`: nested arrays, as JSON text. */
export function nestedArrays(depth: number): string {
  return '['.repeat(depth) + ']'.repeat(depth);
}
