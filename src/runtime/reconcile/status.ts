import { isDeepStrictEqual } from 'node:util';
import type { Condition, JsonObject } from '../../types/sync.js';
import { SYNCED_CONDITION } from '../../types/sync.js';
import type { JsonPatchOp } from './finalizer-patch.js';

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
  now: () => string = nowSeconds,
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

/**
 * The JSON Patch that sets only the `Synced` condition to a failure, or undefined when it already
 * says exactly that.
 *
 * @remarks
 * A failed pass must not take over anything else in the status. Server-side apply of the whole
 * live status (as a success writes the author's status) would make Operon's field manager the
 * owner of fields other writers set, and the next successful apply, which omits them, would
 * delete them. This patch touches one list entry, guarded by a `test` of what it replaces, so a
 * status changed meanwhile fails (422) instead of being overwritten.
 */
export function failedConditionPatch(
  live: JsonObject | undefined,
  generation: number | undefined,
  outcome: Omit<SyncOutcome, 'ok'>,
  now: () => string = nowSeconds,
): JsonPatchOp[] | undefined {
  const current = conditionsOf(live);
  const synced = withTransitionTime(
    {
      type: SYNCED_CONDITION,
      status: 'False',
      reason: outcome.reason,
      message: outcome.message,
      ...(generation !== undefined ? { observedGeneration: generation } : {}),
      lastTransitionTime: '',
    },
    current,
    now,
  );
  const index = current.findIndex((c) => c.type === SYNCED_CONDITION);
  if (index >= 0 && isDeepStrictEqual(JSON.parse(JSON.stringify(synced)), current[index])) return undefined;
  if (live === undefined) {
    return [
      { op: 'test', path: '/status', value: null },
      { op: 'add', path: '/status', value: { conditions: [synced] } },
    ];
  }
  if (!Array.isArray(live.conditions)) {
    return [
      { op: 'test', path: '/status/conditions', value: live.conditions ?? null },
      { op: 'add', path: '/status/conditions', value: [synced] },
    ];
  }
  if (index < 0) {
    return [
      { op: 'test', path: '/status/conditions', value: live.conditions },
      { op: 'add', path: '/status/conditions/-', value: synced },
    ];
  }
  return [
    { op: 'test', path: `/status/conditions/${index}`, value: current[index] },
    { op: 'replace', path: `/status/conditions/${index}`, value: synced },
  ];
}

/** True when writing `next` would change nothing. */
export function statusUnchanged(next: JsonObject, live: JsonObject | undefined): boolean {
  // Round-trip through JSON so undefined fields compare like the API server stores them (absent).
  return isDeepStrictEqual(JSON.parse(JSON.stringify(next)), live ?? {});
}

// Conditions carry RFC 3339 times to the second, as metav1.Time serialises them.
function nowSeconds(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
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
