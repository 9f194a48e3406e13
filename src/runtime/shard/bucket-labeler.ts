import { type Logger, silentLogger } from '../../observability/logger.js';
import { type KubeObject, type ObjectKey, objectKey } from '../../types/kube-object.js';
import type { ResourceType } from '../../types/resource-type.js';
import { type ApiClient, PatchType } from '../api/api-client.js';
import { ApiError } from '../api/api-error.js';
import { resourcePath } from '../api/resource-path.js';
import type { InformerRegistry } from '../informers/informer-registry.js';
import type { InformerScope } from '../informers/informer-scope.js';
import type { SharedInformer } from '../informers/shared-informer.js';
import { WorkQueue } from '../queue/work-queue.js';
import { parseBucket, SHARD_BUCKET_LABEL, UNROUTED_SELECTOR } from './buckets.js';

/** Which parent an object belongs to: its key, and the group it is told apart in (the operator). */
export interface ParentOf {
  /** The operator's name: two operators may have parents of the same key. */
  readonly owner: string;
  /** The parent's object key (`namespace/name`, or `name`). */
  readonly key: ObjectKey;
}

/** What the labeler asks of the ring. */
export interface BucketRing {
  /** The bucket of a parent key. */
  bucketOf(key: ObjectKey): number;
  /** Whether this replica may write for the parent `key` now (it reconciles it). */
  mayReconcile(key: ObjectKey): boolean;
}

/** A labelling to do: an object of a type, and its parent. */
interface Target {
  readonly type: ResourceType<KubeObject>;
  readonly namespace: string | undefined;
  readonly name: string;
  readonly parent: ParentOf;
  /** A mislabelled object in this replica's caches is corrected by whoever holds it. */
  readonly anyReplica: boolean;
}

/** An unrouted-objects watch: its informer and how its objects map to parents. */
interface Source {
  readonly informer: SharedInformer<KubeObject>;
  readonly parentOf: (obj: KubeObject) => ParentOf | undefined;
}

const PARENT_INDEX = 'operon.dev/shard-parent';

/** The label writes run at most this many at once. */
const CONCURRENCY = 4;

/**
 * Puts the {@link SHARD_BUCKET_LABEL} on parents and children that lack it, or carry a wrong one,
 * so that each is seen by the replica that owns its parent (whose caches select its buckets).
 *
 * @remarks
 * Every replica watches, metadata only, the objects of each routed type that carry no valid bucket
 * (`notin` every bucket: a new parent, a child written before sharding was turned on); in steady
 * state these watches hold nothing. Such an object is labelled (one JSON merge patch of the label)
 * by the replica that may reconcile its parent, so labelling obeys the handover like reconciling
 * does (see {@link BucketLabeler.inFlight}). An object that does sit in this replica's caches with a
 * bucket other than its parent's (someone edited the label) is not its owner's to see, so whoever
 * holds it corrects it.
 *
 * While a parent has children here, it must not be reconciled: its owner's caches do not hold
 * those children yet, and it would create them again ({@link BucketLabeler.holds}).
 */
export class BucketLabeler {
  private readonly sources: Source[] = [];
  private readonly targets = new Map<string, Target>();
  private readonly running = new Map<string, ParentOf>();
  private readonly queue: WorkQueue;
  private readonly log: Logger;

  constructor(
    private readonly api: Pick<ApiClient, 'request'>,
    private readonly registry: InformerRegistry,
    private readonly ring: BucketRing,
    log?: Logger,
  ) {
    this.log = log ?? silentLogger();
    this.queue = new WorkQueue((id, ctx) => this.label(id, ctx.signal), {
      name: 'shard-labels',
      concurrency: CONCURRENCY,
    });
  }

  /**
   * Watches the objects of `type` in `scope` that carry no valid bucket, and labels those whose
   * parent this replica reconciles.
   * @param onRouted - told when one of them leaves the watch (labelled, or deleted): its parent
   * may be reconcilable now.
   */
  watch(
    type: ResourceType<KubeObject>,
    scope: InformerScope,
    parentOf: (obj: KubeObject) => ParentOf | undefined,
    onRouted?: (parent: ParentOf) => void,
  ): SharedInformer<KubeObject> {
    const labelSelector = scope.labelSelector
      ? `${scope.labelSelector},${UNROUTED_SELECTOR}`
      : UNROUTED_SELECTOR;
    const informer = this.registry.metadataInformerFor(type, { ...scope, labelSelector });
    if (this.sources.some((s) => s.informer === informer)) return informer;
    informer.store.addIndex(PARENT_INDEX, (obj) => {
      const p = parentOf(obj);
      return p ? [indexKey(p)] : [];
    });
    this.sources.push({ informer, parentOf });
    informer.addHandler({
      onAdd: (obj) => this.consider(type, obj, parentOf(obj), false),
      onUpdate: (_old, obj) => this.consider(type, obj, parentOf(obj), false),
      onDelete: (obj) => {
        const parent = parentOf(obj);
        if (parent) onRouted?.(parent);
      },
    });
    return informer;
  }

