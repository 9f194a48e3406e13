import { ALLOW_DELETIONS_ANNOTATION, type DeletionBudget } from '../../types/deletion-budget.js';
import type { KubeObject } from '../../types/kube-object.js';

/** The defaults of {@link DeletionBudget}. */
export const DEFAULT_DELETION_BUDGET: Required<DeletionBudget> = Object.freeze({
  maxShare: 0.5,
  minCount: 2,
  maxPerWindow: 20,
  windowMs: 5 * 60_000,
});

/** What {@link judgeDeletions} decided. */
export type DeletionVerdict =
  | { readonly hold: false; readonly counted: boolean }
  | {
      readonly hold: true;
      /** For the condition and the Event: the counts and the rule that held them. */
      readonly message: string;
      /** When the window rule held them: the pass may go ahead after this long. */
      readonly retryAfterMs?: number;
    };

/** Everything {@link judgeDeletions} looks at. */
export interface DeletionContext {
  readonly parent: KubeObject & { status?: unknown };
  /** Children this pass would delete (not counting recreates). */
  readonly deletes: number;
  /** Children the parent controls before the pass. */
  readonly owned: number;
  readonly budget: Required<DeletionBudget>;
  readonly window: DeletionWindow;
  readonly now: number;
}

/**
 * Decides whether a pass's deletions go ahead. Pure but for reading the window.
 *
 * `counted: true` on a go-ahead means the deletions are unexplained and must be recorded in the
 * window once made ({@link DeletionWindow.record}).
 */
export function judgeDeletions(ctx: DeletionContext): DeletionVerdict {
  const { parent, deletes, owned, budget, window, now } = ctx;
  if (deletes === 0 || explained(parent)) return { hold: false, counted: false };
  const share = owned === 0 ? 1 : deletes / owned;
  if (deletes >= budget.minCount && share > budget.maxShare) {
    return {
      hold: true,
      message:
        `sync no longer returns ${deletes} of the ${owned} children of this parent (more than ` +
        `${Math.round(budget.maxShare * 100)} %) although its spec did not change since it last converged`,
    };
  }
  const recent = window.count(now);
  if (recent + deletes > budget.maxPerWindow) {
    return {
      hold: true,
      message:
        `this operator already deleted ${recent} children in the last ${formatMs(budget.windowMs)} without a spec change ` +
        `asking for it, and ${deletes} more would exceed its budget of ${budget.maxPerWindow}`,
      retryAfterMs: Math.max(1_000, window.freesAt(now, recent + deletes - budget.maxPerWindow) - now),
    };
  }
  return { hold: false, counted: true };
}

/**
 * True when the parent's own state asks for the deletions: its spec changed since Operon last
 * converged it (or it never converged), or a person approved deletions for this generation.
 */
export function explained(parent: KubeObject & { status?: unknown }): boolean {
  const generation = parent.metadata?.generation;
  const approval = parent.metadata?.annotations?.[ALLOW_DELETIONS_ANNOTATION];
  if (approval !== undefined && generation !== undefined && approval === String(generation)) return true;
  const status = parent.status as { observedGeneration?: unknown } | undefined;
  return status?.observedGeneration === undefined || status.observedGeneration !== generation;
}

/** The unexplained deletions one operator made recently: a sliding window of timestamps. */
export class DeletionWindow {
  private times: number[] = [];

  constructor(private readonly windowMs: number) {}

  /** Deletions within the window ending at `now`. */
  count(now: number): number {
    this.prune(now);
    return this.times.length;
  }

  /** Records `n` deletions made at `now`. */
  record(n: number, now: number): void {
    for (let i = 0; i < n; i++) this.times.push(now);
  }

  /** The time at which `excess` of the recorded deletions will have left the window. */
  freesAt(now: number, excess: number): number {
    this.prune(now);
    const t = this.times[Math.min(excess, this.times.length) - 1];
    return t === undefined ? now : t + this.windowMs;
  }

  private prune(now: number): void {
    const since = now - this.windowMs;
    let i = 0;
    while (i < this.times.length && (this.times[i] ?? 0) <= since) i++;
    if (i > 0) this.times = this.times.slice(i);
  }
}

/**
 * The budget in force: the operator's own, else the host's, else the defaults; `false` (from either)
 * turns it off.
 */
export function resolveDeletionBudget(
  operator: DeletionBudget | false | undefined,
  host: DeletionBudget | false | undefined,
): Required<DeletionBudget> | undefined {
  const chosen = operator ?? host;
  if (chosen === false) return undefined;
  return { ...DEFAULT_DELETION_BUDGET, ...definedOnly(chosen ?? {}) };
}

function definedOnly(b: DeletionBudget): DeletionBudget {
  return Object.fromEntries(Object.entries(b).filter(([, v]) => v !== undefined)) as DeletionBudget;
}

function formatMs(ms: number): string {
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${Math.round(ms / 1000)} s`;
}
