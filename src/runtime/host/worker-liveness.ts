import type { CheckResult } from '../../observability/health/health-report.js';

/** What the check reads from an operator (its `OperatorController`). */
export interface WorkerPool {
  readonly config: { readonly name: string };
  readonly concurrency: number;
  stuckPasses(): { key: string; ms: number }[];
}

/**
 * Liveness of one operator's workers: fails when every worker is held by a pass past its deadline.
 *
 * @remarks
 * A pass is abandoned at its deadline (its signal fires and the worker is freed), so this only
 * fails when passes ignore cancellation altogether; then the operator reconciles nothing, and a
 * restart is the only way out. The message names the parents, so the cause can be found.
 */
export function workerLiveness(pool: WorkerPool): CheckResult {
  const stuck = pool.stuckPasses();
  const name = `workers:${pool.config.name}`;
  if (stuck.length < pool.concurrency) return { name, ok: true };
  const which = stuck.map((s) => `${s.key} (${Math.round(s.ms / 1000)} s)`).join(', ');
  return { name, ok: false, message: `every worker is stuck past its deadline: ${which}` };
}
