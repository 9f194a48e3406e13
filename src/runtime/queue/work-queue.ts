import { setMaxListeners } from 'node:events';
import { KeyedBackoff } from '../backoff/index.js';
import { DelayedKeys } from './delayed-keys.js';
import { Fifo } from './fifo.js';
import type { QueueObserver } from './queue-observer.js';
import { TokenBucket } from './token-bucket.js';
import {
  type ResolvedWorkQueueOptions,
  resolveWorkQueueOptions,
  WORK_QUEUE_DEFAULTS,
  type WorkQueueOptions,
} from './work-queue-options.js';

/**
 * What a handler tells the queue after a successful run: nothing ("done until something changes"),
 * or `requeueAfterMs` to run the key once more after that many ms.
 */
// biome-ignore lint/suspicious/noConfusingVoidType: void lets `async (key) => {}` be a handler.
export type ReconcileResult = void | { readonly requeueAfterMs?: number };

/** What a handler gets besides its key. */
export interface ReconcileContext {
  /**
   * Aborted when the queue stops waiting for this run: its {@link WorkQueue.shutdown} timed out.
   * Pass it to API calls so a run that outlives shutdown stops promptly.
   */
  readonly signal: AbortSignal;
}

/** Processes one key. Resolving means success; rejecting or throwing means "retry with backoff". */
export type ReconcileHandler = (
  key: string,
  context: ReconcileContext,
) => ReconcileResult | Promise<ReconcileResult>;

/** How {@link WorkQueue.shutdown} ended: `drained` is false if some run was still going at the timeout. */
export interface ShutdownResult {
  readonly drained: boolean;
}

type Outcome =
  | { readonly ok: true; readonly result: ReconcileResult }
  | { readonly ok: false; readonly error: unknown };

type State = 'created' | 'started' | 'stopped';

/**
 * Runs reconciles for one operator, one object at a time per key, up to `concurrency` keys at once.
 *
 * @remarks
 * Guarantees:
 * - Adding a key that is already waiting does nothing; adding a key that is being processed marks it
 *   dirty, and it runs once more right after the current run finishes. Two runs of the same key never
 *   overlap.
 * - At most `concurrency` handlers run at once. Ready keys start in the order they became ready.
 * - A run that resolves clears the key's failures; if it returned `requeueAfterMs`, the key runs again
 *   after that delay. A run that rejects or throws is retried after the larger of the key's own
 *   backoff (`baseDelayMs` doubling per consecutive failure up to `maxDelayMs`, with jitter) and the
 *   queue-wide rate limit (`qps`/`burst`). A failing key delays other keys only through that shared
 *   rate limit. Handler errors never become unhandled rejections.
 * - Each key has at most one pending timer, the soonest: {@link WorkQueue.addAfter} never postpones a
 *   key, and {@link WorkQueue.add} makes it ready now, dropping its timer. A key already waiting to
 *   run ignores `addAfter`, since its coming run decides what happens next.
 * - Keys added before {@link WorkQueue.start} wait for it. After {@link WorkQueue.shutdown} the queue
 *   takes no work and starts no run, and holds no timer that could keep the process alive.
 *
 * The queue does not log: the handler owns its errors, and the observer sees every retry.
 *
 * @example
 * ```ts
 * const queue = new WorkQueue(async (key) => reconcile(key), { name: 'echo-server', concurrency: 4 });
 * queue.start();
 * informer.on('change', (obj) => queue.add(keyOf(obj)));
 * process.once('SIGTERM', async () => { await queue.shutdown(10_000); });
 * ```
 */
export class WorkQueue {
  private readonly options: ResolvedWorkQueueOptions;
  private readonly ready = new Fifo<string>();
  /** Keys that must run (again), with the time each became pending; a superset of `ready`. */
  private readonly pending = new Map<string, number>();
  private readonly running = new Set<string>();
  private readonly backoff: KeyedBackoff;
  private readonly bucket: TokenBucket;
  private readonly timers: DelayedKeys;
  /** The signal runs get; replaced (never un-aborted) by {@link WorkQueue.cancelRunning}. */
  private abort = runSignal();
  private readonly idleWaiters = new Set<() => void>();
  private readonly brokenHooks = new Set<keyof QueueObserver>();
  private state: State = 'created';
  private pumpScheduled = false;

