import type { V1ObjectMeta, V1OwnerReference } from '@kubernetes/client-node';
import type { KubeObject, NamedObject } from '../../types/kube-object.js';
import type { ResourceType } from '../../types/resource-type.js';
import type { ChildRef } from '../../types/sync.js';
import { SHARD_BUCKET_LABEL } from '../shard/buckets.js';
import { childRefFor } from './child-types.js';
import { canonicalJson, shortSha256, toJson } from './json.js';
import { foldStringData } from './secret-data.js';

/**
 * Label on every child Operon creates; its value is the operator's name. Child informers select on
 * the key alone, so all operators in a process share one watch per child type.
 */
export const OPERATOR_LABEL = 'operon.dev/operator';

/**
 * Annotation holding {@link desiredHash} of the desired object the child was last written from. A
 * changed hash reveals a changed desired object, including a field the author removed, which no
 * comparison with the live object can see.
 */
export const DESIRED_HASH_ANNOTATION = 'operon.dev/desired-hash';

/**
 * Label naming, by UID, the parent of a *tracked* child: one that cannot carry an owner reference to
 * its parent, because it lives in another namespace or is cluster-scoped while the parent is
 * namespaced (the API server and the garbage collector allow neither). Tracked children are found
 * through this label, deleted by Operon itself (the GC cannot), and held by the parent's finalizer.
 * A UID, not a name: a parent deleted and made again under the same name must not inherit them.
 */
export const PARENT_UID_LABEL = 'operon.dev/parent-uid';

/**
 * Annotation on a tracked child naming its parent as `namespace/name`: the key that a change to the
 * child queues (a label value is too short for every name), and what a person reading the child
 * needs to find its parent.
 */
export const PARENT_ANNOTATION = 'operon.dev/parent';

/** Hex digits kept from the SHA-256: 64 bits, ample to tell one object's revisions apart. */
const HASH_LENGTH = 16;

/** The parent as the planner needs it: a name, a UID to own children by, and a namespace if any. */
export type ParentObject = KubeObject & { metadata: V1ObjectMeta & { name: string; uid: string } };

