/** Options of {@link DeadlineSignal}. */
export interface DeadlineOptions {
  readonly timeoutMs: number;
  /** The abort reason at the deadline. */
  readonly reason: () => unknown;
  /**
   * Whether the pending deadline keeps the process alive. Default false: a request's timeout must
   * not hold a process that has nothing else to do; a reconcile pass's deadline must, or a process
   * with nothing but a hung pass would exit instead of failing it.
   */
  readonly keepsProcessAlive?: boolean;
}

/**
 * A signal that fires at a deadline or when any of its sources fires, whichever is first; `dispose`
 * releases the timer and the sources. For one API request (bounded by its timeout, following the
 * caller's signal and the client's write refusal) and one reconcile pass (its deadline, following
 * the work queue's shutdown).
 *
 * @remarks
 * Hand-made rather than `AbortSignal.any([AbortSignal.timeout(ms), ...])`. Those two cost about 3 %
 * of an operator's CPU when every request built them (profiled under the benchmark). A timeout
 * signal cannot be cleared either: every finished request or pass would leave a timer pending for
 * the rest of its deadline (thousands, under load), while a cleared timer costs next to nothing. It
 * follows its sources through listeners that `dispose` removes, not `AbortSignal.any`: in Node 20
 * each `any` leaves a weak reference in every source that only a full garbage collection clears,
 * and the sources here live as long as the client or the queue (for passes that cost about 11 µs
 * of CPU each, and 200 000 of them piled up 450 MiB of heap between full collections, measured).
 * A long-lived source gets one listener per signal in flight, so its owner lifts the listener limit.
 */
export class DeadlineSignal {
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private readonly sources: AbortSignal[] = [];
  private readonly onAbort = (event: Event) => this.controller.abort((event.target as AbortSignal).reason);
  /** True once the deadline, not a source, fired the signal. */
  timedOut = false;

  constructor(options: DeadlineOptions, ...sources: (AbortSignal | undefined)[]) {
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.controller.abort(options.reason());
    }, options.timeoutMs);
    if (!options.keepsProcessAlive) this.timer.unref();
    for (const source of sources) {
      if (!source) continue;
      if (source.aborted) {
        this.controller.abort(source.reason);
        break;
      }
      source.addEventListener('abort', this.onAbort, { once: true });
      this.sources.push(source);
    }
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  dispose(): void {
    clearTimeout(this.timer);
    for (const source of this.sources) source.removeEventListener('abort', this.onAbort);
  }
}