  /**
   * @param handler - called with one key at a time per key; see {@link ReconcileHandler}.
   * @throws ConfigError when an option is out of range, listing every such option.
   */
  constructor(
    private readonly handler: ReconcileHandler,
    options: WorkQueueOptions,
  ) {
    this.options = resolveWorkQueueOptions(options);
    const { baseDelayMs, maxDelayMs, jitter, random, qps, burst, now } = this.options;
    this.backoff = new KeyedBackoff({ initialMs: baseDelayMs, maxMs: maxDelayMs, jitter }, random);
    this.bucket = new TokenBucket(qps, burst, now);
    this.timers = new DelayedKeys((key) => this.add(key), now);
  }

  /**
   * Fires the signal of every run, now and for every run that starts later, without stopping the
   * queue: for when the work itself must end at once (the leader Lease was lost), before
   * {@link WorkQueue.shutdown} drains.
   */
  abortInFlight(reason: unknown): void {
    this.abort.abort(reason);
  }

  /**
   * Fires the signal of every run now, but not of the runs that start later: for when the work in
   * flight must end at once and may resume (a sharded replica fenced until it rejoins). After
   * {@link WorkQueue.abortInFlight} or a shutdown timeout, later runs stay aborted.
   */
  cancelRunning(reason: unknown): void {
    const current = this.abort;
    if (current.signal.aborted) return;
    this.abort = runSignal();
    current.abort(reason);
  }

  /** Most handlers that run at once. */
  get concurrency(): number {
    return this.options.concurrency;
  }

  /** Keys ready to run: not running and not waiting on a timer. */
  get depth(): number {
    return this.ready.size;
  }

  /** Handlers running now. */
  get active(): number {
    return this.running.size;
  }

  /** Keys waiting on a timer (a retry or a requested requeue). */
  get delayed(): number {
    return this.timers.size;
  }

  /** Consecutive failed runs of `key` since its last success or {@link WorkQueue.forget}. */
  failures(key: string): number {
    return this.backoff.failures(key);
  }

  /** Makes `key` ready now, once however often it is added. Ignored after shutdown. */
  add(key: string): void {
    if (this.state === 'stopped') return;
    this.timers.cancel(key);
    if (this.pending.has(key)) return;
    this.pending.set(key, this.options.now());
    this.emit('onAdd', key);
    // A running key is queued again when its run ends, so runs of one key never overlap.
    if (!this.running.has(key)) this.enqueue(key);
  }

  /**
   * Makes `key` ready after `delayMs`, unless it is due sooner already. A delay that is not
   * positive (or NaN) means now. Ignored after shutdown.
   */
  addAfter(key: string, delayMs: number): void {
    if (this.state === 'stopped') return;
    if (!(delayMs > 0)) {
      this.add(key);
      return;
    }
    if (this.pending.has(key)) return;
    this.timers.schedule(key, delayMs);
  }

  /** Resets `key`'s failures, so its next failure backs off from `baseDelayMs` again. */
  forget(key: string): void {
    this.backoff.forget(key);
  }

  /** Starts running keys, including those added before. Calling it again, or after shutdown, does nothing. */
  start(): void {
    if (this.state !== 'created') return;
    this.state = 'started';
    this.schedulePump();
  }

