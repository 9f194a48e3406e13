import type { KubeObject } from '../../types/kube-object.js';
import type { ResourceType } from '../../types/resource-type.js';

/**
 * What a reconcile reads: the parent and its children, from the shared caches. Never the API server.
 */
export interface OperatorCache {
  /** The parent with this key, or undefined once it is gone. */
  parent(key: string): KubeObject | undefined;
  /** Objects of `type` whose controller ownerReference points at `parentUid`, sorted by name. */
  childrenOf(type: ResourceType, parentUid: string): KubeObject[];
  /** The cached object of `type` with that namespace and name (Operon-labelled objects only). */
  child(type: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined;
  /** The UID of the object of that name the cache saw deleted within the last minute, if any. */
  deletedChild?(type: ResourceType, namespace: string | undefined, name: string): string | undefined;
}
