import { finalizerNameOf } from '../config/names.js';
import type { OperatorConfig } from '../config/operator-config.js';
import { PermanentError } from '../errors/permanent-error.js';
import { type Logger, silentLogger } from '../observability/logger.js';
import { REDACTED, redactSecrets } from '../observability/redact-secrets.js';
import {
  type ChildAction,
  isControlledBy,
  isTracked,
  needsTrackingFinalizer,
  type Ownership,
  type ParentObject,
  planValidatedChildren,
  terminatingDesired,
  validateSyncResponse,
} from '../runtime/planner/index.js';
import { isRecord } from '../runtime/planner/json.js';
import type { FieldChange } from '../runtime/planner/json-diff.js';
import { resolveDeletionBudget } from '../runtime/reconcile/deletion-budget.js';
import { childrenInScope, type OperatorCache } from '../runtime/reconcile/operator-cache.js';
import { abortCause, PassAborted, passSignal, untilAborted } from '../runtime/reconcile/pass-deadline.js';
import { buildStatus, type SyncOutcome, statusUnchanged } from '../runtime/reconcile/status.js';
import { syncRequest } from '../runtime/reconcile/sync-request.js';
import { transformAndValidateSpec } from '../runtime/reconcile/validate-spec.js';
import { NO_RELATED, type RelatedLookup, readRelated } from '../runtime/related/related-lookup.js';
import type { RelatedSource } from '../runtime/related/related-watches.js';
import { type ResolvedSelection, resolveSelections } from '../runtime/related/selection.js';
import type { DeletionBudget } from '../types/deletion-budget.js';
import type { KubeObject } from '../types/kube-object.js';
import { objectKey } from '../types/kube-object.js';
import type { ResourceType } from '../types/resource-type.js';
import type { JsonObject, Parent, SyncResponse } from '../types/sync.js';
import { judgeParentDeletions, withDeletionsHeld } from './deletion-budget.js';
import { childFieldChanges, removedFields, statusChanges } from './field-diff.js';
import type {
  ParentPlan,
  PlannedChildChange,
  PlannedChildId,
  PlannedError,
  PlannedFinalizer,
  PlannedParentId,
} from './types.js';

/** Reads one object whole (with `managedFields`, which the caches drop); undefined when it is gone. */
export type ReadObject = (
  type: ResourceType,
  namespace: string | undefined,
  name: string,
  signal: AbortSignal,
) => Promise<KubeObject | undefined>;

/** What {@link planParent} reads: one operator's caches, as its reconciler would. */
export interface ParentPlanContext {
  readonly config: OperatorConfig<unknown>;
  /** Parents and children from the caches (children by controller UID or parent-UID label). */
  readonly cache: OperatorCache;
  /** The operator's relations at run time; without it a relation selects nothing, as in the reconciler. */
  readonly related?: RelatedSource;
  /** The namespaces the operator watches; undefined = all (children must be in them). */
  readonly watchedNamespaces?: readonly string[];
  /**
   * Reads a live child with its `managedFields`, to list the fields an `apply` would remove. Without
   * it (or when it fails) updates list only the fields the desired object sets.
   */
  readonly readObject?: ReadObject;
  /** Deadline of `sync`, as the runtime's `reconcileTimeoutMs`. Default 60 000. */
  readonly syncTimeoutMs?: number;
  /** What `sync` gets as `req.log`. Default silent. */
  readonly log?: Logger;
  /** Fires to abandon the plan (the command was interrupted). */
  readonly signal?: AbortSignal;
  /** The time a condition that flips would get (RFC 3339); default now. */
  readonly now?: () => string;
  /**
   * The deletion budget where the operator sets none, as the host option `deletionBudget`
   * (`false`: off). The operator's own `deletionBudget` wins; default: the budget's defaults.
   */
  readonly deletionBudget?: DeletionBudget | false;
}

/** What the runtime says in `Synced` after a pass that wrote everything (reconciler.ts). */
const SYNCED: SyncOutcome = { ok: true, reason: 'Synced', message: 'All children are in the desired state.' };

