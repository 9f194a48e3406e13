import type { ClusterPlan, ParentPlan, PlannedChildChange, PlanSummary } from './types.js';

function isHeld(c: PlannedChildChange): boolean {
  return c.action === 'delete' && c.held === true;
}

/** Counts parents by outcome and child changes by action, held deletes apart from the others. */
export function summarizePlan(parents: readonly ParentPlan[]): PlanSummary {
  const all = parents.flatMap((p) => p.children);
  const count = (action: string) => all.filter((c) => c.action === action && !isHeld(c)).length;
  return {
    parents: parents.length,
    changing: parents.filter((p) => p.outcome === 'changes').length,
    unchanged: parents.filter((p) => p.outcome === 'unchanged').length,
    errors: parents.filter((p) => p.outcome === 'error').length,
    creates: count('create'),
    updates: count('apply') + count('replace'),
    recreates: count('recreate'),
    deletes: count('delete'),
    heldDeletes: all.filter(isHeld).length,
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
