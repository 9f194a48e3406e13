import { isDeepStrictEqual } from 'node:util';
import type { Condition, JsonObject } from '../../types/sync.js';
import { SYNCED_CONDITION } from '../../types/sync.js';

/** The outcome of one pass, as the `Synced` condition reports it. */
export interface SyncOutcome {
  ok: boolean;
  /** CamelCase reason (`Synced`, `SyncFailed`, `InvalidSpec`, `NameConflict`, …). */
  reason: string;
  message: string;
}

/**
 * Builds the status Operon writes.
 *
 * @remarks
 * After a successful pass: the author's status, `observedGeneration` = the parent's generation, and
 * `Synced=True`. After a failed pass: the live status kept as it was (it still describes the last
 * good pass, and so does its `observedGeneration`), with `Synced=False` and the message.
 * `lastTransitionTime` only moves when a condition's status flips, so an unchanged outcome yields a
 * status deep-equal to the live one, and therefore no write.
 */
export function buildStatus(
  authorStatus: JsonObject | undefined,
  liveStatus: JsonObject | undefined,
  generation: number | undefined,
  outcome: SyncOutcome,
  now: () => string = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
): JsonObject {
  const live = conditionsOf(liveStatus);
  const base: JsonObject = outcome.ok ? { ...(authorStatus ?? {}) } : { ...(liveStatus ?? {}) };
  if (outcome.ok && generation !== undefined) base.observedGeneration = generation;
  const others = conditionsOf(base)
    .filter((c) => c.type !== SYNCED_CONDITION)
    .map((c) => withTransitionTime(c, live, now));
  const synced: Condition = withTransitionTime(
    {
      type: SYNCED_CONDITION,
      status: outcome.ok ? 'True' : 'False',
      reason: outcome.reason,
      message: outcome.message,
      ...(generation !== undefined ? { observedGeneration: generation } : {}),
      lastTransitionTime: '',
    },
    live,
    now,
  );
  base.conditions = [...others, synced];
  return base;
}

/** True when writing `next` would change nothing. */
export function statusUnchanged(next: JsonObject, live: JsonObject | undefined): boolean {
  // Round-trip through JSON so undefined fields compare like the API server stores them (absent).
  return isDeepStrictEqual(JSON.parse(JSON.stringify(next)), live ?? {});
}

function conditionsOf(status: JsonObject | undefined): Condition[] {
  const c = status?.conditions;
  return Array.isArray(c) ? (c as Condition[]) : [];
}

function withTransitionTime(c: Condition, live: Condition[], now: () => string): Condition {
  if (c.lastTransitionTime) return c;
  const prev = live.find((l) => l.type === c.type);
  return { ...c, lastTransitionTime: prev && prev.status === c.status ? prev.lastTransitionTime : now() };
}