/**
 * Plans one parent exactly as the runtime's reconciler would reconcile it, from the same pure pieces
 * (spec transformation and validation, related selections and reads, the `SyncRequest`, response
 * validation, `planValidatedChildren`, `buildStatus`), and sends no write: it reports what the
 * pass would write instead of writing it.
 *
 * @remarks
 * Differences from a pass, each on purpose:
 * - `finalize` is never called (it exists to act on the world); a parent being deleted reports the
 *   tracked children Operon would delete and the finalizer it would remove.
 * - Where a pass stops after adding Operon's finalizer (before the first child exists), the plan
 *   goes on: the next pass would write the children, and that is what the reader wants to see.
 * - The deletion budget's per-parent rule is applied as the runtime applies it (deletes it would
 *   hold are marked `held`, and the status shows `DeletionHeld`); its per-operator window is, as in
 *   a freshly started process, empty here (`planCluster` weighs it across the parents it plans).
 * - No memory of earlier writes (baselines, own writes) is used: the plan says what a freshly
 *   started process would do, which is the question before an upgrade. A child that a webhook
 *   rewrites in a way the drift rules do not know shows as an update, as it would be, once, after
 *   a restart.
 */
export async function planParent(ctx: ParentPlanContext, parent: ParentObject): Promise<ParentPlan> {
  const { config } = ctx;
  const finalizer = finalizerNameOf(config);
  const base = { operator: config.name, parent: parentId(parent, config) };
  const result = (
    children: readonly PlannedChildChange[],
    status: readonly FieldChange[],
    plannedFinalizer: PlannedFinalizer | undefined,
    notes: readonly string[] = [],
  ): ParentPlan => ({
    ...base,
    outcome: children.length > 0 || status.length > 0 || plannedFinalizer ? 'changes' : 'unchanged',
    children,
    status,
    ...(plannedFinalizer ? { finalizer: plannedFinalizer } : {}),
    notes,
  });
  const failed = (error: PlannedError): ParentPlan => ({
    ...base,
    outcome: 'error',
    children: [],
    status: [],
    error,
    notes: [],
  });

  if (parent.metadata.deletionTimestamp) return planDeletion(ctx, parent, finalizer, result);

  const addFinalizer: PlannedFinalizer | undefined =
    config.finalize && !parent.metadata.finalizers?.includes(finalizer)
      ? { op: 'add', name: finalizer, why: 'the operator has @Finalize; it is added before any child' }
      : undefined;

  const spec = await transformAndValidateSpec(config.parent.spec, (parent as { spec?: unknown }).spec);
  if (!spec.ok) {
    return failed({
      reason: 'InvalidSpec',
      message: `The spec is invalid: ${spec.problems.join('; ')}. Fix the ${config.parent.type.kind}; nothing would be changed.`,
    });
  }
  const withSpec = { ...parent, spec: spec.spec } as Parent<unknown>;

  const related = await relate(ctx, objectKey(parent), withSpec);
  if (typeof related !== 'function') return failed(related);

  const pass = passSignal(ctx.signal, ctx.syncTimeoutMs ?? 60_000);
  let response: SyncResponse;
  try {
    const childrenOf = (type: ResourceType) => ctx.cache.childrenOf(type, parent.metadata.uid);
    const request = syncRequest(withSpec, false, childrenOf, pass.signal, ctx.log ?? silentLogger(), related);
    response = await untilAborted(config.sync(request), pass.signal);
  } catch (e) {
    if (e instanceof PassAborted && abortCause(pass.signal) !== 'deadline') throw e;
    if (e instanceof PassAborted) {
      return failed({
        reason: 'SyncTimeout',
        message: `sync did not return within ${(ctx.syncTimeoutMs ?? 60_000) / 1000} s.`,
      });
    }
    if (PermanentError.is(e)) return failed({ reason: e.reason, message: `sync gave up: ${e.message}.` });
    return failed({
      reason: 'SyncFailed',
      message: `sync threw: ${messageOf(e)}. No child would be changed.`,
    });
  } finally {
    pass.dispose();
  }

  const ownership: Ownership = { operatorName: config.name, parent, parentType: config.parent.type };
  const problems = validateSyncResponse(response, {
    ...ownership,
    children: config.children,
    watchedNamespaces: ctx.watchedNamespaces,
  });
  if (problems.length > 0) {
    return failed({
      reason: 'InvalidSyncResponse',
      message: `sync returned an invalid response: ${problems.join('; ')}. No child would be changed.`,
    });
  }

  const finalizerChange =
    addFinalizer ??
    (needsTrackingFinalizer(config.children, config.parent.type, parent, finalizer, response.children)
      ? {
          op: 'add' as const,
          name: finalizer,
          why: 'sync returns a child in another namespace or a cluster-scoped one, which Operon deletes itself with the parent; it is added before any child',
        }
      : undefined);

  const current = childrenInScope(ctx.cache, ctx.config.children, parent, response.children);
  const plan = planValidatedChildren({
    ...ownership,
    children: config.children,
    desired: response.children,
    current,
  });
  const children: PlannedChildChange[] = [];
  for (const action of plan) children.push(await describeAction(ctx, action));

  const waiting = [
    ...plan.flatMap((a) => (a.action === 'recreate' ? [`${a.type.kind} ${a.object.metadata.name}`] : [])),
    ...terminatingDesired(response.children, current, parent.metadata.uid),
  ];
  const outcome: SyncOutcome =
    waiting.length > 0
      ? {
          ok: true,
          reason: 'Recreating',
          message: `Waiting for ${waiting.join(', ')} to finish deleting, to create it again.`,
        }
      : SYNCED;
  const live = (parent as { status?: JsonObject }).status;
  const next = buildStatus(
    response.status as JsonObject | undefined,
    live,
    parent.metadata.generation,
    outcome,
    ctx.now,
  );
  const status = statusUnchanged(next, live) ? [] : statusChanges(next, live);
  const planned = result(children, status, finalizerChange);
  const budget = resolveDeletionBudget(config.deletionBudget, ctx.deletionBudget);
  if (!budget) return planned;
  const verdict = judgeParentDeletions({
    parent,
    deletes: plan.filter((a) => a.action === 'delete').length,
    owned: current.filter((c) => isControlledBy(c, parent.metadata.uid)).length,
    budget,
  });
  return verdict.hold ? withDeletionsHeld(planned, parent, config.parent.type, verdict, ctx.now) : planned;
}

