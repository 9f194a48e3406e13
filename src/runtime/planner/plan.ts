import { OperonError } from '../../errors/operon-error.js';
import type { KubeObject, NamedObject } from '../../types/kube-object.js';
import { type ResourceType, resourceTypeId } from '../../types/resource-type.js';
import type { ChildRef } from '../../types/sync.js';
import type { ChildBaseline } from './baseline.js';
import { childRefFor } from './child-types.js';
import { matchesDesired } from './drift.js';
import { controllerOf, decorateChild, isControlledBy, OPERATOR_LABEL, type Ownership } from './ownership.js';
import { validateSyncResponse } from './validate-response.js';

/** Create a child that does not exist. `object` is the decorated desired child. */
export interface CreateAction {
  readonly action: 'create';
  readonly type: ResourceType;
  readonly object: NamedObject;
}

/**
 * Bring an existing child in line with the desired one, per its type's update strategy.
 *
 * - `apply`: server-side apply `object` (field manager: the operator's name).
 * - `replace`: PUT `object`; it already carries the live `resourceVersion` (so a concurrent change
 *   fails with 409 instead of being lost) and keeps the live finalizers.
 * - `recreate`: delete `live` (precondition: its UID), then create `object`.
 */
export interface UpdateAction {
  readonly action: 'apply' | 'replace' | 'recreate';
  readonly type: ResourceType;
  readonly object: NamedObject;
  readonly live: NamedObject;
}

/**
 * A desired child whose name is taken by an object this parent does not control. Nothing is written
 * for it (DESIGN rule 2); `message` says who holds the name and what to do, for the parent's status.
 */
export interface ConflictAction {
  readonly action: 'conflict';
  readonly type: ResourceType;
  readonly object: NamedObject;
  readonly live: NamedObject;
  readonly message: string;
}

/** Delete a child this parent controls and `sync` no longer returns (precondition: its UID). */
export interface DeleteAction {
  readonly action: 'delete';
  readonly type: ResourceType;
  readonly live: NamedObject;
}

/** One write (or conflict) of a plan, told apart by its `action`. */
export type ChildAction = CreateAction | UpdateAction | ConflictAction | DeleteAction;

/**
 * What to do to make the children match what `sync` returned. Creates, updates and conflicts come
 * first, deletes last; within each group, actions follow the declared order of child types, then
 * namespace, then name. An empty plan means the desired state already holds: send no request.
 */
export type Plan = readonly ChildAction[];

/** Everything {@link planChildren} looks at. */
export interface PlanInput extends Ownership {
  /** The operator's declared child types, in declaration order. */
  readonly children: readonly ChildRef[];
  /** The children `sync` returned, as the author wrote them (not decorated). */
  readonly desired: readonly KubeObject[];
  /**
   * The cached objects of the declared types that carry {@link OPERATOR_LABEL}, in the parent's
   * scope. Each must have `apiVersion` and `kind` (objects of other types are ignored). It may hold
   * other parents' and other operators' children: only objects controlled by this parent are ever
   * updated or deleted.
   */
  readonly current: readonly KubeObject[];
  /**
   * What the server made of Operon's last write of each child, by child UID (see `baselineOf`). A
   * child whose fields the server rewrote in ways drift detection does not know still holds as long
   * as they read as the server left them. Without it, such a child is rewritten on every pass.
   */
  readonly baselines?: ReadonlyMap<string, ChildBaseline>;
}

/**
 * Computes the writes that turn `current` into `desired`. Pure: it reads only its input.
 *
 * @remarks
 * Per desired child (decorated with `decorateChild`), matched to `current` by type, namespace and name:
 * - missing: `create`;
 * - present and not controlled by this parent: `conflict`, never a write;
 * - present, controlled, and being deleted: nothing now; its deletion event brings the parent back,
 *   and the next plan creates it;
 * - present and controlled: nothing if the strategy is `on-delete` or `matchesDesired` holds (given
 *   the child's baseline, if any), else an update action named after the strategy.
 *
 * Per current object controlled by this parent (`ownerReference` with `controller: true` and the
 * parent's UID) and not desired: `delete`, unless it is already being deleted.
 *
 * A desired name held by an object without Operon's label is not in `current`, so it is planned as
 * a `create`; the writer must report the API server's `AlreadyExists` as a name conflict.
 *
 * @throws OperonError `SYNC_RESPONSE_INVALID` if `desired` fails `validateSyncResponse`; call that
 * first and report its problems. This guard keeps an unchecked response from reaching a write.
 */
export function planChildren(input: PlanInput): Plan {
  const problems = validateSyncResponse({ children: input.desired }, input);
  if (problems.length > 0) {
    throw new OperonError(
      'SYNC_RESPONSE_INVALID',
      `Cannot plan children of ${input.parentType.kind} "${input.parent.metadata.name}": ${problems.join('; ')}`,
    );
  }
  return planValidatedChildren(input);
}

/**
 * {@link planChildren} for a caller that has just run `validateSyncResponse` on the same children
 * and found no problem (the reconciler): the check is not repeated.
 */
