/**
 * One instantiated core: the only module that holds the WebAssembly instance. It owns
 * - the typed network exports of each dtype (abi.ts),
 * - the views on linear memory, re-created whenever `memory.buffer` changed (memory growth
 *   detaches the old `ArrayBuffer`): every helper below fetches a fresh view, so no caller
 *   ever holds a view across a call that can grow memory,
 * - copy-in / copy-out helpers and the scratch allocator (`mlp_alloc` / `mlp_free`).
 * @module
 */
import { OutOfMemoryError, WasmMlpError } from '../../errors.js';
import type { Dtype } from '../../types.js';
import type { Real } from '../backend.js';
import {
  MEMORY_EXPORTS,
  POOL_EXPORTS,
  netExports,
  requiredExports,
  type NetExports,
  type Ptr,
} from './abi.js';
import { WorkerPool } from './pool.js';
import { wantedThreads, type ThreadInfo, type ThreadsOption } from './threads.js';

type AnyFn = (...args: number[]) => number;

/** Bytes per element of a dtype. */
const sizeOf = (dtype: Dtype): number => (dtype === 'f64' ? 8 : 4);

/** One instantiated core: exports, memory views and copy helpers. */
export class WasmCore {
  /** The compiled module. */
  readonly module: WebAssembly.Module;
  /** The instance shared by every network created from the same source. */
  readonly instance: WebAssembly.Instance;
  /** The instance's linear memory. */
  readonly memory: WebAssembly.Memory;
  /** Network exports of the f32 core. */
  readonly f32: NetExports;
  /** Network exports of the f64 core. */
  readonly f64: NetExports;
  readonly #alloc: AnyFn;
  readonly #free: AnyFn;
  readonly #liveBytes: AnyFn | undefined;
  #buffer: ArrayBuffer | null = null;
  #f32 = new Float32Array(0);
  #f64 = new Float64Array(0);
  #refreshes = 0;
  #pool: WorkerPool | null = null;
  /** Why this core runs on one thread whatever is asked (set by the loader). */
  singleThreadReason: string | undefined;

  /** Wraps an instance; throws {@link WasmMlpError} listing any missing ABI export. */
  constructor(module: WebAssembly.Module, instance: WebAssembly.Instance) {
    const ex = instance.exports;
    const missing = requiredExports().filter((name) => !(name in ex));
    if (missing.length > 0) {
      throw new WasmMlpError(
        `the WebAssembly module does not export the wasm-mlp ABI: missing ${missing.join(', ')}`,
      );
    }
    this.module = module;
    this.instance = instance;
    this.memory = ex[MEMORY_EXPORTS.memory] as WebAssembly.Memory;
    this.#alloc = ex[MEMORY_EXPORTS.alloc] as AnyFn;
    this.#free = ex[MEMORY_EXPORTS.free] as AnyFn;
    this.#liveBytes = ex[MEMORY_EXPORTS.liveBytes] as AnyFn | undefined;
    this.f32 = netExports(ex, 'f32');
    this.f64 = netExports(ex, 'f64');
  }

  /** Whether this is the shared-memory build, which can run pool workers. */
  get threaded(): boolean {
    return this.poolCall('supported') === 1;
  }

  /** Calls a pool export (crates/mlp-core/src/ffi/pool.rs). */
  poolCall(name: Exclude<keyof typeof POOL_EXPORTS, 'workerRun'>): number {
    return (this.instance.exports[POOL_EXPORTS[name]] as AnyFn)() >>> 0;
  }

  /** The module's thread-local block (size 0: none; only the shared-memory build may have one). */
  tlsLayout(): { size: number; align: number } {
    const ex = this.instance.exports;
    const value = (name: string) =>
      ex[name] instanceof WebAssembly.Global ? Number((ex[name] as WebAssembly.Global).value) : 0;
    return { size: value('__tls_size'), align: Math.max(1, value('__tls_align')) };
  }

  /** The pool of this core's worker threads (created on first use; starts no worker itself). */
  get pool(): WorkerPool {
    this.#pool ??= new WorkerPool(this);
    return this.#pool;
  }