/**
 * A parent being deleted: with Operon's finalizer, the runtime would run `finalize` (not simulated),
 * delete the tracked children and remove the finalizer; without it, nothing.
 */
function planDeletion(
  ctx: ParentPlanContext,
  parent: ParentObject,
  finalizer: string,
  result: (
    children: readonly PlannedChildChange[],
    status: readonly FieldChange[],
    finalizer: PlannedFinalizer | undefined,
    notes?: readonly string[],
  ) => ParentPlan,
): ParentPlan {
  if (!parent.metadata.finalizers?.includes(finalizer)) {
    return result([], [], undefined, ['being deleted; Operon has nothing left to do for it']);
  }
  const deletes: PlannedChildChange[] = [];
  for (const ref of ctx.config.children) {
    for (const live of ctx.cache.childrenOf(ref.type, parent.metadata.uid)) {
      if (!isTracked(live) || live.metadata?.deletionTimestamp || !live.metadata?.name) continue;
      deletes.push({ ...childId(ref.type, live), action: 'delete' });
    }
  }
  const notes = ctx.config.finalize
    ? [
        'being deleted: the runtime would call finalize first (operon plan does not), and go on once it reports done',
      ]
    : ['being deleted'];
  return result(deletes, [], { op: 'remove', name: finalizer, why: 'the parent is being deleted' }, notes);
}

/** One plan action as the reader sees it, with the field diff of an update. */
async function describeAction(ctx: ParentPlanContext, action: ChildAction): Promise<PlannedChildChange> {
  switch (action.action) {
    case 'create':
      // A plan ends up in CI logs: a Secret's values never do (as kubectl diff masks them).
      return {
        ...childId(action.type, action.object),
        action: 'create',
        object: redactSecrets(action.object),
      };
    case 'conflict':
      return { ...childId(action.type, action.object), action: 'conflict', message: action.message };
    case 'delete':
      return { ...childId(action.type, action.live), action: 'delete' };
    default: {
      const fields = childFieldChanges(action.object, action.live);
      let note: string | undefined;
      if (action.action === 'apply') {
        const removed = await appliedRemovals(ctx, action.type, action.object, action.live);
        if (typeof removed === 'string') note = removed;
        else fields.push(...removed);
      }
      if (fields.length === 0 && note === undefined) {
        note =
          action.action === 'apply'
            ? 'only the desired-hash annotation differs: the desired object changed in a way that leaves every field it sets as it is'
            : `only the desired-hash annotation differs: the desired object no longer sets some field, which ${action.action === 'replace' ? 'the PUT clears' : 'the new object lacks'}`;
      }
      return {
        ...childId(action.type, action.object),
        action: action.action,
        fields: isSecretType(action.type) ? fields.map(redactSecretField) : fields,
        ...(note ? { note } : {}),
      };
    }
  }
}

