/**
 * The human-readable views of a network: {@link summarize} (the text of `net.summary()`, in the
 * spirit of Keras's `model.summary()`) and {@link inspection} (what `console.log(net)` and
 * `util.inspect` show in Node).
 * @module
 */
import type { Activation, LossName, Optimizer } from '../model.js';
import type { BackendName, Dtype, Ordering } from '../types.js';

/** What the views show of a network (all read from its public getters). */
export interface SummaryFacts {
  readonly layers: readonly number[];
  readonly activations: readonly Activation[];
  readonly lossName: LossName;
  readonly optimizer: Optimizer;
  readonly learningRate: number;
  readonly dtype: Dtype;
  readonly backend: BackendName;
  readonly ordering: Ordering;
  readonly parameterCount: number;
  readonly epochsTrained: number;
  /** Dropout rate per hidden layer (absent or all 0: none). */
  readonly dropout?: readonly number[];
}

function activationName(a: Activation): string {
  return a.type === 'leakyRelu' ? `leakyRelu(${a.slope})` : a.type;
}

/** `'adam (beta1 0.9, beta2 0.999, epsilon 1e-8)'`: the type, then every hyperparameter set. */
export function optimizerName(o: Optimizer): string {
  const hyper = Object.entries(o)
    .filter(([key, value]) => key !== 'type' && !(key === 'weightDecay' && value === 0))
    .map(([key, value]) => `${key} ${String(value)}`);
  return hyper.length === 0 ? o.type : `${o.type} (${hyper.join(', ')})`;
}

/** Left-aligned columns separated by two spaces. */
function table(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) =>
    r
      .map((cell, c) => cell.padEnd(widths[c]!))
      .join('  ')
      .trimEnd(),
  );
}

/** The multi-line text of `net.summary()`: one row per layer, then totals and training setup. */
export function summarize(n: SummaryFacts): string {
  const rows: string[][] = [['Layer', 'Shape', 'Activation', 'Params']];
  rows.push(['input', String(n.layers[0]), '', '']);
  for (let i = 0; i + 1 < n.layers.length; i++) {
    const [from, to] = [n.layers[i]!, n.layers[i + 1]!];
    rows.push([
      `dense ${i}`,
      `${from} → ${to}`,
      activationName(n.activations[i]!),
      ((from + 1) * to).toLocaleString('en-US'),
    ]);
  }
  const lines = table(rows);
  const rule = '─'.repeat(Math.max(...lines.map((l) => l.length)));
  return [
    `Network (${n.backend} backend, ${n.dtype})`,
    rule,
    lines[0]!,
    rule,
    ...lines.slice(1),
    rule,
    `Parameters: ${n.parameterCount.toLocaleString('en-US')}`,
    `Loss: ${n.lossName}`,
    `Optimizer: ${optimizerName(n.optimizer)}, learning rate ${n.learningRate}`,
    `Ordering: ${n.ordering}`,
    ...(n.dropout?.some((r) => r > 0)
      ? [`Dropout (hidden layers, training only): ${n.dropout.join(', ')}`]
      : []),
    `Epochs trained: ${n.epochsTrained}`,
  ].join('\n');
}

/** Node's `inspect` function, as passed to a `nodejs.util.inspect.custom` method. */
export type InspectFn = (value: unknown, options?: object) => string;

/**
 * What `util.inspect(net)` shows: `Network { layers: [ 2, 3, 1 ], … }`. Built with the
 * `inspect` Node passes in (so colors and depth follow the caller's options) rather than an
 * import of `node:util`, which browser bundles do not have.
 */
export function inspection(
  n: SummaryFacts | null,
  options: object | undefined,
  inspect: InspectFn | undefined,
): string {
  const shown =
    n === null
      ? { disposed: true }
      : {
          layers: [...n.layers],
          activations: n.activations.map(activationName),
          loss: n.lossName,
          optimizer: optimizerName(n.optimizer),
          learningRate: n.learningRate,
          dtype: n.dtype,
          backend: n.backend,
          parameters: n.parameterCount,
          epochsTrained: n.epochsTrained,
        };
  const body = inspect ? inspect(shown, options) : JSON.stringify(shown);
  return `Network ${body}`;
}
