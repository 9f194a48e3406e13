import type { KubeObject } from '../../types/kube-object.js';
import { type ResourceType, resourceTypeId } from '../../types/resource-type.js';
import type { JsonObject } from '../../types/sync.js';
import type { ChildBaseline } from '../planner/index.js';
import type { OperatorCache } from './operator-cache.js';
import { RewriteGuard } from './rewrite-guard.js';

/**
 * What Operon wrote for its parents that the caches may not show yet (DESIGN rule 8: the cache may
 * be stale, including about Operon's own writes).
 *
 * @remarks
 * A watch event arrives some milliseconds after the write it reports. A pass that starts in that
 * window (a fast retry, another child's event) would otherwise compare against the object as it
 * was before: it skipped a status write that was needed, or created a child again ("Created"
 * twice, an `AlreadyExists` round trip). So each write is remembered together with the
 * resourceVersion the cache held for that object when the write was made. While the cache still
 * holds exactly that version, the write is what counts; as soon as the cache moves (to Operon's
 * write or to anything later) the memory is dropped and the cache is trusted again. No
 * resourceVersion is ever compared for order: they are opaque.
 *
 * One {@link ParentWrites} per parent key; it is dropped when the parent is gone from the cache
 * and reset when the key names a new object (another UID).
 */
export class OwnWrites {
  private readonly parents = new Map<string, ParentWrites>();

  /** The memory of the parent with this key and UID. */
  of(key: string, uid: string): ParentWrites {
    let writes = this.parents.get(key);
    if (writes?.uid !== uid) {
      writes = new ParentWrites(uid);
      this.parents.set(key, writes);
    }
    return writes;
  }

  /** The parent is gone: nothing about it is needed any more. */
  forget(key: string): void {
    this.parents.delete(key);
  }

  /** How many parents are remembered (for tests of boundedness). */
  get size(): number {
    return this.parents.size;
  }
}

interface ChildWrite {
  readonly type: ResourceType;
  readonly namespace: string | undefined;
  readonly name: string;
  /** The server's answer to the write; `null` when the write removed the object. */
  readonly written: KubeObject | null;
  /** The cached object's resourceVersion when the write was made (undefined: not cached). */
  readonly cachedVersion: string | undefined;
}

/** Operon's recent writes for one parent, and what it keeps about its children across passes. */
export class ParentWrites {
  /** Set once `finalize` reported done and the finalizer was removed: it is never called again. */
  finalized = false;
  /** The last problem reported while no pass could run (see `Reconciler.reportBlocked`). */
  blocked: string | undefined;
  /**
   * The parent's `metadata.generation` whose spec was last found valid. The API server bumps the
   * generation of a custom resource on every change to its spec, so while it stays the same the
   * spec does too, and most passes (those a child or the status brings) need not validate it again.
   */
  validGeneration: number | undefined;
  /** What the server made of Operon's last write of each child, by child UID (see `baselineOf`). */
  readonly baselines = new Map<string, ChildBaseline>();
  /** Counts rewrites of each child for one desired state (the loop breaker). */
  readonly rewrites = new RewriteGuard();
  private status: { written: JsonObject; cachedVersion: string | undefined } | undefined;
  private readonly children = new Map<string, ChildWrite>();

  constructor(readonly uid: string) {}

  /** Remembers the status Operon wrote, and the parent's resourceVersion the cache had then. */
  rememberStatus(written: JsonObject, cachedParent: KubeObject): void {
    this.status = { written, cachedVersion: cachedParent.metadata?.resourceVersion };
  }

  /** The parent's status as it is now: Operon's own last write while the cache has not caught up. */
  currentStatus(cachedParent: KubeObject): JsonObject | undefined {
    const cached = (cachedParent as { status?: JsonObject }).status;
    if (!this.status) return cached;
    if (this.status.cachedVersion === cachedParent.metadata?.resourceVersion) return this.status.written;
    this.status = undefined;
    return cached;
  }

  /**
   * Remembers a child write: `written` is the server's answer (`null` when the object is gone),
   * `cached` what the cache held for that name when the write was made.
   */
  rememberChild(
    type: ResourceType,
    target: { namespace?: string; name: string },
    written: KubeObject | null,
    cached: KubeObject | undefined,
  ): void {
    const write: ChildWrite = {
      type,
      namespace: target.namespace,
      name: target.name,
      written,
      cachedVersion: cached?.metadata?.resourceVersion,
    };
    this.children.set(childKey(type, target.namespace, target.name), write);
  }

  /** The cache as this parent should see it: overlaid with Operon's writes the cache does not show yet. */
  view(cache: OperatorCache): OperatorCache {
    const pending = (type: ResourceType): ChildWrite[] => {
      const out: ChildWrite[] = [];
      for (const [key, w] of this.children) {
        if (w.type !== type) continue;
        const cached = cache.child(type, w.namespace, w.name);
        // A create that the cache saw come and go looks, by version, like one it has not seen yet.
        const cameAndWent =
          !cached &&
          w.written?.metadata?.uid !== undefined &&
          cache.deletedChild?.(type, w.namespace, w.name) === w.written.metadata.uid;
        if (!cameAndWent && cached?.metadata?.resourceVersion === w.cachedVersion) out.push(w);
        else this.children.delete(key); // the cache has moved on: trust it again
      }
      return out;
    };
    return {
      parent: (key) => cache.parent(key),
      deletedChild: (type, namespace, name) => cache.deletedChild?.(type, namespace, name),
      childrenOf: (type, parentUid) => {
        const writes = pending(type);
        if (writes.length === 0) return cache.childrenOf(type, parentUid);
        const byName = new Map(cache.childrenOf(type, parentUid).map((c) => [nameKey(c), c]));
        for (const w of writes) {
          const key = `${w.namespace ?? ''}\u0000${w.name}`;
          byName.delete(key);
          if (w.written && controllerUid(w.written) === parentUid) byName.set(key, w.written);
        }
        return [...byName.values()].sort((a, b) => compareNames(a, b));
      },
      child: (type, namespace, name) => {
        const w = pending(type).find((p) => p.namespace === namespace && p.name === name);
        if (w) return w.written ?? undefined;
        return cache.child(type, namespace, name);
      },
    };
  }

  /** Drops baselines of children that no longer exist. */
  keepBaselines(liveUids: ReadonlySet<string>): void {
    for (const uid of this.baselines.keys()) if (!liveUids.has(uid)) this.baselines.delete(uid);
  }
}

/** Identifies one child object for {@link ParentWrites} and the loop breaker. */
export function childKey(type: ResourceType, namespace: string | undefined, name: string): string {
  return `${resourceTypeId(type)}\u0000${namespace ?? ''}\u0000${name}`;
}

function nameKey(obj: KubeObject): string {
  return `${obj.metadata?.namespace ?? ''}\u0000${obj.metadata?.name ?? ''}`;
}

function controllerUid(obj: KubeObject): string | undefined {
  return obj.metadata?.ownerReferences?.find((r) => r.controller === true)?.uid;
}

// Code-unit order, as the caches sort: the same on every machine.
function compareNames(a: KubeObject, b: KubeObject): number {
  const x = a.metadata?.name ?? '';
  const y = b.metadata?.name ?? '';
  return x < y ? -1 : x > y ? 1 : 0;
}