export function planValidatedChildren(input: PlanInput): Plan {
  const { children, desired, current, parent } = input;
  const live = new Map<string, NamedObject>();
  for (const obj of current) {
    const ref = childRefFor(children, obj);
    if (ref && obj.metadata?.name) live.set(keyOf(ref, obj), obj as NamedObject);
  }

  const writes: Sortable[] = [];
  const wanted = new Set<string>();
  for (const child of desired) {
    const ref = childRefFor(children, child)!; // validated by the caller
    const object = decorateChild(child, input, ref.type);
    const key = keyOf(ref, object);
    wanted.add(key);
    const action = planOne(ref, object, live.get(key), input);
    if (action) writes.push(sortable(children, ref, object, action));
  }

  const deletes: Sortable[] = [];
  for (const [key, obj] of live) {
    if (wanted.has(key) || !isControlledBy(obj, parent.metadata.uid) || isTerminating(obj)) continue;
    const ref = childRefFor(children, obj)!;
    deletes.push(sortable(children, ref, obj, { action: 'delete', type: ref.type, live: obj }));
  }

  return [...writes.sort(compare), ...deletes.sort(compare)].map((s) => s.action);
}

function planOne(
  ref: ChildRef,
  object: NamedObject,
  live: NamedObject | undefined,
  input: PlanInput,
): ChildAction | undefined {
  const type = ref.type;
  if (!live) return { action: 'create', type, object };
  if (!isControlledBy(live, input.parent.metadata.uid)) {
    return { action: 'conflict', type, object, live, message: conflictMessage(type, live, input) };
  }
  const uid = live.metadata.uid;
  const baseline = uid === undefined ? undefined : input.baselines?.get(uid);
  if (ref.strategy === 'on-delete' || isTerminating(live) || matchesDesired(object, live, baseline)) {
    return undefined;
  }
  switch (ref.strategy) {
    case 'apply':
      return { action: 'apply', type, object, live };
    case 'replace':
      return { action: 'replace', type, object: forReplace(object, live), live };
    case 'recreate':
      return { action: 'recreate', type, object, live };
  }
}

/**
 * The object to PUT: the desired one, conditional on the live `resourceVersion`, keeping the live
 * finalizers (other controllers' finalizers must survive a replace, or their cleanup is skipped).
 */
function forReplace(object: NamedObject, live: NamedObject): NamedObject {
  const finalizers = [...(live.metadata.finalizers ?? [])];
  for (const f of object.metadata.finalizers ?? []) if (!finalizers.includes(f)) finalizers.push(f);
  return {
    ...object,
    metadata: {
      ...object.metadata,
      resourceVersion: live.metadata.resourceVersion,
      ...(finalizers.length > 0 ? { finalizers } : {}),
    },
  };
}

function conflictMessage(type: ResourceType, live: NamedObject, input: PlanInput): string {
  const { parent, parentType } = input;
  const where = live.metadata.namespace ? ` in namespace "${live.metadata.namespace}"` : '';
  const controller = controllerOf(live);
  const operator = live.metadata.labels?.[OPERATOR_LABEL];
  const holder = controller
    ? `it is controlled by ${controller.kind} "${controller.name}" (uid ${controller.uid})`
    : 'it has no controller';
  const by = operator && operator !== input.operatorName ? `, and belongs to operator "${operator}"` : '';
  return (
    `${type.kind} "${live.metadata.name}"${where} already exists and is not controlled by this ${parentType.kind} ` +
    `"${parent.metadata.name}": ${holder}${by}. Operon does not overwrite objects it does not control; ` +
    `give the child another name in sync, or delete the existing ${type.kind}`
  );
}

function isTerminating(obj: KubeObject): boolean {
  return obj.metadata?.deletionTimestamp != null;
}

function keyOf(ref: ChildRef, obj: KubeObject): string {
  return `${resourceTypeId(ref.type)}\u0000${obj.metadata?.namespace ?? ''}\u0000${obj.metadata?.name ?? ''}`;
}

interface Sortable {
  readonly order: number;
  readonly namespace: string;
  readonly name: string;
  readonly action: ChildAction;
}

function sortable(
  children: readonly ChildRef[],
  ref: ChildRef,
  obj: NamedObject,
  action: ChildAction,
): Sortable {
  return {
    order: children.indexOf(ref),
    namespace: obj.metadata.namespace ?? '',
    name: obj.metadata.name,
    action,
  };
}

// Code-unit order, not localeCompare: the same on every machine, whatever its locale.
function compare(a: Sortable, b: Sortable): number {
  if (a.order !== b.order) return a.order - b.order;
  if (a.namespace !== b.namespace) return a.namespace < b.namespace ? -1 : 1;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/**
 * Desired children whose name is still held by this parent's object being deleted (a recreate in
 * progress, or a child someone deleted): each `Kind name`, for the `Recreating` condition.
 */
export function terminatingDesired(
  desired: readonly KubeObject[],
  current: readonly KubeObject[],
  parentUid: string,
): string[] {
  const out: string[] = [];
  for (const d of desired) {
    const live = current.find(
      (c) =>
        c.kind === d.kind &&
        c.metadata?.name === d.metadata?.name &&
        isControlledBy(c, parentUid) &&
        c.metadata?.deletionTimestamp,
    );
    if (live) out.push(`${d.kind} ${d.metadata?.name}`);
  }
  return out;
}
