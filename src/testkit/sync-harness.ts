import { buildOperatorConfig } from '../config/build-config.js';
import type { OperatorConfig } from '../config/operator-config.js';
import { OperonError } from '../errors/operon-error.js';
import type { Logger } from '../observability/logger.js';
import { childRefFor, describeDeclared } from '../runtime/planner/child-types.js';
import {
  decorateChild,
  isControlledBy,
  isTrackedPlacement,
  type Ownership,
  PARENT_UID_LABEL,
  type ParentObject,
  parentOwnerReference,
} from '../runtime/planner/ownership.js';
import { type ChildAction, type Plan, planChildren } from '../runtime/planner/plan.js';
import { validateSyncResponse } from '../runtime/planner/validate-response.js';
import { syncRequest } from '../runtime/reconcile/sync-request.js';
import { transformAndValidateSpec } from '../runtime/reconcile/validate-spec.js';
import { relatedLookup } from '../runtime/related/related-lookup.js';
import { resolveSelections, selects } from '../runtime/related/selection.js';
import type { KubeObject, NamedObject } from '../types/kube-object.js';
import { describeType } from '../types/resource-type.js';
import type { FinalizeResponse, JsonObject, Parent, SyncRequest, SyncResponse } from '../types/sync.js';

/** A parent as a test writes it: a plain object; name, uid, apiVersion and kind get defaults. */
export interface TestParent {
  /** Defaults to the operator's parent type's `apiVersion`. */
  apiVersion?: string;
  /** Defaults to the operator's parent type's `kind`. */
  kind?: string;
  /** The parent's metadata; see {@link SyncInput.parent} for the defaults of what it leaves out. */
  metadata?:
    | Parent<unknown>['metadata']
    | { name?: string; namespace?: string; uid?: string; generation?: number };
  /**
   * The raw spec, as stored in the cluster: transformed into the operator's spec class and validated,
   * as at run time (an invalid one throws `SPEC_INVALID`).
   */
  spec?: unknown;
  /** The parent's current status, as `sync` reads it from `req.parent.status`. */
  status?: JsonObject;
}

/** What {@link runSync}, {@link planSync} and {@link runFinalize} take. */
export interface SyncInput {
  /**
   * The parent. Defaults: `metadata.name` `test`, `metadata.uid` `test-uid`, `generation` 1, and
   * for a namespaced parent `metadata.namespace` `default`.
   */
  parent: TestParent;
  /**
   * Current children, as the cluster holds them, of any declared type (matched to `@Child`
   * properties by apiVersion and kind).
   *
   * @remarks
   * Each is read as the runtime's cache would hold it: `metadata.namespace` defaults to the parent's
   * (for a namespaced type of a namespaced parent), `metadata.uid` to a made-up one, and a child
   * without a controller owner reference gets one to the parent, so it counts as this parent's
   * child. A child whose controller is another object is not shown to `sync` (the runtime would not
   * either) but still takes part in the plan, where a desired child of the same name is a
   * `conflict`.
   */
  children?: readonly KubeObject[];
  /**
   * Objects of the operator's related types (`@Related`) that exist in the cluster. Each relation's
   * `select` is called with the parent, as at run time, and `req.related(ref)` /
   * `req.relatedList(ref)` return the given objects it names or matches, sorted by name.
   *
   * @remarks
   * `metadata.namespace` defaults to the parent's for a namespaced type. An object of a type the
   * operator does not relate to, or without a name, is a mistake in the test and is refused.
   */
  related?: readonly KubeObject[];
  /** What `sync` gets as `req.log`; default a silent logger. */
  log?: Logger;
  /** What `sync` gets as `req.signal`; default one that never fires. */
  signal?: AbortSignal;
}

/** What {@link planSync} returns. */
export interface SyncPlan {
  /** What `sync` returned (already checked as the runtime checks it). */
  readonly response: SyncResponse;
  /**
   * The writes the runtime would make to go from the current children given in {@link SyncInput}
   * to `response.children`: creates, updates (named after each child type's update strategy:
   * `apply`, `replace`, `recreate`) and conflicts first, deletes last. Empty when the desired state
   * already holds. See {@link describePlan} for a one-line-per-action view.
   */
  readonly plan: Plan;
  /**
   * The desired children as Operon would write them: with the parent's namespace, Operon's label,
   * desired-hash annotation and the controller owner reference to the parent. Pass them back as
   * `children` to model "Operon already wrote these" (the next plan is then empty if nothing changed).
   */
  readonly desired: NamedObject[];
}

