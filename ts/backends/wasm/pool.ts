/**
 * The pool of worker threads of one shared-memory core: started once, grown on demand, shared
 * by every network on the core, never keeping a finished Node script alive (`unref`).
 *
 * Each worker is a Node `worker_threads` worker or a Web Worker running
 * {@link POOL_WORKER_SOURCE}: it instantiates the core's module on the same shared memory, with
 * its own shadow stack (and TLS block) allocated here, and parks in `mlp_pool_worker_run`. The
 * Rust side (crates/mlp-core/src/parallel/pool.rs) hands it tasks; nothing passes through
 * JavaScript while a network computes.
 *
 * Faults: a worker that fails to start (instantiation error, script blocked, no answer within
 * {@link START_TIMEOUT_MS}) is not counted and the reason is kept; a worker that dies later
 * (exit, error, or a trap reported by its script) is no longer counted either. Fewer workers
 * never change results (tasks are claimed dynamically and computed identically by any thread);
 * a worker that dies *during* a product makes that call fail with a `WorkerError` (the core
 * stops waiting for it) and the core runs on one thread from then on.
 * @module
 */
import { nodeBuiltin } from '../../node-builtin.js';
import type { WasmCore } from './core.js';
import { POOL_WORKER_SOURCE } from './pool-worker-source.js';

/** Shadow stack per worker. A task's frames are small (the GEMM's packing buffers live on the
 * heap); 256 KiB leaves a wide margin and costs 2 MiB for 8 workers. */
export const WORKER_STACK_BYTES = 256 * 1024;

/** A worker that has not said `ready` (or `failed`) by then is given up on. */
export const START_TIMEOUT_MS = 15_000;

/** What the pool needs of a Node or Web worker. */
interface WorkerHandle {
  terminate(): unknown;
  /** Node: stop keeping the event loop alive (after the listeners are added: they ref it). */
  unref?(): void;
}

interface PoolWorker {
  readonly slot: number;
  readonly handle: WorkerHandle;
  alive: boolean;
}

type Message = { type: 'ready' | 'stopped' | 'failed'; slot: number; message?: string };

function isNode(): boolean {
  return typeof process !== 'undefined' && typeof process.versions?.node === 'string';
}

/** The worker threads of one shared-memory core. */
export class WorkerPool {
  readonly #core: WasmCore;
  readonly #workers: PoolWorker[] = [];
  #problem: string | undefined;
  #growing: Promise<void> = Promise.resolve();
  #blobUrl: string | undefined;

  constructor(core: WasmCore) {
    this.#core = core;
  }

  /** Workers started and still alive. */
  get alive(): number {
    return this.#core.poolCall('failures') > 0 ? 0 : this.#workers.filter((w) => w.alive).length;
  }

  /** Why the pool has fewer workers than asked for, if something went wrong. */
  get problem(): string | undefined {
    if (this.#core.poolCall('failures') > 0) {
      return (
        this.#problem ??
        'a pool worker died during a computation, so this core now runs on one thread'
      );
    }
    return this.#problem;
  }