  /**
   * The threads a network asking for `requested` gets on this core: starts pool workers as
   * needed (the first network asking for `n` threads waits for them), and says why it is fewer
   * than asked when it is.
   */
  async threadsFor(requested: ThreadsOption): Promise<ThreadInfo> {
    const wanted = await wantedThreads(requested);
    if (wanted <= 1) return { requested, count: 1 };
    if (!this.threaded) {
      return {
        requested,
        count: 1,
        reason:
          this.singleThreadReason ??
          'the WebAssembly core given in the `wasm` option is the single-thread build ' +
            '(wasm_mlp_threads.wasm is the shared-memory one)',
      };
    }
    await this.pool.grow(wanted - 1);
    const count = 1 + Math.min(wanted - 1, this.pool.alive);
    if (count >= wanted) return { requested, count };
    return { requested, count, reason: this.pool.problem ?? 'pool workers could not be started' };
  }

  /** The network exports of a dtype. */
  exports(dtype: Dtype): NetExports {
    return dtype === 'f64' ? this.f64 : this.f32;
  }

  /**
   * How many times the memory views were re-created because `memory.buffer` changed (the
   * first creation counts). Exposed for tests of memory growth.
   */
  get viewRefreshes(): number {
    return this.#refreshes;
  }

  /** Re-creates the views if memory grew since they were made. */
  #views(): void {
    const buffer = this.memory.buffer;
    if (buffer !== this.#buffer || buffer.byteLength !== this.#f64.byteLength) {
      this.#buffer = buffer;
      this.#f32 = new Float32Array(buffer);
      this.#f64 = new Float64Array(buffer);
      this.#refreshes++;
    }
  }

  /** A fresh view of the whole memory with the dtype's element type. Do not keep it across calls. */
  heap(dtype: Dtype): Real {
    this.#views();
    return dtype === 'f64' ? this.#f64 : this.#f32;
  }

  /**
   * Bytes currently allocated inside the core (the optional diagnostic export
   * `mlp_live_bytes`), or `null` if the module does not export it. Used by leak tests.
   */
  liveBytes(): number | null {
    return this.#liveBytes ? this.#liveBytes() >>> 0 : null;
  }

  /** Current size of linear memory in bytes. */
  get byteLength(): number {
    return this.memory.buffer.byteLength;
  }

  static #index(ptr: Ptr, size: number): number {
    if (ptr % size !== 0) throw new WasmMlpError(`pointer ${ptr} is not aligned to ${size} bytes`);
    return ptr / size;
  }

  /** `mlp_alloc(bytes, align)`; throws {@link OutOfMemoryError} when it returns 0. May grow memory. */
  alloc(bytes: number, align = 8): Ptr {
    const ptr = this.#alloc(bytes, align) >>> 0;
    if (ptr === 0 && bytes > 0) {
      throw new OutOfMemoryError(`out of WebAssembly memory allocating ${bytes} bytes`);
    }
    return ptr;
  }

  /** `mlp_free(ptr, bytes, align)`. */
  free(ptr: Ptr, bytes: number, align = 8): void {
    this.#free(ptr, bytes, align);
  }

  /** Copies `src` into memory at `ptr` as the dtype's elements (rounding to f32 if needed). */
  write(dtype: Dtype, ptr: Ptr, src: ArrayLike<number>): void {
    this.heap(dtype).set(src, WasmCore.#index(ptr, sizeOf(dtype)));
  }

  /** A view of `len` elements of the dtype at `ptr` (no copy; invalid once memory grows). */
  view(dtype: Dtype, ptr: Ptr, len: number): Real {
    const start = WasmCore.#index(ptr, sizeOf(dtype));
    return this.heap(dtype).subarray(start, start + len);
  }

  /** Copies `len` elements of the dtype at `ptr` out of memory. */
  read(dtype: Dtype, ptr: Ptr, len: number): Real {
    return this.view(dtype, ptr, len).slice();
  }

  /**
   * Allocates room for `values.length` elements of the dtype (at least one), copies `values`
   * in and returns the pointer. Pair with {@link freeArray}.
   */
  allocArray(dtype: Dtype, values: ArrayLike<number>): Ptr {
    const size = sizeOf(dtype);
    const ptr = this.alloc(Math.max(1, values.length) * size, size);
    this.write(dtype, ptr, values);
    return ptr;
  }

  /** Frees an array allocated by {@link allocArray}. */
  freeArray(dtype: Dtype, ptr: Ptr, length: number): void {
    const size = sizeOf(dtype);
    this.free(ptr, Math.max(1, length) * size, size);
  }
}
