import type { Logger } from '../../observability/logger.js';
import { type KubeObject, type ObjectKey, objectKey } from '../../types/kube-object.js';
import { rememberFieldManagers } from './field-managers.js';

/**
 * Maps an object to the index values it is filed under (none, one, or several).
 *
 * @remarks
 * Must be pure and cheap: it runs on every insert, update and delete, and the store calls it again
 * on the old object to find the entries to remove.
 */
export type IndexFunction<T extends KubeObject> = (obj: T) => readonly string[];

/**
 * Name of the index that files a child under the UID of the parent it belongs to (the planner's
 * `parentUidIndex`: its controller owner reference, or Operon's parent label on a tracked child).
 */
export const OWNER_UID_INDEX = 'operon.dev/controller-uid';

/**
 * The read side of a {@link Store}: what informers hand to everyone except the reflector.
 *
 * @remarks
 * Objects are deep-frozen and shared by every reader (one copy per object per process): copy before
 * changing one (`structuredClone`). Reads are synchronous and never block on the API server.
 */
export interface ReadonlyStore<T extends KubeObject> {
  /** Number of objects held. */
  readonly size: number;
  /** The object with this `namespace/name` key (`name` when cluster-scoped). */
  get(key: ObjectKey): T | undefined;
  /** Every object, in no particular order. */
  list(): T[];
  /** Every key, in no particular order. */
  keys(): ObjectKey[];
  /**
   * The objects filed under `value` in index `indexName`.
   * @throws Error when no index of that name was added (a programming error, not a cache miss).
   */
  byIndex(indexName: string, value: string): T[];
  /**
   * Adds an index; objects already present are filed immediately, later changes keep it current.
   * Adding the same name twice with the same function is a no-op; with another function it throws.
   */
  addIndex(name: string, fn: IndexFunction<T>): void;
  /**
   * The UID of the object last removed under this key, if that happened within the last
   * {@link TOMBSTONE_MS} and nothing has been stored under the key since. Lets a reader that wrote
   * an object tell "the cache has not seen my create yet" from "the cache saw it come and go".
   */
  deletedUid(key: ObjectKey): string | undefined;
}

/** How long a removed object's UID is remembered (see {@link ReadonlyStore.deletedUid}). */
export const TOMBSTONE_MS = 60_000;
/** The most tombstones kept at once; the oldest go first. */
const MAX_TOMBSTONES = 10_000;

/** What a relist changed, as {@link StoreWriter.replace} reports it. */
export interface ReplaceResult<T extends KubeObject> {
  added: T[];
  updated: { oldObj: T; newObj: T }[];
  deleted: T[];
}

/**
 * The write side of a {@link Store}, used only by the reflector that owns it.
 *
 * @remarks
 * Every inserted object becomes the store's: `metadata.managedFields` is dropped and the object is
 * deep-frozen, so the caller must not keep changing it.
 */
export interface StoreWriter<T extends KubeObject> {
  /** Inserts or replaces the object; returns the stored copy and the object it replaced, if any. */
  upsert(obj: T): { stored: T; previous: T | undefined };
  /** Removes the object with this key; returns it, or undefined when it was not there. */
  remove(key: ObjectKey): T | undefined;
  /**
   * Makes the store hold exactly `objs` (a relist) and says what changed. Objects whose
   * `resourceVersion` did not change keep their stored instance and are not reported.
   */
  replace(objs: readonly T[]): ReplaceResult<T>;
}

interface Index<T extends KubeObject> {
  fn: IndexFunction<T>;
  entries: Map<string, Set<ObjectKey>>;
}

/**
 * An in-memory cache of one resource type and scope, keyed by `namespace/name`, with secondary
 * indexes.
 *
 * @remarks
 * Not thread-safe in the Java sense and needs not be: every mutation happens synchronously on the
 * event loop, so readers always see a consistent store and consistent indexes.
 */
export class Store<T extends KubeObject> implements ReadonlyStore<T>, StoreWriter<T> {
  private readonly objects = new Map<ObjectKey, T>();
  private readonly indexes = new Map<string, Index<T>>();
  /** Removed objects' UIDs by key, oldest first (a Map keeps insertion order). */
  private readonly tombstones = new Map<ObjectKey, { uid: string; at: number }>();

  /** @param log receives a warning when an index function throws (the object is then left unindexed). */
  constructor(private readonly log?: Logger) {}

  get size(): number {
    return this.objects.size;
  }

  get(key: ObjectKey): T | undefined {
    return this.objects.get(key);
  }

  list(): T[] {
    return [...this.objects.values()];
  }

  keys(): ObjectKey[] {
    return [...this.objects.keys()];
  }

  byIndex(indexName: string, value: string): T[] {
    const index = this.indexes.get(indexName);
    if (!index) {
      throw new Error(
        `No index named "${indexName}" on this store; call addIndex("${indexName}", fn) before querying it.`,
      );
    }
    const keys = index.entries.get(value);
    if (!keys) return [];
    const out: T[] = [];
    for (const k of keys) {
      const obj = this.objects.get(k);
      if (obj) out.push(obj);
    }
    return out;
  }

