// The machine's register-only SIMD128 peak: a hand-assembled wasm module (no toolchain needed)
// whose loop runs 12 independent chains `acc = acc·c + d` on f32x4 values held in locals, i.e.
// only `f32x4.mul` + `f32x4.add` (or one `f32x4.relaxed_madd`) and no memory traffic. 12 chains
// cover the latency (mul 3 + add 3 cycles) of 2 mul + 2 add issued per cycle; V8 keeps all 14
// values in xmm registers. Flops per loop trip: 2 unrolled copies × 12 chains × 4 lanes × 2.

const CHAINS = 12;
const UNROLL = 2;
/** Flops per loop trip. */
export const PEAK_FLOPS_PER_TRIP = UNROLL * CHAINS * 4 * 2;

const uleb = (n) => {
  const out = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
};
const section = (id, bytes) => [id, ...uleb(bytes.length), ...bytes];
const f32x4Const = (x) => [0xfd, 0x0c, ...new Uint8Array(new Float32Array([x, x, x, x]).buffer)];

const LOCAL_GET = 0x20;
const LOCAL_SET = 0x21;
const LOCAL_TEE = 0x22;
const F32X4_ADD = [0xfd, 0xe4, 0x01];
const F32X4_MUL = [0xfd, 0xe6, 0x01];
const F32X4_RELAXED_MADD = [0xfd, 0x85, 0x02];

/**
 * Module exporting `peak(trips: i32) -> f32`. Locals: 0 = trips, 1..12 = accumulators,
 * 13 = c (0.5), 14 = d (0.5): every chain converges to 1, so no overflow or denormals.
 */
export function peakModuleBytes({ relaxed = false } = {}) {
  const C = CHAINS + 1;
  const D = CHAINS + 2;
  const body = [...f32x4Const(0.5), LOCAL_SET, C, ...f32x4Const(0.5), LOCAL_SET, D];
  body.push(0x03, 0x40); // loop
  for (let u = 0; u < UNROLL; u++) {
    for (let i = 1; i <= CHAINS; i++) {
      body.push(LOCAL_GET, i, LOCAL_GET, C);
      if (relaxed) body.push(LOCAL_GET, D, ...F32X4_RELAXED_MADD);
      else body.push(...F32X4_MUL, LOCAL_GET, D, ...F32X4_ADD);
      body.push(LOCAL_SET, i);
    }
  }
  // trips -= 1; continue while trips != 0
  body.push(LOCAL_GET, 0, 0x41, 1, 0x6b, LOCAL_TEE, 0, 0x0d, 0, 0x0b);
  // return the sum of the accumulators' lane 0 (keeps every chain live)
  body.push(LOCAL_GET, 1);
  for (let i = 2; i <= CHAINS; i++) body.push(LOCAL_GET, i, ...F32X4_ADD);
  body.push(0xfd, 0x1f, 0, 0x0b); // f32x4.extract_lane 0; end
  const func = [1, CHAINS + 2, 0x7b, ...body]; // one local group: 14 × v128
  const name = [...new TextEncoder().encode('peak')];
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, [1, 0x60, 1, 0x7f, 1, 0x7d]), // type: (i32) -> f32
    ...section(3, [1, 0]),
    ...section(7, [1, name.length, ...name, 0x00, 0]),
    ...section(10, [1, ...uleb(func.length), ...func]),
  ]);
}

/** The `peak(trips)` function of a freshly instantiated peak module. */
export function peakFunction(options) {
  const module = new WebAssembly.Module(peakModuleBytes(options));
  return new WebAssembly.Instance(module).exports.peak;
}
