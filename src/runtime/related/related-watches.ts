import { type KubeObject, objectKey } from '../../types/kube-object.js';
import type { RelatedRef } from '../../types/related.js';
import { type ResourceType, resourceTypeId } from '../../types/resource-type.js';
import type { InformerRegistry } from '../informers/informer-registry.js';
import type { SharedInformer } from '../informers/shared-informer.js';
import { FetchedObjects, type GetObject, getThrough } from './fetched-objects.js';
import { RelatedIndex } from './related-index.js';
import { type ResolvedSelection, selects } from './selection.js';

/** Name of the store index that files objects by namespace (only on all-namespace related informers). */
export const NAMESPACE_INDEX = 'operon.dev/namespace';

/** Index function for {@link NAMESPACE_INDEX}. */
export function namespaceIndex(obj: KubeObject): string[] {
  return [obj.metadata?.namespace ?? ''];
}

/**
 * What a reconcile needs of an operator's relations: to record what a parent selects, and to read
 * the selected objects from the caches.
 */
export interface RelatedSource {
  /** The namespaces the operator watches; undefined = all. */
  readonly namespaces: readonly string[] | undefined;
  /** Records what the parent with this key selects now (replacing what it selected before). */
  track(parentKey: string, selections: Iterable<ResolvedSelection>): void;
  /** Drops the parent with this key: a related change no longer concerns it. */
  forget(parentKey: string): void;
  /**
   * The whole objects the selection names or matches, in no particular order: which ones, from the
   * cache; their content, from a kept copy or a GET (call {@link track} first, so a copy is kept).
   * Rejects when `signal` aborts or a GET fails (anything but a 404, which means "gone").
   */
  objects(selection: ResolvedSelection, signal?: AbortSignal): Promise<readonly KubeObject[]>;
}

/**
 * The full copies kept beside each metadata-only informer, shared by every operator relating to its
 * type and scope (keyed by the shared informer itself, so they go when it does).
 */
const fetchedBy = new WeakMap<SharedInformer<KubeObject>, { fetched: FetchedObjects; detach: () => void }>();

/**
 * One operator's related types at run time: their informers (from the host's shared registry), the
 * reverse index from related objects to parents, and the handlers that queue exactly the parents a
 * change concerns.
 *
 * @remarks
 * Each related type is watched with a metadata-only informer per watched namespace (or one for
 * all), with no selector: its key is (type, namespace), so every operator relating to the type
 * shares one watch (DESIGN rule 7), and where a full-object informer of that key exists (an
 * operator whose parent is of that type) it is used instead (see `InformerRegistry`). A selector
 * cannot narrow the watch, because what parents select is only known per pass and changes with
 * their specs; metadata is what keeps it small. The whole objects are read only for what parents
 * select ({@link FetchedObjects}, shared too), so memory follows what parents reference, not what
 * the cluster holds (measured in docs/architecture.md, "Related resources").
 *
 * An event maps to parents through {@link RelatedIndex}: the object's old and new state are both
 * looked up, so a parent whose selector stopped matching (a label removed) runs too. A parent of
 * the operator's own type is never queued by its own change through a relation: its own changes
 * reach it through the parent handler, which ignores status-only updates (rule 5).
 */
export class RelatedWatches implements RelatedSource {
  readonly index = new RelatedIndex();
  readonly namespaces: readonly string[] | undefined;
  private readonly byType = new Map<string, SharedInformer<KubeObject>[]>();
  private readonly unsubscribe: (() => void)[] = [];
  private readonly parentTypeId: string;

  /**
   * @param scopes - one entry per watched namespace, or `[undefined]` for all namespaces.
   * @param enqueue - queues a parent key for a pass.
   * @param get - reads one whole object (default: a GET through the registry's API client).
   */
  constructor(
    registry: InformerRegistry,
    refs: readonly RelatedRef[],
    scopes: readonly (string | undefined)[],
    parentType: ResourceType,
    private readonly enqueue: (parentKey: string) => void,
    get: GetObject = getThrough(registry.api),
  ) {
    this.parentTypeId = resourceTypeId(parentType);
    const watched = scopes.filter((s): s is string => s !== undefined);
    this.namespaces = watched.length > 0 ? watched : undefined;
    for (const ref of refs) {
      const type = ref.type;
      const typeId = resourceTypeId(type);
      if (this.byType.has(typeId)) continue; // two relations of one type read the same informers
      const informers: SharedInformer<KubeObject>[] = [];
      for (const namespace of type.namespaced ? scopes : [undefined]) {
        const informer = registry.metadataInformerFor(type, { namespace });
        if (informer.metadataOnly) this.unsubscribe.push(this.hold(informer, get));
        // Only an all-namespace informer of a namespaced type needs it: a namespace's objects are
        // then an index lookup rather than a scan of the whole cluster's.
        if (type.namespaced && !informer.scope.namespace)
          informer.store.addIndex(NAMESPACE_INDEX, namespaceIndex);
        informers.push(informer);
        this.unsubscribe.push(
          informer.addHandler({
            onAdd: (obj) => this.changed(typeId, obj),
            onUpdate: (oldObj, newObj) => this.changed(typeId, oldObj, newObj),
            onDelete: (obj) => this.changed(typeId, obj),
          }),
        );
      }
      this.byType.set(typeId, informers);
    }
  }