/**
 * Calls an operator's `@Sync` with a request built from plain objects, exactly as the runtime would
 * (spec transformed into the spec class and validated first), without a cluster, and checks the
 * response exactly as the runtime does: unit tests of an operator's logic run in milliseconds.
 *
 * @param operator - an operator instance (decorated class, constructed with its dependencies) or a
 * hand-written {@link OperatorConfig}.
 * @throws OperonError `SPEC_INVALID` listing every violation when the spec fails validation (the
 * runtime would not call `sync` either).
 * @throws OperonError `SYNC_RESPONSE_INVALID` listing every problem of the response (a child of a
 * type the operator does not declare, two children with one name, a child without a name, an
 * invalid label, ...): the runtime would set `Synced=False` (reason `InvalidSyncResponse`) and change
 * no child.
 *
 * @example
 * ```ts
 * const res = await runSync(new EchoServerOperator(new EchoImage()), {
 *   parent: { metadata: { name: 'hello', namespace: 'default' }, spec: { message: 'hi', replicas: 2 } },
 * });
 * assert.equal(res.children.length, 3);
 * ```
 */
export async function runSync(
  operator: object | OperatorConfig<unknown>,
  input: SyncInput,
): Promise<SyncResponse> {
  const config = configOf(operator);
  const prepared = await prepare(config, input, false);
  const response = await config.sync(prepared.request);
  checkResponse(config, prepared.parent, response);
  return response;
}

/**
 * Like {@link runSync}, and also returns the plan the runtime would carry out: which children it
 * would create, update (per strategy), leave alone because another object holds the name
 * (`conflict`), or delete, given the current children in `input.children`.
 *
 * @remarks
 * The plan comes from the runtime's own planner, with the same ownership marks (namespace, label,
 * owner reference, desired hash) and the same drift rules. A current child given as a plain object
 * lacks the desired-hash annotation Operon leaves on what it writes, so it reads as changed by
 * someone else and is updated per its strategy; to model children Operon already wrote, pass
 * `desired` from an earlier `planSync`.
 *
 * @throws like {@link runSync}.
 *
 * @example
 * ```ts
 * const first = await planSync(op, { parent: web({ image: 'nginx:1.27' }) });
 * assert.deepEqual(describePlan(first.plan), ['create Pod/web-0', 'create Service/web']);
 * // Operon wrote those; now the image changes:
 * const next = await planSync(op, { parent: web({ image: 'nginx:1.28' }), children: first.desired });
 * assert.deepEqual(describePlan(next.plan), ['recreate Pod/web-0']);
 * ```
 */
export async function planSync(
  operator: object | OperatorConfig<unknown>,
  input: SyncInput,
): Promise<SyncPlan> {
  const config = configOf(operator);
  const prepared = await prepare(config, input, false);
  const response = await config.sync(prepared.request);
  const ownership = checkResponse(config, prepared.parent, response);
  const plan = planChildren({
    ...ownership,
    children: config.children,
    desired: response.children,
    current: prepared.current,
  });
  const desired = response.children.map((c) =>
    decorateChild(c, ownership, childRefFor(config.children, c)?.type),
  );
  return { response, plan, desired };
}

/**
 * One line per action of a plan, `<action> <Kind>/<name>`, in the plan's order, e.g.
 * `['recreate Pod/web-0', 'apply Service/web', 'delete ConfigMap/old']`.
 */
export function describePlan(plan: readonly ChildAction[]): string[] {
  return plan.map(
    (a) => `${a.action} ${a.type.kind}/${(a.action === 'delete' ? a.live : a.object).metadata.name}`,
  );
}

/** Like {@link runSync}, for `@Finalize`. Throws when the operator has none. */
export async function runFinalize(
  operator: object | OperatorConfig<unknown>,
  input: SyncInput,
): Promise<FinalizeResponse> {
  const config = configOf(operator);
  if (!config.finalize)
    throw new OperonError('CONFIG_INVALID', `Operator "${config.name}" has no @Finalize method.`);
  return config.finalize((await prepare(config, input, true)).request);
}

