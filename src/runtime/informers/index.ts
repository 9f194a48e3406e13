/**
 * @packageDocumentation
 * Operon's own list/watch machinery: shared informers that keep an indexed, managedFields-free
 * cache of each resource type and scope in step with the API server, and never give up.
 */

export { type BackoffOptions, type ResolvedBackoff, resolveBackoff } from './backoff.js';
export { type CacheSlot, fixedSlot } from './cache-slot.js';
export { InformerRegistry, type InformerRegistryOptions } from './informer-registry.js';
export { type InformerScope, informerKey, normalizeScope } from './informer-scope.js';
export {
  METADATA_LIST_ACCEPT,
  METADATA_WATCH_ACCEPT,
  Reflector,
  type ReflectorHealth,
  type ReflectorListener,
  type ReflectorOptions,
  WatchError,
} from './reflector.js';
export {
  type InformerHandler,
  type InformerHealth,
  SharedInformer,
  type SharedInformerOptions,
} from './shared-informer.js';
export {
  type IndexFunction,
  OWNER_UID_INDEX,
  type ReadonlyStore,
  type ReplaceResult,
  Store,
  type StoreWriter,
} from './store.js';
export type { WatchEvent, WatchEventType } from './watch-events.js';
