import type { ClusterPlan, ParentPlan, PlanSummary } from './types.js';

/** Counts parents by outcome and child changes by action. */
export function summarizePlan(parents: readonly ParentPlan[]): PlanSummary {
  const count = (action: string) =>
    parents.reduce((n, p) => n + p.children.filter((c) => c.action === action).length, 0);
  return {
    parents: parents.length,
    changing: parents.filter((p) => p.outcome === 'changes').length,
    unchanged: parents.filter((p) => p.outcome === 'unchanged').length,
    errors: parents.filter((p) => p.outcome === 'error').length,
    creates: count('create'),
    updates: count('apply') + count('replace'),
    recreates: count('recreate'),
    deletes: count('delete'),
    conflicts: count('conflict'),
    statusChanges: parents.filter((p) => p.status.length > 0).length,
  };
}

/** Exit codes of `operon plan`, as `terraform plan -detailed-exitcode`. */
export const PLAN_EXIT = {
  /** Every parent was planned and nothing would change. */
  unchanged: 0,
  /** The plan failed, or some parent could not be planned (so the plan is incomplete). */
  error: 1,
  /** Every parent was planned and something would change. */
  changes: 2,
} as const;

/**
 * The exit code for a plan: 1 when a parent could not be planned (what it would do is unknown, so
 * "no changes" cannot be claimed), else 2 when something would change, else 0.
 */
export function planExitCode(plan: ClusterPlan): number {
  if (plan.summary.errors > 0) return PLAN_EXIT.error;
  return plan.summary.changing > 0 ? PLAN_EXIT.changes : PLAN_EXIT.unchanged;
}
