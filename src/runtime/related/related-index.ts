import type { KubeObject } from '../../types/kube-object.js';
import type { LabelSelector } from '../../types/related.js';
import { matchesLabelSelector, type ResolvedSelection } from './selection.js';

/**
 * The reverse index of one operator's relations: from a related object to the keys of the parents
 * whose last computed selection names or matches it.
 *
 * @remarks
 * Mapping a related object's event to parents must cost what mapping a child's event does (DESIGN
 * §3.2: an index lookup, never a scan of the parents). Name selections are a map lookup by type,
 * namespace and name. Selector selections cannot be looked up by object, so they are kept per
 * (type, namespace) and only the selectors of parents in the object's namespace are evaluated.
 *
 * A parent's entries are replaced as a whole on each pass ({@link set}) and dropped when it is gone
 * ({@link forget}), so the index holds exactly one selection per relation of each known parent.
 */
export class RelatedIndex {
  /** `typeId|namespace|name` → parent keys naming that object. */
  private readonly byName = new Map<string, Set<string>>();
  /** `typeId|namespace` → parent key → the selectors that parent evaluates there. */
  private readonly bySelector = new Map<string, Map<string, LabelSelector[]>>();
  /** What each parent selects now, to remove it on the next {@link set}. */
  private readonly byParent = new Map<string, readonly ResolvedSelection[]>();

  /** Makes `selections` what the parent with this key selects, replacing what it selected before. */
  set(parentKey: string, selections: Iterable<ResolvedSelection>): void {
    this.forget(parentKey);
    const list = [...selections];
    if (list.length === 0) return;
    this.byParent.set(parentKey, list);
    for (const s of list) {
      if (s.name !== undefined) {
        const key = nameKey(s.typeId, s.namespace, s.name);
        let parents = this.byName.get(key);
        if (!parents) {
          parents = new Set();
          this.byName.set(key, parents);
        }
        parents.add(parentKey);
      } else if (s.selector !== undefined) {
        const key = scopeKey(s.typeId, s.namespace);
        let parents = this.bySelector.get(key);
        if (!parents) {
          parents = new Map();
          this.bySelector.set(key, parents);
        }
        const selectors = parents.get(parentKey);
        if (selectors) selectors.push(s.selector);
        else parents.set(parentKey, [s.selector]);
      }
    }
  }

  /** The parent is gone (or selects nothing it can be told about): drop every entry of it. */
  forget(parentKey: string): void {
    const previous = this.byParent.get(parentKey);
    if (!previous) return;
    this.byParent.delete(parentKey);
    for (const s of previous) {
      if (s.name !== undefined) {
        const key = nameKey(s.typeId, s.namespace, s.name);
        const parents = this.byName.get(key);
        parents?.delete(parentKey);
        if (parents?.size === 0) this.byName.delete(key);
      } else {
        const key = scopeKey(s.typeId, s.namespace);
        const parents = this.bySelector.get(key);
        parents?.delete(parentKey);
        if (parents?.size === 0) this.bySelector.delete(key);
      }
    }
  }

  /**
   * The keys of the parents whose selection names or matches this object of type `typeId`, added
   * to `into` (so the old and new state of an update collect into one set).
   */
  parentsOf(typeId: string, obj: KubeObject, into = new Set<string>()): Set<string> {
    const namespace = obj.metadata?.namespace || undefined;
    const name = obj.metadata?.name;
    if (name !== undefined) {
      for (const key of this.byName.get(nameKey(typeId, namespace, name)) ?? []) into.add(key);
    }
    const selecting = this.bySelector.get(scopeKey(typeId, namespace));
    if (selecting) {
      const labels = obj.metadata?.labels;
      for (const [parentKey, selectors] of selecting) {
        if (into.has(parentKey)) continue;
        if (selectors.some((s) => matchesLabelSelector(labels, s))) into.add(parentKey);
      }
    }
    return into;
  }

  /** What the parent with this key selects now (empty when unknown). */
  selectionsOf(parentKey: string): readonly ResolvedSelection[] {
    return this.byParent.get(parentKey) ?? [];
  }

  /** How many parents have a selection (for tests of boundedness). */
  get size(): number {
    return this.byParent.size;
  }
}

function scopeKey(typeId: string, namespace: string | undefined): string {
  return `${typeId}|${namespace ?? ''}`;
}

function nameKey(typeId: string, namespace: string | undefined, name: string): string {
  return `${typeId}|${namespace ?? ''}|${name}`;
}
