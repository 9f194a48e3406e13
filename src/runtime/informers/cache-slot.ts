import type { KubeObject } from '../../types/kube-object.js';
import type { ResourceType } from '../../types/resource-type.js';
import type { InformerHandler, SharedInformer } from './shared-informer.js';
import type { IndexFunction } from './store.js';

/**
 * Where an operator reads one cache from (its parents', or one child type's, in one namespace
 * scope): an informer, or, with sharding, whichever informer currently holds this replica's share.
 *
 * @remarks
 * Reads must go through {@link CacheSlot.current} every time: with sharding the informer is
 * replaced when this replica's share of the parents changes. A replaced informer's objects simply
 * leave the slot (no `onDelete`); the new one's are announced as `onAdd`.
 */
export interface CacheSlot<T extends KubeObject = KubeObject> {
  readonly type: ResourceType<T>;
  /** The informers whose caches are in use now (none while a sharded replica owns nothing). */
  current(): readonly SharedInformer<T>[];
  /** Registers a handler on the informer in use and on every later one; returns its removal. */
  addHandler(handler: InformerHandler<T>): () => void;
  /** Adds an index to the store in use and to every later one. */
  addIndex(name: string, fn: IndexFunction<T>): void;
}

/** A slot that is always the one informer (no sharding). */
export function fixedSlot<T extends KubeObject>(informer: SharedInformer<T>): CacheSlot<T> {
  const current = [informer] as const;
  return {
    type: informer.type,
    current: () => current,
    addHandler: (handler) => informer.addHandler(handler),
    addIndex: (name, fn) => informer.store.addIndex(name, fn),
  };
}
