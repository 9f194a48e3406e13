/**
 * @packageDocumentation
 * `operon plan` as an API: what the operators would change in a live cluster, computed read-only
 * from the runtime's own caches and pure pieces, as structured data ({@link planCluster}) or text
 * ({@link formatPlan}).
 */

export type { FieldChange } from '../runtime/planner/json-diff.js';
export { formatPlan, summaryLine } from './format.js';
export { type PlannedOperator, type PlanOptions, planCluster } from './plan-cluster.js';
export { PLAN_EXIT, planExitCode } from './summary.js';
export type {
  ClusterPlan,
  ParentPlan,
  ParentPlanOutcome,
  PlannedChildChange,
  PlannedChildId,
  PlannedConflict,
  PlannedCreate,
  PlannedDelete,
  PlannedDeletionHold,
  PlannedError,
  PlannedFieldChange,
  PlannedFinalizer,
  PlannedParentId,
  PlannedUpdate,
  PlanSummary,
} from './types.js';
