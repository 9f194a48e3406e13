import {
  type ReconcileContext,
  type ReconcileHandler,
  type ReconcileResult,
  WorkQueue,
  type WorkQueueOptions,
} from '../../../src/runtime/queue/index.js';

export interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets queued microtasks and promise chains settle (setImmediate is never mocked by these tests). */
export async function flush(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i += 1) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Real-time wait, for the few tests that need real timers. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `condition` on real time until it holds, failing after `timeoutMs`. */
export async function waitUntil(condition: () => boolean, timeoutMs = 1000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(1);
  }
}

export interface Run {
  readonly key: string;
  readonly context: ReconcileContext;
  readonly done: Deferred<ReconcileResult>;
}

/**
 * A handler whose runs the test finishes by hand. It records every run, and every violation of
 * "two runs of one key never overlap" and of the concurrency bound it is told about.
 */
export class ScriptedHandler {
  readonly runs: Run[] = [];
  readonly overlaps: string[] = [];
  maxActive = 0;
  private readonly running = new Set<string>();

  readonly handle = (key: string, context: ReconcileContext): Promise<ReconcileResult> => {
    if (this.running.has(key)) this.overlaps.push(key);
    this.running.add(key);
    this.maxActive = Math.max(this.maxActive, this.running.size);
    const done = deferred<ReconcileResult>();
    this.runs.push({ key, context, done });
    return done.promise.finally(() => this.running.delete(key));
  };

  get keys(): string[] {
    return this.runs.map((run) => run.key);
  }

  /** Resolves every run still going (finishing a run twice is harmless). */
  settleAll(): void {
    for (const run of this.runs) run.done.resolve();
  }

  /** The latest run of `key`. */
  last(key: string): Run {
    const run = [...this.runs].reverse().find((r) => r.key === key);
    if (run === undefined) throw new Error(`no run of ${key}`);
    return run;
  }
}

/**
 * Shuts `queue` down and finishes whatever `handler` still runs. Tests with mocked timers need this:
 * a shutdown timeout would never fire there, so they must not rely on it.
 */
export async function stop(queue: WorkQueue, handler: ScriptedHandler): Promise<void> {
  const result = queue.shutdown(1000);
  handler.settleAll();
  const { drained } = await result;
  if (!drained) throw new Error('queue did not drain');
}

const live = new Set<WorkQueue>();

/** `new WorkQueue(...)`, remembered so {@link stopAllQueues} can clean up after a failed assertion. */
export function createQueue(handler: ReconcileHandler, options: WorkQueueOptions): WorkQueue {
  const queue = new WorkQueue(handler, options);
  live.add(queue);
  return queue;
}

/**
 * For `afterEach`: stops every queue a test made, so a retry timer left by a failing test cannot
 * keep the test process alive. Runs the test left hanging are not waited for.
 */
export function stopAllQueues(): void {
  for (const queue of live) void queue.shutdown(0);
  live.clear();
}