  /** Every informer the relations read (the operator's caches must sync before it reconciles). */
  informers(): SharedInformer<KubeObject>[] {
    return [...this.byType.values()].flat();
  }

  track(parentKey: string, selections: Iterable<ResolvedSelection>): void {
    const before = this.index.selectionsOf(parentKey);
    const now = [...selections];
    this.index.set(parentKey, now);
    const dropped = before.filter((b) => !now.some((s) => sameSelection(s, b)));
    if (dropped.length > 0) this.release(dropped);
  }

  forget(parentKey: string): void {
    const before = this.index.selectionsOf(parentKey);
    this.index.forget(parentKey);
    if (before.length > 0) this.release(before);
  }

  async objects(selection: ResolvedSelection, signal?: AbortSignal): Promise<readonly KubeObject[]> {
    const { namespace, name } = selection;
    const out: KubeObject[] = [];
    const reads: Promise<KubeObject | undefined>[] = [];
    for (const informer of this.byType.get(selection.typeId) ?? []) {
      const scoped = informer.scope.namespace;
      if (scoped !== undefined && scoped !== namespace) continue;
      const store = informer.store;
      let found: KubeObject[];
      if (name !== undefined) {
        const obj = store.get(namespace ? `${namespace}/${name}` : name);
        found = obj ? [obj] : [];
      } else {
        const candidates =
          namespace !== undefined && scoped === undefined
            ? store.byIndex(NAMESPACE_INDEX, namespace)
            : store.list();
        found = candidates.filter((obj) => selects(selection, obj));
      }
      // Read at call time: an informer asked for metadata may have been widened before it started.
      const fetched = informer.metadataOnly ? fetchedBy.get(informer)?.fetched : undefined;
      if (fetched) for (const meta of found) reads.push(fetched.read(meta, signal));
      else out.push(...found);
    }
    for (const obj of await Promise.all(reads)) if (obj) out.push(obj);
    return out;
  }

  /** Full copies kept for this operator's relations (shared with other operators), for tests. */
  fetchedCopies(): number {
    let n = 0;
    for (const informer of this.informers()) n += fetchedBy.get(informer)?.fetched.size ?? 0;
    return n;
  }

  /** Removes the handlers (the shared informers themselves belong to the registry). */
  stop(): void {
    for (const u of this.unsubscribe.splice(0)) u();
  }

  /**
   * Registers this operator as a holder of the informer's shared full copies (creating them, and the
   * handler that drops stale ones, for the first operator); returns what undoes it.
   */
  private hold(informer: SharedInformer<KubeObject>, get: GetObject): () => void {
    let entry = fetchedBy.get(informer);
    if (!entry) {
      const fetched = new FetchedObjects(informer.type, get);
      const detach = informer.addHandler({
        onUpdate: (_old, meta) => fetched.changed(meta),
        onDelete: (meta) => fetched.deleted(meta),
      });
      entry = { fetched, detach };
      fetchedBy.set(informer, entry);
    }
    const { fetched, detach } = entry;
    const typeId = resourceTypeId(informer.type);
    const removeHolder = fetched.addHolder((obj) => this.index.parentsOf(typeId, obj).size > 0);
    return () => {
      removeHolder();
      if (fetched.holderCount > 0) return;
      detach();
      fetchedBy.delete(informer);
    };
  }

  /** A parent stopped making these selections: copies only they kept go. */
  private release(selections: readonly ResolvedSelection[]): void {
    for (const informer of this.informers()) {
      const fetched = fetchedBy.get(informer)?.fetched;
      if (!fetched || fetched.size === 0) continue;
      const typeId = resourceTypeId(informer.type);
      const scoped = informer.scope.namespace;
      const mine = selections.filter(
        (s) => s.typeId === typeId && (scoped === undefined || s.namespace === scoped),
      );
      if (mine.length > 0) fetched.release(mine);
    }
  }

  private changed(typeId: string, obj: KubeObject, newObj?: KubeObject): void {
    const parents = this.index.parentsOf(typeId, obj);
    if (newObj) this.index.parentsOf(typeId, newObj, parents);
    if (typeId === this.parentTypeId) parents.delete(objectKey(obj));
    for (const key of parents) this.enqueue(key);
  }
}

function sameSelection(a: ResolvedSelection, b: ResolvedSelection): boolean {
  return (
    a.typeId === b.typeId &&
    a.namespace === b.namespace &&
    a.name === b.name &&
    JSON.stringify(a.selector) === JSON.stringify(b.selector)
  );
}
