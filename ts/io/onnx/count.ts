/**
 * What decoding a protobuf message would build, counted on the wire bytes before it is built.
 *
 * protobufjs turns every submessage, string, bytes field and integer into a JavaScript value
 * of 30–100 bytes, so a file of nothing but empty entries (2 bytes each) costs 100–400 times
 * its size: 10 MB of empty graph nodes took 7 s and 1.7 GB, of empty initializers 24 s and
 * 3.8 GB. This pass walks the bytes with the schema, allocates nothing per value, and stops
 * as soon as the count exceeds the budget.
 * @module
 */
import protobuf from 'protobufjs/light.js';

/** Bytes per element of the fixed-width scalar types (packed repeated fields). */
const FIXED: Record<string, number> = { fixed32: 4, sfixed32: 4, fixed64: 8, sfixed64: 8 };

/**
 * Counts the values decoding `bytes` as `type` would allocate: each submessage (with one more
 * per repeated field of its type), string and bytes field, each integer or enum (packed or
 * not). `float` and `double` values are not
 * counted: they decode to numbers of 8 bytes from 4 or 8 in the file, so they cost at most
 * twice their bytes, like the raw tensor data. Unknown fields are skipped, as the decoder
 * skips them. Malformed input stops the count early; the decoder reports it.
 * @returns the count, or `budget + 1` as soon as the count exceeds `budget`
 */
export function countDecodedValues(type: protobuf.Type, bytes: Uint8Array, budget: number): number {
  const reader = protobuf.Reader.create(bytes);
  let count = 0;
  // A message also brings an empty array per repeated field (from the decoder, and another
  // from toObject): an empty TensorProto is 9 values, not 1.
  const weights = new Map<protobuf.Type, number>();
  const weight = (t: protobuf.Type): number => {
    let w = weights.get(t);
    if (w === undefined) {
      w = 1 + t.fieldsArray.filter((f) => f.repeated || f.map).length;
      weights.set(t, w);
    }
    return w;
  };
  const walk = (t: protobuf.Type, end: number, depth: number): void => {
    // Deeper than protobufjs decodes: the decoder rejects it, nothing is left to count.
    if (depth > protobuf.util.recursionLimit) throw new RangeError('max depth exceeded');
    while (reader.pos < end && count <= budget) {
      const tag = reader.uint32();
      const wire = tag & 7;
      const field = t.fieldsById[tag >>> 3];
      if (!field) {
        reader.skipType(wire);
        continue;
      }
      const sub = field.resolvedType;
      if (field.type === 'float' || field.type === 'double') {
        reader.skipType(wire);
      } else if (sub instanceof protobuf.Type && wire === 2) {
        count += weight(sub);
        const inner = reader.uint32() + reader.pos;
        if (inner > end) throw new RangeError('truncated');
        walk(sub, inner, depth + 1);
        reader.pos = inner;
      } else if (
        wire === 2 &&
        field.repeated &&
        field.type !== 'string' &&
        field.type !== 'bytes'
      ) {
        // Packed integers: one value per element.
        const length = reader.uint32();
        const inner = length + reader.pos;
        if (inner > end) throw new RangeError('truncated');
        const size = FIXED[field.type];
        if (size !== undefined) count += Math.floor(length / size);
        else for (let i = reader.pos; i < inner; i++) if (bytes[i]! < 0x80) count++;
        reader.pos = inner;
      } else {
        count++;
        reader.skipType(wire);
      }
    }
  };
  try {
    walk(type, bytes.length, 0);
  } catch {
    // Malformed or too deep: decoding fails on it (with its own message) before building much.
  }
  return Math.min(count, budget + 1);
}
