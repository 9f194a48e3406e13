import type { V1ObjectMeta, V1OwnerReference } from '@kubernetes/client-node';
import type { KubeObject, NamedObject } from '../../types/kube-object.js';
import type { ResourceType } from '../../types/resource-type.js';
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
}

// Fields the API server sets. An author who builds a desired child by spreading the live one carries
// them along; kept, they would change the hash on every write (an endless update loop) or turn a
// write into a stale precondition. `status` is dropped for the same reason: it is not the
// operator's to set, and types with a status subresource ignore it on writes anyway.
const SERVER_METADATA = [
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
      if (Object.keys(meta.labels).length === 0) delete meta.labels;
    }
    if (meta.annotations) {
      delete meta.annotations[DESIRED_HASH_ANNOTATION];
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
 * Returns the object Operon writes for a desired child: a new object (the input is not touched)
 * with Operon's ownership added.
 *
 * @remarks
 * - `metadata.namespace` defaults to the parent's when the parent is namespaced.
 * - Label {@link OPERATOR_LABEL} is set to the operator's name (an author value is overridden).
 * - The parent's controller owner reference comes first; the author's other owner references
 *   follow, and an author reference to the parent itself is replaced, never duplicated.
 * - Annotation {@link DESIRED_HASH_ANNOTATION} holds {@link desiredHash} of `desired`.
 * - Server-set metadata and `status` are dropped (see {@link desiredHash}).
 * - A core/v1 Secret's `stringData` is folded into base64 `data`, as the API server stores it.
 *
 * Expects a child that passed `validateSyncResponse` (in particular, one with a name).
 */
export function decorateChild<T extends KubeObject>(desired: T, ownership: Ownership): NamedObject<T> {
  const { operatorName, parent, parentType } = ownership;
  const child = authoredPart(desired);
  const meta: V1ObjectMeta = child.metadata ?? {};
  const namespace = meta.namespace ?? (parentType.namespaced ? parent.metadata.namespace : undefined);
  const others = (meta.ownerReferences ?? []).filter((ref) => ref.uid !== parent.metadata.uid);
  const metadata: V1ObjectMeta = {
    ...meta,
    ...(namespace === undefined ? {} : { namespace }),
    labels: { ...meta.labels, [OPERATOR_LABEL]: operatorName },
    annotations: { ...meta.annotations, [DESIRED_HASH_ANNOTATION]: hashAuthored(child) },
    ownerReferences: [parentOwnerReference(parent, parentType), ...others],
  };
  return { ...child, metadata } as NamedObject<T>;
}

/** The owner reference with `controller: true` on `obj`, if any. */
export function controllerOf(obj: KubeObject): V1OwnerReference | undefined {
  return obj.metadata?.ownerReferences?.find((ref) => ref.controller === true);
}

/**
 * True when `obj` has a controller owner reference to the parent with UID `parentUid`: the only
 * objects Operon may update or delete on that parent's behalf (DESIGN rule 2). A matching label, a
 * matching name, or a non-controller reference is not enough.
 */
export function isControlledBy(obj: KubeObject, parentUid: string): boolean {
  return controllerOf(obj)?.uid === parentUid;
}