/** Who owns the children: the operator (for the label) and the parent (for the owner reference). */
export interface Ownership {
  /** The operator's name, the value of {@link OPERATOR_LABEL}. */
  readonly operatorName: string;
  readonly parent: ParentObject;
  readonly parentType: ResourceType;
  /**
   * Operon's routing labels for every child (with sharding, the parent's bucket); like the
   * operator label, they override the author's and are not part of the desired hash.
   */
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * Metadata the API server sets (no field manager owns it). An author who builds a desired child by
 * spreading the live one carries them along; kept, they would change the hash on every write (an
 * endless update loop) or turn a write into a stale precondition. `status` is dropped for the same
 * reason: it is not the operator's to set, and types with a status subresource ignore it on writes
 * anyway.
 * @internal
 */
export const SERVER_METADATA = [
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'managedFields',
  'selfLink',
] as const;

/**
 * The part of a desired object that is the author's: a JSON copy without server-set metadata,
 * `status`, or Operon's own label and hash annotation (which an author may have copied from a live
 * object). A Secret's `stringData` is folded into `data` first, so what Operon hashes, writes and
 * compares is what the API server stores.
 */
function authoredPart<T extends KubeObject>(desired: T): T {
  const copy = foldStringData(toJson(desired));
  const record = copy as Record<string, unknown>;
  delete record.status;
  const meta = copy.metadata;
  if (meta) {
    for (const field of SERVER_METADATA) delete meta[field];
    // An empty map means the same as none to the API server; drop it so the two hash alike.
    if (meta.labels) {
      delete meta.labels[OPERATOR_LABEL];
      delete meta.labels[PARENT_UID_LABEL];
      delete meta.labels[SHARD_BUCKET_LABEL];
      if (Object.keys(meta.labels).length === 0) delete meta.labels;
    }
    if (meta.annotations) {
      delete meta.annotations[DESIRED_HASH_ANNOTATION];
      delete meta.annotations[PARENT_ANNOTATION];
      if (Object.keys(meta.annotations).length === 0) delete meta.annotations;
    }
  }
  return copy;
}

/**
 * A stable fingerprint of a desired object as the author wrote it: the first 16 hex digits of the
 * SHA-256 of its canonical JSON (keys sorted, `undefined` dropped).
 *
 * @remarks
 * Key order does not matter; server-set metadata, `status`, and Operon's own label and annotation
 * are left out, so copying them from a live object does not change the hash. A Secret hashes with its
 * `stringData` folded into `data`: `stringData: { a: 'x' }` and `data: { a: 'eA==' }` hash alike.
 */
export function desiredHash(desired: KubeObject): string {
  return hashAuthored(authoredPart(desired));
}

function hashAuthored(authored: KubeObject): string {
  return shortSha256(canonicalJson(authored), HASH_LENGTH);
}

/** The controller owner reference Operon puts on each child of `parent`. */
export function parentOwnerReference(parent: ParentObject, parentType: ResourceType): V1OwnerReference {
  return {
    apiVersion: parentType.apiVersion,
    kind: parentType.kind,
    name: parent.metadata.name,
    uid: parent.metadata.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

/**
 * True when a child of `childType` in `namespace` cannot carry an owner reference to `parent`, so
 * Operon tracks it by label instead (see {@link PARENT_UID_LABEL}): the parent is namespaced and the
 * child is cluster-scoped or in another namespace. A cluster-scoped parent can own children
 * anywhere.
 */
export function isTrackedPlacement(
  childType: ResourceType,
  namespace: string | undefined,
  parent: ParentObject,
  parentType: ResourceType,
): boolean {
  if (!parentType.namespaced) return false;
  return !childType.namespaced || (namespace !== undefined && namespace !== parent.metadata.namespace);
}

/**
 * Returns the object Operon writes for a desired child: a new object (the input is not touched)
 * with Operon's ownership added.
 *
 * @remarks
 * - `metadata.namespace` defaults to the parent's when the parent is namespaced (never for a
 *   cluster-scoped child type).
 * - Label {@link OPERATOR_LABEL} is set to the operator's name (an author value is overridden).
 * - The parent's controller owner reference comes first; the author's other owner references
 *   follow, and an author reference to the parent itself is replaced, never duplicated.
 * - A child that cannot be owned (see {@link isTrackedPlacement}) gets no reference to the parent;
 *   label {@link PARENT_UID_LABEL} and annotation {@link PARENT_ANNOTATION} name it instead.
 * - Annotation {@link DESIRED_HASH_ANNOTATION} holds {@link desiredHash} of `desired`.
 * - Server-set metadata and `status` are dropped (see {@link desiredHash}).
 * - A core/v1 Secret's `stringData` is folded into base64 `data`, as the API server stores it.
 *
 * Expects a child that passed `validateSyncResponse` (in particular, one with a name).
 *
 * @param type - the child's declared type; without it the child is taken to be owned.
 */
export function decorateChild<T extends KubeObject>(
  desired: T,
  ownership: Ownership,
  type?: ResourceType,
): NamedObject<T> {
  const { operatorName, parent, parentType, labels } = ownership;
  const child = authoredPart(desired);
  const meta: V1ObjectMeta = child.metadata ?? {};
  const clusterScoped = type !== undefined && !type.namespaced;
  const namespace = clusterScoped
    ? undefined
    : (meta.namespace ?? (parentType.namespaced ? parent.metadata.namespace : undefined));
  const others = (meta.ownerReferences ?? []).filter((ref) => ref.uid !== parent.metadata.uid);
  const tracked = type !== undefined && isTrackedPlacement(type, namespace, parent, parentType);
  const hash = hashAuthored(child);
  const metadata: V1ObjectMeta = {
    ...meta,
    ...(namespace === undefined ? {} : { namespace }),
    labels: {
      ...meta.labels,
      ...labels,
      [OPERATOR_LABEL]: operatorName,
      ...(tracked ? { [PARENT_UID_LABEL]: parent.metadata.uid } : {}),
    },
    annotations: {
      ...meta.annotations,
      [DESIRED_HASH_ANNOTATION]: hash,
      ...(tracked ? { [PARENT_ANNOTATION]: parentKeyOf(parent) } : {}),
    },
    ownerReferences: tracked ? others : [parentOwnerReference(parent, parentType), ...others],
  };
  if (metadata.ownerReferences?.length === 0) delete metadata.ownerReferences;
  return { ...child, metadata } as NamedObject<T>;
}

/**
 * True when the parent lacks `finalizer` and `desired` holds a child no owner reference can reach
 * (see {@link isTrackedPlacement}): Operon must add its finalizer before writing it.
 */
export function needsTrackingFinalizer(
  children: readonly ChildRef[],
  parentType: ResourceType,
  parent: ParentObject,
  finalizer: string,
  desired: readonly KubeObject[],
): boolean {
  if (parent.metadata.finalizers?.includes(finalizer)) return false;
  return desired.some((child) => {
    const ref = childRefFor(children, child);
    const namespace = child.metadata?.namespace ?? parent.metadata.namespace;
    return ref !== undefined && isTrackedPlacement(ref.type, namespace, parent, parentType);
  });
}

/** The work-queue key of a parent: `namespace/name`, or `name` when cluster-scoped. */
function parentKeyOf(parent: ParentObject): string {
  const ns = parent.metadata.namespace;
  return ns ? `${ns}/${parent.metadata.name}` : parent.metadata.name;
}

/** The owner reference with `controller: true` on `obj`, if any. */
export function controllerOf(obj: KubeObject): V1OwnerReference | undefined {
  return obj.metadata?.ownerReferences?.find((ref) => ref.controller === true);
}

/**
 * True when `obj` belongs to the parent with UID `parentUid`: the only objects Operon may update or
 * delete on that parent's behalf (DESIGN rule 2). It belongs when its controller owner reference
 * names that UID, or, for a tracked child (no controller reference at all), when its
 * {@link PARENT_UID_LABEL} does. A matching name or a non-controller reference is not enough, and
 * the label never overrides another controller's reference.
 */
export function isControlledBy(obj: KubeObject, parentUid: string): boolean {
  return parentUidOf(obj) === parentUid;
}

/** True when `obj` is a tracked child: no controller owner reference, and a parent UID label. */
export function isTracked(obj: KubeObject): boolean {
  return controllerOf(obj) === undefined && obj.metadata?.labels?.[PARENT_UID_LABEL] !== undefined;
}

/** The UID of the parent `obj` belongs to (see {@link isControlledBy}), if any. */
export function parentUidOf(obj: KubeObject): string | undefined {
  const controller = controllerOf(obj);
  if (controller) return controller.uid;
  return obj.metadata?.labels?.[PARENT_UID_LABEL];
}

/**
 * Index function filing each child under {@link parentUidOf}: a parent's owned and tracked
 * children are one lookup. Only the controller counts, never a plain owner: Operon deletes and
 * adopts only what a parent controls, so mapping a child to its parent must use the same rule.
 */
export function parentUidIndex(obj: KubeObject): string[] {
  const uid = parentUidOf(obj);
  return uid ? [uid] : [];
}
