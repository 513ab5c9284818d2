/**
 * The `threads` option: how many threads a network asks for, and whether this environment can
 * give it more than one (shared WebAssembly memory and workers).
 *
 * - `'auto'` (the default): the machine's available parallelism, at most {@link AUTO_MAX}.
 * - a positive integer `n` (at most {@link MAX_THREADS}): `n` threads, the calling one included;
 *   `1` is the single-thread core with no pool (no worker is ever started).
 *
 * More than one thread needs `SharedArrayBuffer` and shared `WebAssembly.Memory`: always there in
 * Node ≥ 20; in browsers only on cross-origin-isolated pages (COOP `same-origin` + COEP
 * `require-corp` or `credentialless`). Elsewhere the network runs on one thread, and the reason
 * is reported in `net.threads.reason`: never a silent fallback.
 * @module
 */
import { OptionError } from '../../errors.js';
import { nodeBuiltin } from '../../node-builtin.js';

/** What `threads` accepts. */
export type ThreadsOption = 'auto' | number;

/** The threads a network runs on, and why fewer than asked when it is. */
export interface ThreadInfo {
  /** The `threads` option as given (`'auto'` by default). */
  readonly requested: ThreadsOption;
  /** Threads the network's products and updates actually use (the calling thread included). */
  readonly count: number;
  /** Why `count` is lower than requested (or than `'auto'` would give); absent when it is not. */
  readonly reason?: string;
}

/** The pool's limit (crates/mlp-core/src/parallel/pool.rs MAX_THREADS). */
export const MAX_THREADS = 64;

/**
 * `'auto'` uses at most this many threads. Beyond it the products of MLP-sized layers (≤ 1024
 * wide, batches ≤ 256) split into tasks too small to pay for their wake-up and re-packing, and
 * a service usually runs other work on the remaining cores.
 */
export const AUTO_MAX = 8;

/** Throws {@link OptionError} unless `value` is `'auto'` or an integer in 1..{@link MAX_THREADS}. */
export function checkThreads(value: unknown): ThreadsOption {
  if (value === 'auto') return value;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= MAX_THREADS) {
    return value;
  }
  const shown = typeof value === 'string' ? JSON.stringify(value) : String(value);
  throw new OptionError(
    `threads must be 'auto' or an integer from 1 to ${MAX_THREADS}, got ${shown}`,
  );
}

function isNode(): boolean {
  return typeof process !== 'undefined' && typeof process.versions?.node === 'string';
}

/** The machine's available parallelism (1 if unknown). */
export async function availableParallelism(): Promise<number> {
  if (isNode()) {
    const os = await nodeBuiltin<typeof import('node:os')>('node:os');
    return os.availableParallelism?.() ?? os.cpus().length ?? 1;
  }
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  if (typeof nav?.hardwareConcurrency === 'number' && nav.hardwareConcurrency >= 1) {
    return nav.hardwareConcurrency;
  }
  return 1;
}

/**
 * Why this environment cannot run threads, or `undefined` when it can: shared memory and
 * workers available.
 */
export function threadsUnavailableReason(): string | undefined {
  if (typeof SharedArrayBuffer !== 'function') {
    return isNode()
      ? 'this runtime has no SharedArrayBuffer'
      : 'SharedArrayBuffer is unavailable because the page is not cross-origin isolated: serve ' +
          'it with the headers Cross-Origin-Opener-Policy: same-origin and ' +
          'Cross-Origin-Embedder-Policy: require-corp (see the README, "Threads")';
  }
  const g = globalThis as { crossOriginIsolated?: boolean; Worker?: unknown };
  if (!isNode()) {
    if (g.crossOriginIsolated === false) {
      return (
        'the page is not cross-origin isolated, so WebAssembly memory cannot be shared: serve ' +
        'it with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: ' +
        'require-corp (see the README, "Threads")'
      );
    }
    if (typeof g.Worker !== 'function') return 'this context cannot start Web Workers';
  }
  return undefined;
}

/** The thread count `requested` resolves to before the environment is considered. */
export async function wantedThreads(requested: ThreadsOption): Promise<number> {
  return requested === 'auto' ? Math.min(await availableParallelism(), AUTO_MAX) : requested;
}
