// The config block's codes agree on both sides of the ABI: every option value, encoded by the
// TS encoder (encodeConfig, ts/backends/wasm/abi.ts), is decoded by the Rust decoder
// (decode_config, crates/mlp-core/src/ffi/mod.rs, through the test build's
// mlp_test_decode_config) to the Rust variant of the same name with the same values; and Rust
// rejects every code past the end of each TS table. So renumbering, adding or dropping a code
// on one side alone fails here. The expected Rust names come from the TS names (`half-sse` →
// `HalfSse`), not from a third copy of the codes.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ACTIVATION_CODES,
  LOSS_CODES,
  OPTIMIZER_CODES,
  ORDERING_CODES,
  encodeConfig,
} from '../../ts/backends/wasm/abi.js';
import {
  ACTIVATIONS,
  LOSSES,
  OPTIMIZERS,
  coreLoss,
  resolveOptimizer,
  type Activation,
  type ModelSpec,
  type Optimizer,
} from '../../ts/model.js';
import type { Ordering } from '../../ts/types.js';
import { loadTestCore, testHooks, type DecodedConfig, type TestHooks } from '../test-wasm.js';

let hooks: TestHooks;
beforeAll(async () => {
  hooks = testHooks(await loadTestCore());
});

/** The Rust variant name of a TS option name: `update-first` → `UpdateFirst`. */
const rustName = (name: string): string =>
  name
    .split('-')
    .map((word) => word[0]!.toUpperCase() + word.slice(1))
    .join('');

const ORDERINGS = Object.keys(ORDERING_CODES) as Ordering[];

/** Rule names whose Rust capitalization is not derived from the TS name. */
const RUST_RULES: Partial<Record<string, string>> = { adamw: 'AdamW', rmsprop: 'RmsProp' };

/** The decoding that `spec` must get: its values under the Rust names (test_hooks.rs). */
function expected(spec: ModelSpec): DecodedConfig {
  const { type, weightDecay, clipNorm, clipValue, ...hyperparameters } = spec.optimizer;
  return {
    ordering: rustName(spec.ordering),
    loss: rustName(spec.loss),
    rule: { type: RUST_RULES[type] ?? rustName(type), ...hyperparameters },
    weight_decay: weightDecay,
    clip_norm: clipNorm ?? null,
    clip_value: clipValue ?? null,
    sizes: [...spec.layers],
    activations: spec.activations.map((a) =>
      a.type === 'leakyRelu' ? { type: 'LeakyRelu', slope: a.slope } : { type: rustName(a.type) },
    ),
  };
}

const BASE: ModelSpec = {
  layers: [3, 5, 2],
  activations: [{ type: 'tanh' }, { type: 'sigmoid' }],
  loss: 'mse',
  optimizer: { type: 'sgd', weightDecay: 0 },
  ordering: 'exact',
};

/** Every activation, with several leaky slopes. */
const ACTIVATION_VALUES: Activation[] = ACTIVATIONS.flatMap((type): Activation[] =>
  type === 'leakyRelu' ? [0, 0.01, 0.25, 3].map((slope) => ({ type, slope })) : [{ type }],
);

/** Every optimizer with its defaults and with other values, with and without weight decay. */
const OPTIMIZER_VALUES: Optimizer[] = OPTIMIZERS.flatMap((type) => [
  resolveOptimizer(type),
  resolveOptimizer({ type, weightDecay: 0.003 }),
  ...(type === 'momentum'
    ? [resolveOptimizer({ type, momentum: 0.5, nesterov: true, weightDecay: 1e-5 })]
    : []),
  ...(type === 'adam' || type === 'adamw'
    ? [resolveOptimizer({ type, beta1: 0.8, beta2: 0.95, epsilon: 1e-6 })]
    : []),
  ...(type === 'rmsprop' ? [resolveOptimizer({ type, rho: 0.7, epsilon: 1e-5 })] : []),
  // clipping, each alone and both
  resolveOptimizer({ type, clipNorm: 2.5 }),
  resolveOptimizer({ type, clipValue: 0.125 }),
  resolveOptimizer({ type, clipNorm: 1e-3, clipValue: 7 }),
]);

function check(spec: ModelSpec): void {
  expect(hooks.decodeConfig(encodeConfig(spec)), JSON.stringify(spec)).toEqual(expected(spec));
}

describe('TS encoder ↔ Rust decode_config', () => {
  it('every activation, in the hidden and the output layer', () => {
    for (const activation of ACTIVATION_VALUES) {
      check({ ...BASE, activations: [activation, { type: 'linear' }] });
      check({ ...BASE, activations: [{ type: 'relu' }, activation] });
    }
  });

  it('every loss', () => {
    // The sparse loss reaches the core as the categorical one (its labels expanded in TS).
    for (const loss of new Set(LOSSES.map(coreLoss))) check({ ...BASE, loss });
  });

  it('every optimizer with its hyperparameters, weight decay and clipping', () => {
    for (const optimizer of OPTIMIZER_VALUES) check({ ...BASE, optimizer });
  });

  it('every ordering, and layer sizes of every length', () => {
    for (const ordering of ORDERINGS) check({ ...BASE, ordering });
    check({ ...BASE, layers: [1, 1], activations: [{ type: 'sigmoid' }] });
    check({
      ...BASE,
      layers: [784, 128, 64, 10],
      activations: [{ type: 'relu' }, { type: 'tanh' }, { type: 'softmax' }],
    });
  });

  it('Rust rejects every code past the end of each TS table', () => {
    const block = encodeConfig(BASE);
    const activationSlot = 10 + BASE.layers.length;
    const tables: [string, Record<string, number>, number][] = [
      ['ordering', ORDERING_CODES, 0],
      ['loss', LOSS_CODES, 1],
      ['optimizer', OPTIMIZER_CODES, 2],
      ['activation', ACTIVATION_CODES, activationSlot],
    ];
    expect(hooks.decodeConfig(block)).not.toBeNull();
    for (const [what, table, slot] of tables) {
      const count = Object.keys(table).length;
      // The TS codes are 0 … count−1: every code Rust accepts is one of them.
      expect(
        Object.values(table).sort((a, b) => a - b),
        what,
      ).toEqual([...Array(count).keys()]);
      for (let code = count; code < count + 16; code++) {
        const patched = block.slice();
        patched[slot] = code;
        expect(hooks.decodeConfig(patched), `${what} code ${code}`).toBeNull();
      }
    }
  });
});