  /**
   * Stops the queue: drops waiting keys and timers, starts no more runs, and waits for running
   * handlers to finish.
   *
   * @param timeoutMs - how long to wait for running handlers (default 30 s; `Infinity` waits for
   * ever). At the timeout their {@link ReconcileContext.signal} is aborted and the promise resolves
   * with `drained: false`; those runs may still be going.
   * @returns `drained: true` once no handler is running. Safe to call more than once; do not await
   * it inside a handler, which would wait for itself until the timeout.
   */
  async shutdown(timeoutMs: number = WORK_QUEUE_DEFAULTS.shutdownTimeoutMs): Promise<ShutdownResult> {
    if (this.state !== 'stopped') {
      this.state = 'stopped';
      this.timers.clear();
      this.pending.clear();
      if (this.ready.size > 0) {
        this.ready.clear();
        this.emit('onDepth', 0);
      }
    }
    if (this.running.size === 0) return { drained: true };
    return new Promise<ShutdownResult>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const onIdle = (): void => {
        clearTimeout(timer);
        resolve({ drained: true });
      };
      this.idleWaiters.add(onIdle);
      // Past the 32-bit limit setTimeout would fire at once, so such a timeout means "wait for ever".
      if (timeoutMs < 2 ** 31) {
        timer = setTimeout(() => {
          this.idleWaiters.delete(onIdle);
          this.abort.abort(
            new DOMException(
              `work queue "${this.options.name}" shut down and stopped waiting for this run after ${timeoutMs} ms`,
              'AbortError',
            ),
          );
          resolve({ drained: false });
        }, timeoutMs);
      }
    });
  }

  private enqueue(key: string): void {
    this.ready.push(key);
    this.emit('onDepth', this.ready.size);
    this.schedulePump();
  }

  /** Batches the adds of one tick, and keeps handlers from running inside the caller of add(). */
  private schedulePump(): void {
    if (this.pumpScheduled || this.state !== 'started') return;
    this.pumpScheduled = true;
    queueMicrotask(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    const before = this.ready.size;
    while (this.state === 'started' && this.running.size < this.options.concurrency) {
      const key = this.ready.shift();
      if (key === undefined) break;
      const since = this.pending.get(key) ?? this.options.now();
      this.pending.delete(key);
      this.running.add(key);
      this.emit('onActive', this.running.size);
      this.emit('onLatency', this.options.now() - since, key);
      void this.run(key);
    }
    if (this.ready.size !== before) this.emit('onDepth', this.ready.size);
  }

  private async run(key: string): Promise<void> {
    const handler = this.handler;
    const startedAt = this.options.now();
    let outcome: Outcome;
    try {
      outcome = { ok: true, result: await handler(key, { signal: this.abort.signal }) };
    } catch (error) {
      outcome = { ok: false, error };
    }
    this.finish(key, startedAt, outcome);
  }

  private finish(key: string, startedAt: number, outcome: Outcome): void {
    this.running.delete(key);
    this.emit('onWorkDuration', this.options.now() - startedAt, key);
    this.emit('onActive', this.running.size);
    if (this.state === 'stopped') {
      if (this.running.size === 0) {
        for (const onIdle of this.idleWaiters) onIdle();
        this.idleWaiters.clear();
      }
      return;
    }
    if (outcome.ok) {
      this.backoff.forget(key);
      const requeueAfterMs = outcome.result?.requeueAfterMs;
      if (typeof requeueAfterMs === 'number') this.addAfter(key, requeueAfterMs);
    } else {
      const backoffMs = this.backoff.next(key);
      // Re-added during the run: it runs again now anyway, so it takes no token from the shared bucket.
      const delayMs = this.pending.has(key) ? 0 : Math.max(backoffMs, this.bucket.reserve());
      this.emit('onRetry', key, delayMs, outcome.error);
      this.addAfter(key, delayMs);
    }
    if (this.pending.has(key)) this.enqueue(key);
    else this.schedulePump();
  }

  /** Calls an observer hook; a throwing hook is reported once as a process warning, never rethrown. */
  private emit<K extends keyof QueueObserver>(
    hook: K,
    ...args: Parameters<NonNullable<QueueObserver[K]>>
  ): void {
    const observer = this.options.observer;
    const fn = observer?.[hook];
    if (fn === undefined) return;
    try {
      Reflect.apply(fn, observer, args);
    } catch (error) {
      if (this.brokenHooks.has(hook)) return;
      this.brokenHooks.add(hook);
      process.emitWarning(
        `work queue "${this.options.name}": observer.${hook} threw (${String(error)}); the queue ignores it and will not report it again. Fix the metrics hook.`,
        { code: 'OPERON_QUEUE_OBSERVER' },
      );
    }
  }
}

// The controller of the signal every run gets. Each run in flight listens to it (its pass signal
// follows it), so more runs than Node's default of 10 listeners at once are normal, not a leak.
function runSignal(): AbortController {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  return controller;
}