/**
 * Builds the {@link SyncRequest} the runtime would pass for this parent and these children.
 * @throws OperonError `SPEC_INVALID` when the spec fails validation.
 */
export async function buildRequest(
  config: OperatorConfig<unknown>,
  input: SyncInput,
  finalizing: boolean,
): Promise<SyncRequest<unknown>> {
  return (await prepare(config, input, finalizing)).request;
}

interface Prepared {
  parent: Parent<unknown>;
  /** Every current child, normalised as the cache would hold it (for the planner). */
  current: KubeObject[];
  request: SyncRequest<unknown>;
}

async function prepare(
  config: OperatorConfig<unknown>,
  input: SyncInput,
  finalizing: boolean,
): Promise<Prepared> {
  const type = config.parent.type;
  const meta = input.parent.metadata ?? {};
  const parent = {
    apiVersion: input.parent.apiVersion ?? type.apiVersion,
    kind: input.parent.kind ?? type.kind,
    ...input.parent,
    metadata: {
      name: 'test',
      uid: 'test-uid',
      generation: 1,
      ...(type.namespaced ? { namespace: 'default' } : {}),
      ...meta,
    },
  } as Parent<unknown>;
  const spec = await transformAndValidateSpec(config.parent.spec, input.parent.spec);
  if (!spec.ok) {
    throw new OperonError('SPEC_INVALID', `The spec is invalid: ${spec.problems.join('; ')}`);
  }
  const current = (input.children ?? []).map((c, i) => asCached(config, parent, c, i));
  // The runtime shows sync only the children this parent controls, sorted by name.
  const mine = current
    .filter((c) => isControlledBy(c, parent.metadata.uid))
    .sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
  const withSpec = { ...parent, spec: spec.spec };
  const request = syncRequest(
    withSpec,
    finalizing,
    (t) => mine.filter((c) => c.apiVersion === t.apiVersion && c.kind === t.kind),
    input.signal,
    input.log,
    relatedOf(config, withSpec, input.related ?? []),
  );
  return { parent, current, request };
}

/**
 * What `req.related` answers with in a test: each relation's selection (from its `select`, as the
 * runtime computes it) applied to the given objects.
 * @throws OperonError `RELATED_SELECTION_INVALID` when a `select` throws or returns something the
 * runtime would refuse (it would set `Synced=False` with reason `InvalidRelatedSelection`).
 */
function relatedOf(config: OperatorConfig<unknown>, parent: Parent<unknown>, given: readonly KubeObject[]) {
  const refs = config.related ?? [];
  const objects = given.map((obj, i) => asRelated(config, parent, obj, i));
  const resolved = resolveSelections(refs, parent);
  if (!resolved.ok) {
    throw new OperonError(
      'RELATED_SELECTION_INVALID',
      `A related selection of ${describeType(config.parent.type)} "${parent.metadata.name}" is invalid ` +
        '(the runtime would set Synced=False with reason InvalidRelatedSelection and change no child):\n' +
        resolved.problems.map((p) => `  - ${p}`).join('\n'),
    );
  }
  return relatedLookup(refs, resolved.selections, (selection) =>
    objects.filter(
      (o) =>
        o.apiVersion === selection.type.apiVersion && o.kind === selection.type.kind && selects(selection, o),
    ),
  );
}

/** A given related object as the runtime's cache would hold it; the input is not touched. */
function asRelated(config: OperatorConfig<unknown>, parent: Parent<unknown>, obj: KubeObject, index: number) {
  const refs = config.related ?? [];
  const ref = refs.find((r) => r.type.apiVersion === obj.apiVersion && r.type.kind === obj.kind);
  const name = obj.metadata?.name;
  if (!ref || typeof name !== 'string' || name === '') {
    const declared = [...new Set(refs.map((r) => describeType(r.type)))].join(', ') || 'none';
    const what = `related[${index}] (${obj.kind ?? 'no kind'} ${obj.apiVersion ?? 'no apiVersion'}${name ? ` "${name}"` : ''})`;
    const why = !ref
      ? `is not of a type operator "${config.name}" relates to (${declared}); set its apiVersion and kind to one of those`
      : 'has no metadata.name; every object in a cluster has one';
    throw new OperonError('CONFIG_INVALID', `The test input is invalid: ${what} ${why}.`);
  }
  const namespace = obj.metadata?.namespace ?? (ref.type.namespaced ? parent.metadata.namespace : undefined);
  // Frozen as the cache's objects are, so a sync that changes one fails here as it would at run time.
  return deepFreeze({
    ...structuredClone(obj),
    metadata: {
      ...structuredClone(obj.metadata),
      name,
      ...(namespace === undefined ? {} : { namespace }),
      uid:
        obj.metadata?.uid ??
        `test-uid-${ref.type.kind.toLowerCase()}-${namespace ? `${namespace}-` : ''}${name}`,
    },
  });
}

