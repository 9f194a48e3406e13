import type { KubeObject } from '../../types/kube-object.js';
import type { ResourceType } from '../../types/resource-type.js';
import type { ChildRef } from '../../types/sync.js';
import { childRefFor } from '../planner/child-types.js';
import type { ParentObject } from '../planner/ownership.js';

/**
 * What a reconcile reads: the parent and its children, from the shared caches. Never the API server.
 */
export interface OperatorCache {
  /** The parent with this key, or undefined once it is gone. */
  parent(key: string): KubeObject | undefined;
  /**
   * Objects of `type` that belong to the parent with UID `parentUid` (controller owner reference,
   * or Operon's parent label on a tracked child), sorted by name.
   */
  childrenOf(type: ResourceType, parentUid: string): KubeObject[];
  /** The cached object of `type` with that namespace and name (Operon-labelled objects only). */
  child(type: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined;
  /** The UID of the object of that name the cache saw deleted within the last minute, if any. */
  deletedChild?(type: ResourceType, namespace: string | undefined, name: string): string | undefined;
}

/**
 * What a pass plans against: the parent's children, plus any cached object holding a desired name
 * (so a clash with an object the parent does not control is seen, not written over).
 */
export function childrenInScope(
  cache: OperatorCache,
  children: readonly ChildRef[],
  parent: ParentObject,
  desired: readonly KubeObject[],
): KubeObject[] {
  const seen = new Map<string, KubeObject>();
  const add = (obj: KubeObject | undefined) => {
    if (obj?.metadata?.uid) seen.set(obj.metadata.uid, obj);
  };
  for (const ref of children) for (const c of cache.childrenOf(ref.type, parent.metadata.uid)) add(c);
  for (const d of desired) {
    const ref = childRefFor(children, d);
    if (ref && d.metadata?.name) {
      const namespace = ref.type.namespaced ? (d.metadata.namespace ?? parent.metadata.namespace) : undefined;
      add(cache.child(ref.type, namespace, d.metadata.name));
    }
  }
  return [...seen.values()];
}
