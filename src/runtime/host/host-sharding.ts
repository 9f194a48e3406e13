import type { Logger } from '../../observability/logger.js';
import type { OperonMetrics } from '../../observability/metrics/operon-metrics.js';
import { type KubeObject, type ObjectKey, objectKey } from '../../types/kube-object.js';
import { type ResourceType, resourceTypeId } from '../../types/resource-type.js';
import type { ApiClient } from '../api/api-client.js';
import type { CacheSlot, InformerRegistry, InformerScope, SharedInformer } from '../informers/index.js';
import { BucketLabeler, type ParentOf } from '../shard/bucket-labeler.js';
import { bucketsOwnedBy, SHARD_BUCKET_LABEL } from '../shard/buckets.js';
import { ShardCaches } from '../shard/shard-caches.js';
import { ShardMembership } from '../shard/shard-membership.js';
import { type ResolvedSharding, resolveSharding, type ShardingOptions } from '../shard/shard-options.js';
import type { ShardView } from '../shard/shard-view.js';
import type { CacheSlots, OperatorController } from './operator-controller.js';

/** How often a handover checks whether the passes of the parents it gives away have finished. */
const DRAIN_POLL_MS = 20;

/**
 * A host's side of sharding: which parents this replica may reconcile, which objects its caches
 * hold, and what a membership change does to its operators. The ring, the Leases and the handover
 * protocol are the {@link ShardMembership}'s; the label-selected caches are the
 * {@link ShardCaches}'; the labels, the {@link BucketLabeler}'s. This connects them to the
 * operators' queues.
 *
 * @remarks
 * - A pass starts only for a parent this replica may reconcile (`OperatorController` checks
 *   {@link HostSharding.ownsFor} as it starts one): it owns the parent's bucket under the ring's
 *   rule, its caches hold that bucket, and no object of the parent still waits for its bucket label.
 *   Others are dropped: their owner reconciles them.
 * - When the observed view changes, the caches are re-scoped to the buckets this replica owns in it.
 * - Before this replica acknowledges a new view, the passes and label writes of the parents it loses
 *   finish ({@link HostSharding.drain}); only then may their new owner start them.
 * - Once a view is active, and once the caches hold new buckets, every cached parent this replica
 *   owns is queued.
 * - Fenced (its own Lease not renewed in time), every running pass is cancelled at once.
 */
export class HostSharding {
  readonly options: ResolvedSharding;
  readonly membership: ShardMembership;
  private readonly caches: ShardCaches;
  private readonly labeler: BucketLabeler;
  private controllers: readonly OperatorController[] = [];
  private readonly running = new AbortController();
  private readonly watched = new Set<CacheSlot>();

  /** @throws ConfigError when the options are invalid, listing every problem. */
  constructor(
    api: ApiClient,
    registry: InformerRegistry,
    options: ShardingOptions,
    defaultGroup: string,
    log: Logger,
    metrics?: OperonMetrics,
  ) {
    this.options = resolveSharding({ ...options, group: options.group ?? defaultGroup });
    const group = this.options.group;
    this.caches = new ShardCaches(registry, () => this.enqueueOwned(), log.child({ part: 'caches' }));
    this.membership = new ShardMembership(
      api,
      this.options,
      {
        drain: (lost, signal) => this.drain(lost, signal),
        onChange: (view) => this.caches.route(this.bucketsIn(view)),
        onActivated: (view) => {
          metrics?.shardHandover(group);
          log.info({ members: view.members }, 'shard view active; reconciling the parents this replica owns');
          this.enqueueOwned();
          this.labeler.reconsider();
        },
        onFenced: () => {
          const reason = new Error(
            'this replica could not renew its shard Lease in time; it reconciles nothing until it rejoins',
          );
          for (const c of this.controllers) c.cancelRunning(reason);
          this.labeler.cancelRunning(reason);
        },
      },
      log,
    );
    this.labeler = new BucketLabeler(api, registry, this.membership, log.child({ part: 'labels' }));
    metrics?.observeShard(() => ({
      group,
      members: this.membership.members.length,
      ownedParents: this.controllers.map((c) => [c.config.name, c.ownedParents().length] as const),
    }));
  }

  /** The caches an operator reads with sharding: each holds only this replica's buckets. */
  readonly slots: CacheSlots = {
    parents: (type, scope) => {
      const parentOf = (obj: KubeObject): ParentOf => ({ owner: parentGroup(type), key: objectKey(obj) });
      return this.routed(type, scope, parentOf);
    },
    children: (type, scope) => this.routed(type, scope, (obj) => this.parentOfChild(obj)),
  };

