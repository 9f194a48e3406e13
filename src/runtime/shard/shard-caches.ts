import { type Logger, silentLogger } from '../../observability/logger.js';
import type { KubeObject } from '../../types/kube-object.js';
import type { ResourceType } from '../../types/resource-type.js';
import type { CacheSlot } from '../informers/cache-slot.js';
import type { InformerRegistry } from '../informers/informer-registry.js';
import { type InformerScope, informerKey } from '../informers/informer-scope.js';
import type { InformerHandler, SharedInformer } from '../informers/shared-informer.js';
import type { IndexFunction } from '../informers/store.js';
import { bucketsSelector } from './buckets.js';

/**
 * One cache an operator reads (parents, or one child type, in one namespace scope) holding only the
 * objects of this replica's buckets: an informer whose label selector adds the buckets to the
 * slot's own, replaced by {@link ShardCaches} when the buckets change.
 */
class RoutedSlot implements CacheSlot {
  private informer: SharedInformer<KubeObject> | undefined;
  private readonly handlers = new Map<InformerHandler<KubeObject>, () => void>();
  private readonly indexes: [string, IndexFunction<KubeObject>][] = [];

  constructor(
    readonly type: ResourceType<KubeObject>,
    readonly scope: InformerScope,
  ) {}

  current(): readonly SharedInformer<KubeObject>[] {
    return this.informer ? [this.informer] : [];
  }

  addHandler(handler: InformerHandler<KubeObject>): () => void {
    if (!this.handlers.has(handler)) this.handlers.set(handler, this.informer?.addHandler(handler) ?? noop);
    return () => {
      this.handlers.get(handler)?.();
      this.handlers.delete(handler);
    };
  }

  addIndex(name: string, fn: IndexFunction<KubeObject>): void {
    this.indexes.push([name, fn]);
    this.informer?.store.addIndex(name, fn);
  }

  /** The informer for `selector` (the buckets' term), with this slot's indexes, not yet in use. */
  prepare(registry: InformerRegistry, selector: string): SharedInformer<KubeObject> {
    const labelSelector = this.scope.labelSelector ? `${this.scope.labelSelector},${selector}` : selector;
    const informer = registry.informerFor(this.type, { ...this.scope, labelSelector });
    for (const [name, fn] of this.indexes) informer.store.addIndex(name, fn);
    return informer;
  }

  /**
   * Puts `next` in use (or nothing): handlers move to it, being told of its objects as added.
   * @returns the informer no longer in use, for the caller to release.
   */
  swap(next: SharedInformer<KubeObject> | undefined): SharedInformer<KubeObject> | undefined {
    const previous = this.informer;
    if (previous === next) return undefined;
    this.informer = next;
    for (const [handler, remove] of this.handlers) {
      remove();
      this.handlers.set(handler, next?.addHandler(handler) ?? noop);
    }
    return previous;
  }
}

const noop = (): void => undefined;

/**
 * The caches of a sharded replica: every parent and child cache of its operators holds only the
 * objects labelled with one of the buckets this replica owns, so its memory is its share.
 *
 * @remarks
 * When the owned buckets change ({@link ShardCaches.route}), a new informer is started for every
 * slot with the new buckets' selector; only once *all* of them have synced are they put in use
 * together and the old ones stopped, and only then does {@link ShardCaches.covers} answer for the
 * new buckets (DESIGN rule 1: nothing acts on a cache before it synced). Until then the old caches
 * stay in use, so the buckets kept through the change are read as before. A change of buckets
 * therefore costs one LIST per slot; a newer change abandons an unfinished one.
 */
export class ShardCaches {
  private readonly slots = new Map<string, RoutedSlot>();
  private covered = new Set<number>();
  private target: string | undefined;
  private pending: SharedInformer<KubeObject>[] = [];
  private generation = new AbortController();
  private readonly log: Logger;

  /** @param onCovered - called after the caches of a new set of buckets are in use. */
  constructor(
    private readonly registry: InformerRegistry,
    private readonly onCovered: () => void,
    log?: Logger,
  ) {
    this.log = log ?? silentLogger();
  }

  /** THE slot for this type and scope (one per informer key, shared by every operator). */
  slotFor<T extends KubeObject>(type: ResourceType<T>, scope: InformerScope = {}): CacheSlot<T> {
    const key = informerKey(type, scope);
    let slot = this.slots.get(key);
    if (!slot) {
      slot = new RoutedSlot(type as ResourceType<KubeObject>, scope);
      this.slots.set(key, slot);
    }
    // A slot holds objects of its own type; operators get it back typed by `type`.
    return slot as unknown as CacheSlot<T>;
  }

  /** True when the caches in use hold every object of `bucket`. */
  covers(bucket: number): boolean {
    return this.covered.has(bucket);
  }

  /** Informers started for a change of buckets and not in use yet (they do not count for readiness). */
  pendingInformers(): readonly SharedInformer<KubeObject>[] {
    return this.pending;
  }

  /** Makes the caches hold `buckets` (ascending): at once when none, else once the new ones synced. */
  route(buckets: readonly number[]): void {
    const target = buckets.join(',');
    if (target === this.target) return;
    this.target = target;
    this.generation.abort();
    const generation = new AbortController();
    this.generation = generation;
    const abandoned = this.pending;
    this.pending = [];
    if (buckets.length === 0) {
      this.covered = new Set();
      this.swapAll(undefined);
    } else {
      const selector = bucketsSelector(buckets);
      const next = new Map<string, SharedInformer<KubeObject>>();
      try {
        for (const [key, slot] of this.slots) next.set(key, slot.prepare(this.registry, selector));
      } catch (err) {
        // The registry refuses new informers once the host is stopping: nothing to route any more.
        this.log.debug({ err }, 'not re-scoping the caches: the informers are stopping');
        return;
      }
      this.pending = [...next.values()];
      void this.swapWhenSynced(next, new Set(buckets), generation.signal);
    }
    this.releaseUnused(abandoned);
  }

  private async swapWhenSynced(
    next: ReadonlyMap<string, SharedInformer<KubeObject>>,
    buckets: Set<number>,
    signal: AbortSignal,
  ): Promise<void> {
    const started = performance.now();
    try {
      await Promise.all([...next.values()].map((i) => i.waitForSync(signal)));
    } catch {
      return; // abandoned for a newer set of buckets, or stopped
    }
    if (signal.aborted) return;
    this.pending = [];
    this.covered = buckets;
    this.swapAll(next);
    this.log.info(
      { buckets: buckets.size, ms: Math.round(performance.now() - started) },
      "the caches now hold this replica's buckets",
    );
    try {
      this.onCovered();
    } catch (err) {
      this.log.error({ err }, 'a callback on new shard caches threw');
    }
  }

  /** Puts each slot's informer from `next` in use (none when undefined) and releases the old ones. */
  private swapAll(next: ReadonlyMap<string, SharedInformer<KubeObject>> | undefined): void {
    const old: SharedInformer<KubeObject>[] = [];
    for (const [key, slot] of this.slots) {
      const previous = slot.swap(next?.get(key));
      if (previous) old.push(previous);
    }
    this.releaseUnused(old);
  }

  /** Releases these informers unless a slot uses them or a pending change will. */
  private releaseUnused(informers: readonly SharedInformer<KubeObject>[]): void {
    const inUse = new Set([...this.pending, ...[...this.slots.values()].flatMap((s) => s.current())]);
    for (const informer of informers) {
      if (inUse.has(informer)) continue;
      this.registry.release(informer).catch((err: unknown) => {
        this.log.warn({ err, informer: informer.key }, 'stopping a replaced cache failed');
      });
    }
  }
}
