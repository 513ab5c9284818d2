/**
 * Giving the event loop a turn during long computations, so that `fit()` does not freeze a
 * Node server or a browser tab. A macrotask is used (not a microtask, which would run before
 * any I/O or rendering): `setImmediate` in Node, a `MessageChannel` message in browsers and
 * workers (not clamped to 4 ms like nested `setTimeout`), `setTimeout(0)` as a last resort.
 * @module
 */

type Scheduler = (resume: () => void) => void;

function makeScheduler(): Scheduler {
  const g = globalThis as { setImmediate?: (fn: () => void) => unknown };
  if (typeof g.setImmediate === 'function') return (resume) => g.setImmediate!(resume);
  if (typeof MessageChannel === 'function') {
    const channel = new MessageChannel();
    const queue: (() => void)[] = [];
    channel.port1.onmessage = () => queue.shift()?.();
    // Node's MessagePort would keep the process alive; browsers have no unref.
    (channel.port1 as { unref?: () => void }).unref?.();
    return (resume) => {
      queue.push(resume);
      channel.port2.postMessage(null);
    };
  }
  return (resume) => setTimeout(resume, 0);
}

let scheduler: Scheduler | null = null;

/** Resolves after one macrotask turn of the event loop. */
export function nextMacrotask(): Promise<void> {
  scheduler ??= makeScheduler();
  const schedule = scheduler;
  return new Promise((resolve) => schedule(resolve));
}

/** Yields to the event loop whenever more than `budgetMs` passed since the last yield. */
export class YieldBudget {
  #last = performance.now();
  constructor(readonly budgetMs: number) {}

  /** Yields if the budget is spent (then restarts it); otherwise returns at once. */
  async maybeYield(): Promise<void> {
    if (performance.now() - this.#last < this.budgetMs) return;
    await nextMacrotask();
    this.#last = performance.now();
  }
}
