import type { MetricSet } from './metric-set.js';
import { type QueueHooks, RECONCILE_OUTCOMES, type ReconcileOutcome } from './observed.js';

/**
 * The metrics of one controller (one operator): its reconciles and its work queue. Made by
 * {@link OperonMetrics.controller}, which pre-initialises every series to zero.
 */
export class ControllerMetrics {
  /** Hooks to hand to the controller's work queue as its observer (the `workqueue_*` series). */
  readonly queue: QueueHooks;
  /** Keys running now, with the time each started (for the in-progress work gauges). */
  private readonly running = new Map<string, number>();

  constructor(
    readonly name: string,
    maxConcurrentReconciles: number,
    private readonly set: MetricSet,
    private readonly now: () => number = () => performance.now(),
  ) {
    const c = { controller: name };
    const q = { name, controller: name };
    for (const result of RECONCILE_OUTCOMES) set.reconcileTotal.inc({ ...c, result }, 0);
    set.reconcileErrors.inc(c, 0);
    set.deletionsHeld.inc(c, 0);
    set.reconcileTime.zero(c);
    set.maxConcurrentReconciles.set(c, maxConcurrentReconciles);
    set.activeWorkers.set(c, 0);
    set.queueDepth.set(q, 0);
    set.queueAdds.inc(q, 0);
    set.queueRetries.inc(q, 0);
    set.queueDuration.zero(q);
    set.workDuration.zero(q);
    set.unfinishedWork.set(q, 0);
    set.longestRunning.set(q, 0);
    this.queue = {
      onAdd: () => set.queueAdds.inc(q),
      onRetry: () => set.queueRetries.inc(q),
      onDepth: (depth) => set.queueDepth.set(q, depth),
      onLatency: (waitedMs, key) => {
        this.running.set(key, this.now());
        set.queueDuration.observe(q, waitedMs / 1000);
      },
      onWorkDuration: (durationMs, key) => {
        this.running.delete(key);
        set.workDuration.observe(q, durationMs / 1000);
      },
      onActive: (active) => set.activeWorkers.set(c, active),
    };
  }

  /** Records one finished reconcile: its outcome and how long it took. */
  reconciled(outcome: ReconcileOutcome, durationSeconds: number): void {
    const c = { controller: this.name };
    this.set.reconcileTotal.inc({ ...c, result: outcome });
    if (outcome === 'error') this.set.reconcileErrors.inc(c);
    this.set.reconcileTime.observe(c, durationSeconds);
  }

  /** Counts child deletions the deletion budget held. */
  deletionsHeld(count: number): void {
    this.set.deletionsHeld.inc({ controller: this.name }, count);
  }

  /** Sets the in-progress work gauges from the reconciles running now. */
  refresh(): void {
    const now = this.now();
    let total = 0;
    let longest = 0;
    for (const started of this.running.values()) {
      const seconds = (now - started) / 1000;
      total += seconds;
      longest = Math.max(longest, seconds);
    }
    const q = { name: this.name, controller: this.name };
    this.set.unfinishedWork.set(q, total);
    this.set.longestRunning.set(q, longest);
  }
}
