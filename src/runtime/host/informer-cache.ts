import { objectKey } from '../../types/kube-object.js';
import { type ResourceType, resourceTypeId } from '../../types/resource-type.js';
import { type CacheSlot, OWNER_UID_INDEX } from '../informers/index.js';
import type { OperatorCache } from '../reconcile/operator-cache.js';

/**
 * The {@link OperatorCache} over one operator's caches: its parents' (one per watched namespace, or
 * one for all) and its children's by resource type id, each child store indexed by
 * `OWNER_UID_INDEX`. Shared by the running controller and by `operon plan`, so both read alike.
 * Every read asks each slot for the informer in use (sharding replaces them).
 */
export function cacheOverInformers(
  parentSlots: readonly CacheSlot[],
  childSlots: ReadonlyMap<string, readonly CacheSlot[]>,
): OperatorCache {
  const find = (type: ResourceType) =>
    (childSlots.get(resourceTypeId(type)) ?? []).flatMap((s) => s.current());
  const parents = () => parentSlots.flatMap((s) => s.current());
  const keyOf = (namespace: string | undefined, name: string) => (namespace ? `${namespace}/${name}` : name);
  return {
    parent: (key) => {
      for (const i of parents()) {
        const p = i.store.get(key);
        if (p) return p;
      }
      return undefined;
    },
    childrenOf: (type, uid) =>
      find(type)
        .flatMap((i) => i.store.byIndex(OWNER_UID_INDEX, uid))
        .sort((a, b) => objectKey(a).localeCompare(objectKey(b))),
    child: (type, namespace, name) => {
      for (const i of find(type)) {
        const c = i.store.get(keyOf(namespace, name));
        if (c) return c;
      }
      return undefined;
    },
    deletedChild: (type, namespace, name) => {
      for (const i of find(type)) {
        const uid = i.store.deletedUid(keyOf(namespace, name));
        if (uid) return uid;
      }
      return undefined;
    },
  };
}
