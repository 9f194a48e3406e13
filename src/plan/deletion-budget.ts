import { approveCommand, heldDeletionsMessage } from '../runtime/planner/held-deletions.js';
import type { ParentObject } from '../runtime/planner/ownership.js';
import {
  type DeletionVerdict,
  DeletionWindow,
  judgeDeletions,
} from '../runtime/reconcile/deletion-budget.js';
import { buildStatus, failedConditionPatch } from '../runtime/reconcile/status.js';
import type { DeletionBudget } from '../types/deletion-budget.js';
import type { ResourceType } from '../types/resource-type.js';
import type { JsonObject } from '../types/sync.js';
import { statusChanges } from './field-diff.js';
import type { ParentPlan, PlannedDeletionHold } from './types.js';

/** What the budget weighs for one parent: see `judgeDeletions`. */
export interface ParentDeletions {
  readonly parent: ParentObject;
  /** Children the plan would delete (recreates not counted). */
  readonly deletes: number;
  /** Children the parent controls before the pass. */
  readonly owned: number;
  readonly budget: Required<DeletionBudget>;
}

/**
 * The per-parent verdict, as a freshly started process would give it: its window has seen no
 * deletion yet, so only one parent's own deletes count towards `maxPerWindow` here; the plan's
 * other parents are weighed by {@link applyDeletionWindows}.
 */
export function judgeParentDeletions(d: ParentDeletions): DeletionVerdict {
  if (d.deletes === 0) return { hold: false, counted: false };
  return judgeDeletions({ ...d, window: new DeletionWindow(d.budget.windowMs), now: Date.now() });
}

/**
 * `plan` with its deletes held, as the runtime would hold them: each delete marked `held`, the
 * parent's `deletionsHeld` set, and the status change replaced by the one a held pass writes (only
 * `Synced=False` with reason `DeletionHeld`; the author's status waits for a pass that goes through).
 * The parent counts as changing: its condition says so, and someone has to approve or fix.
 */
export function withDeletionsHeld(
  plan: ParentPlan,
  parent: ParentObject,
  parentType: ResourceType,
  verdict: Extract<DeletionVerdict, { hold: true }>,
  now?: () => string,
): ParentPlan {
  const names = plan.children.flatMap((c) => (c.action === 'delete' ? [`${c.kind} ${c.name}`] : []));
  const outcome = {
    reason: 'DeletionHeld',
    message: heldDeletionsMessage(names, verdict.message, parent, parentType),
  };
  const live = (parent as { status?: JsonObject }).status;
  const { generation } = parent.metadata;
  // A held pass writes only the condition, and only when it does not already say exactly this.
  const writes = failedConditionPatch(live, generation, outcome, now) !== undefined;
  const deletionsHeld: PlannedDeletionHold = {
    // Only the window rule says when to try again; the share rule waits for a person.
    rule: verdict.retryAfterMs === undefined ? 'share' : 'window',
    message: verdict.message,
    approve: approveCommand(parent, parentType),
  };
  return {
    ...plan,
    outcome: 'changes',
    children: plan.children.map((c) => (c.action === 'delete' ? { ...c, held: true } : c)),
    status: writes
      ? statusChanges(buildStatus(undefined, live, generation, { ok: false, ...outcome }, now), live)
      : [],
    deletionsHeld,
  };
}

/** One planned parent, with what {@link applyDeletionWindows} needs to weigh it. */
export interface WindowEntry {
  /** The operator's name: each operator has its own window. */
  readonly operator: string;
  readonly parent: ParentObject;
  readonly parentType: ResourceType;
  /** The operator's budget; undefined when it is off. */
  readonly budget: Required<DeletionBudget> | undefined;
  readonly plan: ParentPlan;
}

/**
 * The per-operator window across a whole plan: the parents' unexplained deletes are counted in the
 * order given, as if every parent ran once, at the same moment, in a freshly started process (one
 * empty window per operator); a parent whose deletes would take its operator's window past
 * `maxPerWindow` has them held. The runtime's order and timing differ (it runs parents as events
 * come, and a window frees over `windowMs`), so this says which parents would wait, not which exactly.
 *
 * @returns the plans, those held by the window replaced.
 */
export function applyDeletionWindows(entries: readonly WindowEntry[], now = Date.now()): ParentPlan[] {
  const windows = new Map<string, DeletionWindow>();
  return entries.map(({ operator, parent, parentType, budget, plan }) => {
    const deletes = plan.children.filter((c) => c.action === 'delete').length;
    // Held ones are not made, a finalizing parent's are consented to, and an error plans none.
    if (!budget || deletes === 0 || plan.deletionsHeld || parent.metadata.deletionTimestamp) return plan;
    const window = windows.get(operator) ?? new DeletionWindow(budget.windowMs);
    windows.set(operator, window);
    // The share rule was judged per parent already (planParent): only the window is left to apply.
    const verdict = judgeDeletions({
      parent,
      deletes,
      owned: deletes,
      budget: { ...budget, maxShare: Number.POSITIVE_INFINITY },
      window,
      now,
    });
    if (verdict.hold) return withDeletionsHeld(plan, parent, parentType, verdict);
    if (verdict.counted) window.record(deletes, now);
    return plan;
  });
}
