import { type KubeObject, objectKey } from '../../types/kube-object.js';
import { type ResourceType, resourceTypeId } from '../../types/resource-type.js';
import { type CacheSlot, OWNER_UID_INDEX, type SharedInformer } from '../informers/index.js';
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
  // Asked several times per pass: the slots of a type are looked up once per type object, and the
  // informers in use are walked in place rather than collected into new arrays.
  const slotsByType = new WeakMap<ResourceType, readonly CacheSlot[]>();
  const slotsOf = (type: ResourceType): readonly CacheSlot[] => {
    let slots = slotsByType.get(type);
    if (!slots) {
      slots = childSlots.get(resourceTypeId(type)) ?? [];
      slotsByType.set(type, slots);
    }
    return slots;
  };
  const firstOf = <R>(
    slots: readonly CacheSlot[],
    read: (i: SharedInformer<KubeObject>) => R | undefined,
  ) => {
    for (const slot of slots) {
      for (const i of slot.current()) {
        const found = read(i);
        if (found !== undefined) return found;
      }
    }
    return undefined;
  };
  const keyOf = (namespace: string | undefined, name: string) => (namespace ? `${namespace}/${name}` : name);
  return {
    parent: (key) => firstOf(parentSlots, (i) => i.store.get(key)),
    childrenOf: (type, uid) => {
      const out: KubeObject[] = [];
      for (const slot of slotsOf(type)) {
        for (const i of slot.current()) out.push(...i.store.byIndex(OWNER_UID_INDEX, uid));
      }
      return out.sort((a, b) => objectKey(a).localeCompare(objectKey(b)));
    },
    child: (type, namespace, name) => firstOf(slotsOf(type), (i) => i.store.get(keyOf(namespace, name))),
    deletedChild: (type, namespace, name) =>
      firstOf(slotsOf(type), (i) => i.store.deletedUid(keyOf(namespace, name))),
  };
}
