import type { Condition } from './sync.js';

/** A condition as an author sets it with {@link setCondition}; Operon fills in the rest. */
export interface ConditionInput {
  /** CamelCase, e.g. `Ready`, `Degraded`, `DatabaseReachable`. `Synced` is Operon's own. */
  type: string;
  /** Whether the condition holds: `True`, `False`, or `Unknown` when it cannot be told yet. */
  status: 'True' | 'False' | 'Unknown';
  /** CamelCase machine-readable cause, e.g. `PodsReady`, `Waiting`. */
  reason: string;
  /** For people: what is going on, and what to do about it. Default `''`. */
  message?: string;
}

// metav1.Condition's own validation (the API server applies it to built-in types' conditions).
const REASON = /^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/;
const STATUSES = new Set(['True', 'False', 'Unknown']);

/**
 * Returns a new condition list with `condition` set: replaced in place when one of its type is
 * there, appended otherwise. The list given is not touched.
 *
 * @param conditions - the current list, typically `req.parent.status?.conditions`; anything that is
 * not an array counts as none.
 * @param observedGeneration - the generation the condition describes, typically
 * `req.parent.metadata.generation`; left out, the condition has none.
 * @param now - the time of a transition (default: now); for tests.
 *
 * @remarks
 * Same rules as Operon's own `Synced` condition: `lastTransitionTime` stays as it was while the
 * status does not change (a new reason or message is not a transition), and is set to now (RFC 3339,
 * to the second, as Kubernetes writes it) when the condition is new or its status flips. A status
 * returned with an unchanged condition is therefore unchanged, and Operon sends no write.
 *
 * @example
 * ```ts
 * @Sync()
 * sync(req: SyncRequest<WebSpec>): SyncResponse {
 *   const ready = req.children(this.pods).filter((p) => conditionTrue(p, 'Ready')).length;
 *   const conditions = setCondition(
 *     req.parent.status?.conditions,
 *     ready === req.parent.spec.replicas
 *       ? { type: 'Ready', status: 'True', reason: 'PodsReady', message: `${ready} Pods ready` }
 *       : { type: 'Ready', status: 'False', reason: 'Waiting', message: `${ready}/${req.parent.spec.replicas} Pods ready` },
 *     req.parent.metadata.generation,
 *   );
 *   return { status: { ready, conditions }, children: [...] };
 * }
 * ```
 *
 * @throws TypeError when `type` is empty, `status` is not `True`, `False` or `Unknown`, or `reason`
 * is not CamelCase (letters, digits, `_`, `,`, `:`; starting with a letter), as the API server's
 * `metav1.Condition` validation requires.
 */
export function setCondition(
  conditions: unknown,
  condition: ConditionInput,
  observedGeneration?: number,
  now: Date = new Date(),
): Condition[] {
  const { type, status, reason, message = '' } = condition;
  if (typeof type !== 'string' || type === '')
    throw new TypeError('setCondition: the condition needs a type, e.g. "Ready"');
  if (!STATUSES.has(status)) {
    throw new TypeError(
      `setCondition: condition ${type} has status ${JSON.stringify(status)}; it must be "True", "False" or "Unknown"`,
    );
  }
  if (typeof reason !== 'string' || !REASON.test(reason) || reason.length > 1024) {
    throw new TypeError(
      `setCondition: condition ${type} has reason ${JSON.stringify(reason)}; a reason is one CamelCase word such as "PodsReady" (letters, digits, _ , and :, starting with a letter, at most 1024 characters)`,
    );
  }
  const list = conditionList(conditions);
  const index = list.findIndex((c) => c.type === type);
  const previous = index >= 0 ? list[index] : undefined;
  const next: Condition = {
    type,
    status,
    reason,
    message,
    ...(observedGeneration !== undefined ? { observedGeneration } : {}),
    lastTransitionTime:
      previous && previous.status === status && previous.lastTransitionTime
        ? previous.lastTransitionTime
        : now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
  };
  const out = [...list];
  if (index >= 0) out[index] = next;
  else out.push(next);
  return out;
}

/**
 * The condition of the given type, from an object's `status.conditions` (a parent, a Pod, a
 * Deployment, ...) or from a condition list; undefined when there is none.
 */
export function getCondition(source: unknown, type: string): Condition | undefined {
  return conditionList(source).find((c) => c.type === type);
}

/**
 * True when the condition of the given type has status `True`: `conditionTrue(pod, 'Ready')`,
 * `conditionTrue(parent, 'Synced')`, `conditionTrue(deployment, 'Available')`. False when it is
 * `False`, `Unknown` or missing.
 */
export function conditionTrue(source: unknown, type: string): boolean {
  return getCondition(source, type)?.status === 'True';
}

/** The conditions of an object (its `status.conditions`) or of a list; only entries with a type. */
function conditionList(source: unknown): Condition[] {
  const list = Array.isArray(source)
    ? source
    : (source as { status?: { conditions?: unknown } } | null | undefined)?.status?.conditions;
  if (!Array.isArray(list)) return [];
  return list.filter(
    (c): c is Condition => typeof c === 'object' && c !== null && typeof (c as Condition).type === 'string',
  );
}
