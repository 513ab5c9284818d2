// The declarations accept what users write: the bare `Network` and `FitOptions` types, option
// objects held in annotated variables, and each dtype's outputs. The assertions are checked by
// `tsc --noEmit -p tsconfig.json` (CI's lint, which includes test/); vitest runs the calls, so
// the file also fails if the code it types stops working.
import { describe, expect, expectTypeOf, it } from 'vitest';
import { Network, type Dtype, type FitOptions, type History, type NetworkOptions } from 'wasm-mlp';

describe('types users write', () => {
  it('accepts `const net: Network = await Network.create(opts)` with `opts: NetworkOptions`', async () => {
    const opts: NetworkOptions = { layers: [2, 2, 1], backend: 'reference' };
    const net: Network = await Network.create(opts);
    expectTypeOf(net).toEqualTypeOf<Network<Dtype>>();
    expectTypeOf(net.predict([0, 1])).toEqualTypeOf<Float32Array | Float64Array>();
    expect(net.predict([0, 1])).toBeInstanceOf(Float32Array);
    net.dispose();
  });

  it('infers the dtype from literal options and widens to the bare type', async () => {
    const f32 = await Network.create({ layers: [2, 1], backend: 'reference' });
    expectTypeOf(f32).toEqualTypeOf<Network<'f32'>>();
    expectTypeOf(f32.predict([0, 1])).toEqualTypeOf<Float32Array>();
    const f64 = await Network.create({ layers: [2, 1], dtype: 'f64', backend: 'reference' });
    expectTypeOf(f64.predict([0, 1])).toEqualTypeOf<Float64Array>();
    const nets: Network[] = [f32, f64];
    const typed: NetworkOptions<'f64'> = { layers: [2, 1], dtype: 'f64', backend: 'reference' };
    const precise: Network<'f64'> = await Network.create(typed);
    expect(precise.dtype).toBe('f64');
    // @ts-expect-error an f64 network is not an f32 one
    const wrong: Network<'f32'> = f64;
    void wrong;
    for (const net of [...nets, precise]) net.dispose();
  });

  it('passes a `FitOptions` variable to fit, validationData included', async () => {
    const net: Network = await Network.create({ layers: [2, 1], backend: 'reference' });
    const options: FitOptions = {
      epochs: 2,
      batchSize: 2,
      validationData: { x: [[0, 1]], y: [1] },
    };
    const rows: FitOptions<number[][], number[]> = { epochs: 1, validationData: [[[1, 0]], [0]] };
    const history = await net.fit(
      [
        [0, 0],
        [0, 1],
        [1, 0],
        [1, 1],
      ],
      [0, 1, 1, 0],
      options,
    );
    expectTypeOf(history).toEqualTypeOf<History>();
    expect(history.epochs).toBe(2);
    await net.fit(Float32Array.of(0, 1), Float32Array.of(1), rows);
    net.dispose();
  });
});