/** The fields an apply would remove, or why they cannot be told. */
async function appliedRemovals(
  ctx: ParentPlanContext,
  type: ResourceType,
  desired: KubeObject,
  live: KubeObject,
): Promise<FieldChange[] | string> {
  if (!ctx.readObject) return [];
  const pass = passSignal(ctx.signal, ctx.syncTimeoutMs ?? 60_000);
  try {
    const whole = await ctx.readObject(
      type,
      live.metadata?.namespace,
      live.metadata?.name ?? '',
      pass.signal,
    );
    return whole ? removedFields(desired, whole, ctx.config.name) : [];
  } catch (e) {
    if (ctx.signal?.aborted) throw e;
    return `fields the new desired object no longer sets are not listed: reading the child's managedFields failed (${messageOf(e)})`;
  } finally {
    pass.dispose();
  }
}

/**
 * Resolves and reads the relations as the reconciler does (`select` with the parent as `sync` sees
 * it, then the selected objects from the caches or a GET).
 */
async function relate(
  ctx: ParentPlanContext,
  key: string,
  parent: Parent<unknown>,
): Promise<RelatedLookup | PlannedError> {
  const refs = ctx.config.related ?? [];
  if (refs.length === 0) return NO_RELATED;
  const source = ctx.related;
  const resolved = resolveSelections(refs, parent, source?.namespaces);
  if (!resolved.ok) {
    return {
      reason: 'InvalidRelatedSelection',
      message: `A related selection is invalid: ${resolved.problems.join('; ')}. No child would be changed.`,
    };
  }
  const selections = [...resolved.selections.values()].filter((s): s is ResolvedSelection => s !== undefined);
  // Recorded as the reconciler records it, so the shared copies of selected objects are kept.
  source?.track(key, selections);
  const read = await readRelated(
    refs,
    resolved.selections,
    async (s, sig) => (await source?.objects(s, sig)) ?? [],
    ctx.signal,
  );
  if (typeof read === 'function') return read;
  return { reason: read.reason, message: `${read.message}. No child would be changed.` };
}

function parentId(parent: ParentObject, config: OperatorConfig<unknown>): PlannedParentId {
  const { namespace, name, uid, generation } = parent.metadata;
  return {
    apiVersion: parent.apiVersion ?? config.parent.type.apiVersion,
    kind: parent.kind ?? config.parent.type.kind,
    ...(namespace ? { namespace } : {}),
    name,
    uid,
    ...(generation !== undefined ? { generation } : {}),
  };
}

function childId(type: ResourceType, obj: KubeObject): PlannedChildId {
  const namespace = obj.metadata?.namespace;
  return {
    apiVersion: type.apiVersion,
    kind: type.kind,
    ...(namespace ? { namespace } : {}),
    name: obj.metadata?.name ?? '',
  };
}

function isSecretType(type: ResourceType): boolean {
  return type.group === '' && type.kind === 'Secret';
}

/** A Secret's `data`/`stringData` change with its values replaced: that it changes shows, not what to. */
function redactSecretField(f: FieldChange): FieldChange {
  if (!/^(data|stringData)([.[]|$)/.test(f.path)) return f;
  const hide = (v: unknown) =>
    isRecord(v) ? Object.fromEntries(Object.keys(v).map((k) => [k, REDACTED])) : REDACTED;
  return {
    ...f,
    ...('from' in f ? { from: hide(f.from) } : {}),
    ...('to' in f ? { to: hide(f.to) } : {}),
  };
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