  /** Starts workers until `count` are alive (each failure is recorded, not thrown). */
  grow(count: number): Promise<void> {
    this.#growing = this.#growing.then(async () => {
      const wanted = count - this.#workers.filter((w) => w.alive).length;
      if (wanted <= 0 || this.#problem !== undefined) return;
      const slots: number[] = [];
      let slot = this.#workers.reduce((max, w) => Math.max(max, w.slot), 0);
      for (let i = 0; i < wanted; i++) slots.push(++slot);
      await Promise.all(slots.map((s) => this.#start(s)));
    });
    return this.#growing;
  }

  /** The worker objects, for tests that inject faults (terminate one). */
  get handles(): readonly WorkerHandle[] {
    return this.#workers.filter((w) => w.alive).map((w) => w.handle);
  }

  /** Stops every worker (they leave the core's loop, then are terminated). */
  async shutdown(): Promise<void> {
    await this.#growing;
    this.#core.poolCall('shutdown');
    await Promise.all(this.#workers.map((w) => w.handle.terminate()));
    for (const w of this.#workers) w.alive = false;
    if (this.#blobUrl) URL.revokeObjectURL(this.#blobUrl);
  }

  #fail(reason: string): void {
    this.#problem ??= reason;
  }

  async #start(slot: number): Promise<void> {
    const core = this.#core;
    const stack = core.alloc(WORKER_STACK_BYTES, 16);
    const tls = core.tlsLayout();
    const tlsBase = tls.size > 0 ? core.alloc(tls.size, tls.align) : 0;
    const data = {
      module: core.module,
      memory: core.memory,
      slot,
      stackTop: stack + WORKER_STACK_BYTES,
      tlsBase,
    };
    const release = () => {
      core.free(stack, WORKER_STACK_BYTES, 16);
      if (tlsBase !== 0) core.free(tlsBase, tls.size, tls.align);
    };
    let handle: WorkerHandle;
    let settle!: (m: Message) => void;
    const first = new Promise<Message>((resolve) => (settle = resolve));
    const worker: PoolWorker = { slot, handle: { terminate: () => undefined }, alive: false };
    const onMessage = (m: Message) => {
      if (m.type === 'ready') settle(m);
      else {
        if (worker.alive) this.#fail(`pool worker ${slot} stopped: ${m.message ?? m.type}`);
        worker.alive = false;
        settle(m);
      }
    };
    const onGone = (what: string) => {
      if (worker.alive) this.#fail(`pool worker ${slot} ${what}`);
      worker.alive = false;
      settle({ type: 'failed', slot, message: what });
    };
    try {
      handle = await this.#spawn(data, onMessage, onGone);
    } catch (error) {
      release();
      this.#fail(`could not start a pool worker: ${(error as Error).message}`);
      return;
    }
    (worker as { handle: WorkerHandle }).handle = handle;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<Message>((resolve) => {
      timer = setTimeout(
        () => resolve({ type: 'failed', slot, message: `no answer within ${START_TIMEOUT_MS} ms` }),
        START_TIMEOUT_MS,
      );
      (timer as { unref?: () => void }).unref?.();
    });
    const answer = await Promise.race([first, timeout]);
    clearTimeout(timer);
    // From now on the worker must not keep a finished Node script alive.
    handle.unref?.();
    if (answer.type === 'ready') {
      worker.alive = true;
      this.#workers.push(worker);
    } else {
      void handle.terminate();
      // Never entered the core's loop: its stack is unused.
      release();
      this.#fail(`pool worker ${slot} could not start: ${answer.message ?? answer.type}`);
    }
  }

  async #spawn(
    data: object,
    onMessage: (m: Message) => void,
    onGone: (what: string) => void,
  ): Promise<WorkerHandle> {
    if (isNode()) {
      const { Worker } =
        await nodeBuiltin<typeof import('node:worker_threads')>('node:worker_threads');
      // Kept alive (ref'd) until it answers, so the process waits for the start-up; unref'd
      // afterwards by #start (adding listeners refs a worker again, so unref comes last).
      const worker = new Worker(POOL_WORKER_SOURCE, { eval: true, workerData: data });
      worker.on('message', onMessage);
      worker.on('error', (e: Error) => onGone(`failed: ${e.message}`));
      worker.on('exit', (code: number) => onGone(`exited (code ${code})`));
      return worker;
    }
    this.#blobUrl ??= URL.createObjectURL(
      new Blob([POOL_WORKER_SOURCE], { type: 'text/javascript' }),
    );
    const worker = new Worker(this.#blobUrl, { name: 'wasm-mlp pool' });
    worker.onmessage = (e: MessageEvent<Message>) => onMessage(e.data);
    worker.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      // A script that never ran (the page's Content-Security-Policy refusing blob: workers)
      // gives an error event with no message.
      onGone(
        e.message
          ? `failed: ${e.message}`
          : "failed to load its script (a Content-Security-Policy without worker-src 'self' " +
              'blob: blocks the pool, whose workers start from a Blob URL)',
      );
    };
    worker.postMessage(data);
    return worker;
  }
}