  /** The unrouted-objects informers (the host waits for them to sync before reconciling). */
  informers(): SharedInformer<KubeObject>[] {
    return this.sources.map((s) => s.informer);
  }

  /**
   * True while an object of this parent waits for its label (the parent itself, or a child): the
   * parent must not be reconciled before its caches can see all of it.
   */
  holds(parent: ParentOf): boolean {
    const value = indexKey(parent);
    return this.sources.some((s) => s.informer.store.byIndex(PARENT_INDEX, value).length > 0);
  }

  /**
   * Checks an object of this replica's routed caches, and queues a correction when its label is
   * not its parent's bucket.
   */
  check(type: ResourceType<KubeObject>, obj: KubeObject, parent: ParentOf | undefined): void {
    if (!parent) return;
    if (parseBucket(obj.metadata?.labels?.[SHARD_BUCKET_LABEL]) !== this.ring.bucketOf(parent.key)) {
      this.consider(type, obj, parent, true);
    }
  }

  /** Queues every unrouted object again: after the ring changed, some may be this replica's now. */
  reconsider(): void {
    for (const { informer, parentOf } of this.sources) {
      for (const obj of informer.store.list()) this.consider(informer.type, obj, parentOf(obj), false);
    }
  }

  /** The parents whose label write is running now (a handover waits for those it gives away). */
  inFlight(): ObjectKey[] {
    return [...this.running.values()].map((p) => p.key);
  }

  start(): void {
    this.queue.start();
  }

  /** Cancels the label writes running now (the replica was fenced); later ones run as usual. */
  cancelRunning(reason: unknown): void {
    this.queue.cancelRunning(reason);
  }

  async stop(timeoutMs: number): Promise<void> {
    await this.queue.shutdown(timeoutMs);
  }

  private consider(
    type: ResourceType<KubeObject>,
    obj: KubeObject,
    parent: ParentOf | undefined,
    anyReplica: boolean,
  ): void {
    const name = obj.metadata?.name;
    if (!parent || !name) return;
    if (!anyReplica && !this.ring.mayReconcile(parent.key)) return;
    const id = `${type.apiVersion}/${type.kind}\0${objectKey(obj)}`;
    this.targets.set(id, { type, namespace: obj.metadata?.namespace, name, parent, anyReplica });
    this.queue.add(id);
  }

  private async label(id: string, signal: AbortSignal): Promise<void> {
    const target = this.targets.get(id);
    if (!target) return;
    // Checked and marked in one synchronous step, like a reconcile (see `OperatorController`).
    if (!target.anyReplica && !this.ring.mayReconcile(target.parent.key)) {
      this.targets.delete(id);
      return;
    }
    const bucket = String(this.ring.bucketOf(target.parent.key));
    this.running.set(id, target.parent);
    try {
      await this.api.request({
        method: 'PATCH',
        path: resourcePath(target.type, { namespace: target.namespace, name: target.name }),
        contentType: PatchType.merge,
        body: { metadata: { labels: { [SHARD_BUCKET_LABEL]: bucket } } },
        signal,
      });
      this.log.debug(
        { kind: target.type.kind, namespace: target.namespace, name: target.name, bucket },
        'labelled',
      );
    } catch (err) {
      // Deleted meanwhile: nothing to route.
      if (!ApiError.isNotFound(err)) {
        const { kind } = target.type;
        const why =
          err instanceof ApiError && err.status === 403
            ? ` (403: the operator may not patch ${target.type.plural}; \`operon rbac --sharding\` grants it)`
            : '';
        this.log.warn(
          { err, kind, namespace: target.namespace, name: target.name, bucket },
          `could not label ${kind} ${target.name} with its shard bucket${why}; its parent waits, retrying`,
        );
        throw err;
      }
    } finally {
      this.running.delete(id);
    }
    // A newer event for the same object may have replaced the target; its own run labels it again.
    if (this.targets.get(id) === target) this.targets.delete(id);
  }
}

function indexKey(parent: ParentOf): string {
  return `${parent.owner}\0${parent.key}`;
}