function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  Object.freeze(value);
  for (const v of Object.values(value)) deepFreeze(v);
  return value;
}

/** A current child as the runtime's cache would hold it; the input is not touched. */
function asCached(
  config: OperatorConfig<unknown>,
  parent: Parent<unknown>,
  child: KubeObject,
  index: number,
): KubeObject {
  const ref = config.children.find(
    (r) => r.type.apiVersion === child.apiVersion && r.type.kind === child.kind,
  );
  const name = child.metadata?.name;
  if (!ref || typeof name !== 'string' || name === '') {
    const what = `children[${index}] (${child.kind ?? 'no kind'} ${child.apiVersion ?? 'no apiVersion'}${name ? ` "${name}"` : ''})`;
    const why = !ref
      ? `is not of a child type operator "${config.name}" declares (${describeDeclared(config.children)}); set its apiVersion and kind to one of those`
      : 'has no metadata.name; every object in a cluster has one';
    throw new OperonError('CONFIG_INVALID', `The test input is invalid: ${what} ${why}.`);
  }
  const parentType = config.parent.type;
  const namespace =
    child.metadata?.namespace ??
    (ref.type.namespaced && parentType.namespaced ? parent.metadata.namespace : undefined);
  const owners = child.metadata?.ownerReferences ?? [];
  const controlled = owners.some((o) => o.controller === true);
  // As the runtime writes it: an owner reference, or the parent's UID label where no reference can be.
  const tracked = isTrackedPlacement(ref.type, namespace, parent as ParentObject, parentType);
  const labels = child.metadata?.labels ?? {};
  return {
    ...child,
    metadata: {
      ...child.metadata,
      name,
      ...(namespace === undefined ? {} : { namespace }),
      uid:
        child.metadata?.uid ??
        `test-uid-${ref.type.kind.toLowerCase()}-${namespace ? `${namespace}-` : ''}${name}`,
      ...(controlled || !tracked
        ? {
            ownerReferences: controlled
              ? owners
              : [parentOwnerReference(parent as ParentObject, parentType), ...owners],
          }
        : { labels: { [PARENT_UID_LABEL]: parent.metadata.uid, ...labels } }),
    },
  };
}

/** Checks a sync response as the reconciler does; returns the ownership to plan with. */
function checkResponse(
  config: OperatorConfig<unknown>,
  parent: Parent<unknown>,
  response: unknown,
): Ownership {
  const ownership: Ownership = { operatorName: config.name, parent, parentType: config.parent.type };
  const problems = validateSyncResponse(response, { ...ownership, children: config.children });
  if (problems.length > 0) {
    throw new OperonError(
      'SYNC_RESPONSE_INVALID',
      `sync returned an invalid response for ${describeType(config.parent.type)} "${parent.metadata.name}" ` +
        `(the runtime would set Synced=False with reason InvalidSyncResponse and change no child): ` +
        `${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
  }
  return ownership;
}

function configOf(operator: object | OperatorConfig<unknown>): OperatorConfig<unknown> {
  const maybe = operator as Partial<OperatorConfig<unknown>>;
  if (
    typeof maybe.sync === 'function' &&
    typeof maybe.name === 'string' &&
    maybe.parent &&
    Array.isArray(maybe.children)
  ) {
    return operator as OperatorConfig<unknown>;
  }
  return buildOperatorConfig(operator);
}

/** @internal The {@link OperatorConfig} of an operator instance or config (for the test kit). */
export const operatorConfigOf = configOf;