  /**
   * Joins the ring. Not tied to the host's stop signal: the membership Lease must be renewed until
   * the last pass has drained, or a new owner could start while this replica still writes.
   */
  start(): void {
    this.labeler.start();
    void this.membership.start(this.running.signal);
  }

  /** Resolves once the watches of objects still waiting for their bucket label have synced. */
  async waitForSync(signal?: AbortSignal): Promise<void> {
    await Promise.all(this.labeler.informers().map((i) => i.waitForSync(signal)));
  }

  /** Informers started for new buckets and not in use yet: they do not count for readiness. */
  pendingInformers(): readonly SharedInformer<KubeObject>[] {
    return this.caches.pendingInformers();
  }

  /**
   * Leaves the ring: with `leave`, at once (the Lease is deleted, so the others take the parents
   * over now); without, by letting the Lease expire (passes may still be running).
   */
  async stop(leave: boolean): Promise<void> {
    await this.labeler.stop(1_000);
    if (leave) await this.membership.stop();
    this.running.abort();
  }

  /** The operators whose passes this gates (set once, after they are built with {@link ownsFor}). */
  attach(controllers: readonly OperatorController[]): void {
    this.controllers = controllers;
  }

  /**
   * Whether this replica may reconcile the parent `key` (`namespace/name` or `name`) of `operator`
   * (whose parents are of `parentType`) now.
   */
  ownsFor(operator: string, parentType: ResourceType): (key: ObjectKey) => boolean {
    const group = parentGroup(parentType);
    return (key) => {
      const bucket = this.membership.bucketOf(key);
      return (
        this.membership.mayReconcileBucket(bucket) &&
        this.caches.covers(bucket) &&
        !this.labeler.holds({ owner: group, key }) &&
        !this.labeler.holds({ owner: operator, key })
      );
    };
  }

  /** The bucket label every child of the parent `key` carries. */
  readonly routingLabels = (key: ObjectKey): Readonly<Record<string, string>> => ({
    [SHARD_BUCKET_LABEL]: String(this.membership.bucketOf(key)),
  });

  /**
   * The routed slot for this type and scope, with its objects' labels checked and, once per slot,
   * a watch of the objects that still lack their label.
   */
  private routed(
    type: ResourceType<KubeObject>,
    scope: InformerScope,
    parentOf: (obj: KubeObject) => ParentOf | undefined,
  ): CacheSlot {
    const slot = this.caches.slotFor(type, scope);
    if (!this.watched.has(slot)) {
      this.watched.add(slot);
      const check = (obj: KubeObject) => this.labeler.check(type, obj, parentOf(obj));
      slot.addHandler({ onAdd: check, onUpdate: (_old, obj) => check(obj) });
      // Labelled (or gone): its parent may be reconcilable now, whichever of the two watches told first.
      this.labeler.watch(type, scope, parentOf, (parent) => {
        for (const c of this.controllers) {
          if (c.config.name === parent.owner || parentGroup(c.config.parent.type) === parent.owner) {
            c.queue.add(parent.key);
          }
        }
      });
    }
    return slot;
  }

  private parentOfChild(obj: KubeObject): ParentOf | undefined {
    for (const c of this.controllers) {
      const key = c.parentKeyOf(obj);
      if (key) return { owner: c.config.name, key };
    }
    return undefined;
  }

  private bucketsIn(view: ShardView): number[] {
    const me = this.options.identity;
    return view.members.includes(me) ? bucketsOwnedBy(me, view.members) : [];
  }

  private enqueueOwned(): void {
    for (const c of this.controllers) c.enqueueOwned();
  }

  /** Resolves once no pass or label write runs for a parent `lost` accepts (or `signal` aborts). */
  private async drain(lost: (key: string) => boolean, signal: AbortSignal): Promise<void> {
    const running = () =>
      this.controllers.some((c) => c.inFlight().some(lost)) || this.labeler.inFlight().some(lost);
    while (running() && !signal.aborted) await new Promise((r) => setTimeout(r, DRAIN_POLL_MS));
  }
}

/** The group a parent's own label write is told apart in: its type (operators may share it). */
function parentGroup(type: ResourceType): string {
  return `parent:${resourceTypeId(type)}`;
}

/**
 * The ring's default group name: the host's component, else its first operator's name, made a DNS
 * label of at most 40 characters (the Lease names carry it).
 */
export function defaultShardGroup(component: string | undefined, operators: readonly string[]): string {
  const raw = (component ?? operators[0] ?? 'operon').toLowerCase();
  const label = raw
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  return label || 'operon';
}
