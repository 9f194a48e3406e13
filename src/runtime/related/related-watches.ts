import { type KubeObject, objectKey } from '../../types/kube-object.js';
import type { RelatedRef } from '../../types/related.js';
import { type ResourceType, resourceTypeId } from '../../types/resource-type.js';
import type { InformerRegistry } from '../informers/informer-registry.js';
import type { SharedInformer } from '../informers/shared-informer.js';
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
  /** The cached objects the selection names or matches, in no particular order. */
  objects(selection: ResolvedSelection): KubeObject[];
}

/**
 * One operator's related types at run time: their informers (from the host's shared registry), the
 * reverse index from related objects to parents, and the handlers that queue exactly the parents a
 * change concerns.
 *
 * @remarks
 * Each related type is watched with a plain informer per watched namespace (or one for all), with
 * no selector: its key is (type, namespace), so every operator relating to the type, and an
 * operator whose parent is of that type, share one watch and one cached copy (DESIGN rule 7). A
 * selector cannot narrow the watch, because what parents select is only known per pass and changes
 * with their specs. The cost is that the cache holds every object of the type in the watched
 * namespaces (measured in docs/architecture.md, "Related resources").
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
   */
  constructor(
    registry: InformerRegistry,
    refs: readonly RelatedRef[],
    scopes: readonly (string | undefined)[],
    parentType: ResourceType,
    private readonly enqueue: (parentKey: string) => void,
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
        const informer = registry.informerFor(type, { namespace });
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
    this.index.set(parentKey, selections);
  }

  forget(parentKey: string): void {
    this.index.forget(parentKey);
  }

  objects(selection: ResolvedSelection): KubeObject[] {
    const { namespace, name } = selection;
    const out: KubeObject[] = [];
    for (const informer of this.byType.get(selection.typeId) ?? []) {
      const scoped = informer.scope.namespace;
      if (scoped !== undefined && scoped !== namespace) continue;
      const store = informer.store;
      if (name !== undefined) {
        const obj = store.get(namespace ? `${namespace}/${name}` : name);
        if (obj) out.push(obj);
        continue;
      }
      const candidates =
        namespace !== undefined && scoped === undefined
          ? store.byIndex(NAMESPACE_INDEX, namespace)
          : store.list();
      for (const obj of candidates) if (selects(selection, obj)) out.push(obj);
    }
    return out;
  }

  /** Removes the handlers (the shared informers themselves belong to the registry). */
  stop(): void {
    for (const u of this.unsubscribe.splice(0)) u();
  }

  private changed(typeId: string, obj: KubeObject, newObj?: KubeObject): void {
    const parents = this.index.parentsOf(typeId, obj);
    if (newObj) this.index.parentsOf(typeId, newObj, parents);
    if (typeId === this.parentTypeId) parents.delete(objectKey(obj));
    for (const key of parents) this.enqueue(key);
  }
}