  addIndex(name: string, fn: IndexFunction<T>): void {
    const existing = this.indexes.get(name);
    if (existing) {
      // Several operators ask for the same well-known index on one shared store; that is fine.
      if (existing.fn === fn) return;
      throw new Error(`An index named "${name}" already exists on this store with a different function.`);
    }
    const index: Index<T> = { fn, entries: new Map() };
    this.indexes.set(name, index);
    for (const [key, obj] of this.objects) this.file(index, name, key, obj);
  }

  deletedUid(key: ObjectKey): string | undefined {
    const t = this.tombstones.get(key);
    return t && Date.now() - t.at <= TOMBSTONE_MS ? t.uid : undefined;
  }

  upsert(obj: T): { stored: T; previous: T | undefined } {
    const stored = cachedForm(obj);
    const key = objectKey(stored);
    this.tombstones.delete(key);
    const previous = this.objects.get(key);
    if (previous) this.unindex(key, previous);
    this.objects.set(key, stored);
    this.index(key, stored);
    return { stored, previous };
  }

  remove(key: ObjectKey): T | undefined {
    const previous = this.objects.get(key);
    if (!previous) return undefined;
    this.unindex(key, previous);
    this.objects.delete(key);
    this.bury(key, previous);
    return previous;
  }

  private bury(key: ObjectKey, obj: T): void {
    const uid = obj.metadata?.uid;
    if (!uid) return;
    this.tombstones.delete(key); // re-inserted last: the Map stays ordered by time
    this.tombstones.set(key, { uid, at: Date.now() });
    const expired = Date.now() - TOMBSTONE_MS;
    for (const [k, t] of this.tombstones) {
      if (t.at >= expired && this.tombstones.size <= MAX_TOMBSTONES) break;
      this.tombstones.delete(k);
    }
  }

  replace(objs: readonly T[]): ReplaceResult<T> {
    const result: ReplaceResult<T> = { added: [], updated: [], deleted: [] };
    const seen = new Set<ObjectKey>();
    for (const obj of objs) {
      const key = objectKey(obj);
      seen.add(key);
      const current = this.objects.get(key);
      // Same resourceVersion means the very same object state: keep the stored instance, so readers
      // holding it stay valid and nothing is replayed to handlers.
      if (current && rv(current) !== undefined && rv(current) === rv(obj)) continue;
      const { stored, previous } = this.upsert(obj);
      if (previous) result.updated.push({ oldObj: previous, newObj: stored });
      else result.added.push(stored);
    }
    for (const key of [...this.objects.keys()]) {
      if (seen.has(key)) continue;
      const gone = this.remove(key);
      if (gone) result.deleted.push(gone);
    }
    return result;
  }

  private index(key: ObjectKey, obj: T): void {
    for (const [name, index] of this.indexes) this.file(index, name, key, obj);
  }

  private unindex(key: ObjectKey, obj: T): void {
    for (const [name, index] of this.indexes) {
      for (const value of this.valuesOf(index, name, obj)) {
        const keys = index.entries.get(value);
        if (!keys) continue;
        keys.delete(key);
        if (keys.size === 0) index.entries.delete(value);
      }
    }
  }

  private file(index: Index<T>, name: string, key: ObjectKey, obj: T): void {
    for (const value of this.valuesOf(index, name, obj)) {
      let keys = index.entries.get(value);
      if (!keys) {
        keys = new Set();
        index.entries.set(value, keys);
      }
      keys.add(key);
    }
  }

  private valuesOf(index: Index<T>, name: string, obj: T): readonly string[] {
    try {
      return index.fn(obj);
    } catch (err) {
      // One bad index function must not corrupt the cache or stop the watch feeding it.
      this.log?.warn(
        { err, index: name, key: objectKey(obj) },
        'index function threw; object left out of this index',
      );
      return [];
    }
  }
}

function rv(obj: KubeObject): string | undefined {
  return obj.metadata?.resourceVersion;
}

/**
 * The form every cached object takes: `metadata.managedFields` dropped (often half an object's size,
 * never needed by an operator; only who wrote it with an `Update` is kept, see `fieldManagersOf`)
 * and deep-frozen. Exposed for the reflector, which hands the final state of deleted objects to
 * handlers in the same form.
 * @internal
 */
export function cachedForm<T extends KubeObject>(obj: T): T {
  if (Object.isFrozen(obj) && !obj.metadata?.managedFields) return obj;
  let copy: T = obj;
  if (obj.metadata?.managedFields) {
    const { managedFields, ...metadata } = obj.metadata;
    copy = { ...obj, metadata };
    rememberFieldManagers(copy, managedFields);
  }
  return deepFreeze(copy);
}

function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  Object.freeze(value);
  for (const v of Object.values(value)) deepFreeze(v);
  return value;
}
