import type { Logger } from '../../observability/logger.js';
import type { OperonMetrics } from '../../observability/metrics/operon-metrics.js';
import type { ApiClient } from '../api/api-client.js';
import { ShardMembership } from '../shard/shard-membership.js';
import { type ResolvedSharding, resolveSharding, type ShardingOptions } from '../shard/shard-options.js';
import type { OperatorController } from './operator-controller.js';

/** How often a handover checks whether the passes of the parents it gives away have finished. */
const DRAIN_POLL_MS = 20;

/**
 * A host's side of sharding: which parents this replica may reconcile, and what a membership change
 * does to its operators. The ring, the Leases and the handover protocol are the
 * {@link ShardMembership}'s; this only connects them to the operators' queues.
 *
 * @remarks
 * - A pass starts only for a parent this replica may reconcile (`OperatorController` checks
 *   {@link HostSharding.owns} as it starts one); others are dropped: their owner reconciles them.
 * - Before this replica acknowledges a new view of the ring, the passes of the parents it loses
 *   finish ({@link HostSharding.drain}); only then may their new owner start them.
 * - Once a view is active, every cached parent this replica now owns is queued.
 * - Fenced (its own Lease not renewed in time), every running pass is cancelled at once.
 */
export class HostSharding {
  readonly options: ResolvedSharding;
  readonly membership: ShardMembership;
  private controllers: readonly OperatorController[] = [];
  private readonly running = new AbortController();

  /** @throws ConfigError when the options are invalid, listing every problem. */
  constructor(
    api: ApiClient,
    options: ShardingOptions,
    defaultGroup: string,
    log: Logger,
    metrics?: OperonMetrics,
  ) {
    this.options = resolveSharding({ ...options, group: options.group ?? defaultGroup });
    const group = this.options.group;
    this.membership = new ShardMembership(
      api,
      this.options,
      {
        drain: (lost, signal) => this.drain(lost, signal),
        onActivated: (view) => {
          metrics?.shardHandover(group);
          log.info({ members: view.members }, 'shard view active; reconciling the parents this replica owns');
          for (const c of this.controllers) c.enqueueOwned();
        },
        onFenced: () => {
          const reason = new Error(
            'this replica could not renew its shard Lease in time; it reconciles nothing until it rejoins',
          );
          for (const c of this.controllers) c.cancelRunning(reason);
        },
      },
      log,
    );
    metrics?.observeShard(() => ({
      group,
      members: this.membership.members.length,
      ownedParents: this.controllers.map((c) => [c.config.name, c.ownedParents().length] as const),
    }));
  }

  /**
   * Joins the ring. Not tied to the host's stop signal: the membership Lease must be renewed until
   * the last pass has drained, or a new owner could start while this replica still writes.
   */
  start(): void {
    void this.membership.start(this.running.signal);
  }

  /**
   * Leaves the ring: with `leave`, at once (the Lease is deleted, so the others take the parents
   * over now); without, by letting the Lease expire (passes may still be running).
   */
  async stop(leave: boolean): Promise<void> {
    if (leave) await this.membership.stop();
    this.running.abort();
  }

  /** The operators whose passes this gates (set once, after they are built with {@link owns}). */
  attach(controllers: readonly OperatorController[]): void {
    this.controllers = controllers;
  }

  /** Whether this replica may reconcile the parent `key` (`namespace/name` or `name`) now. */
  readonly owns = (key: string): boolean => this.membership.mayReconcile(key);

  /** Resolves once no pass runs for a parent `lost` accepts (or `signal` aborts). */
  private async drain(lost: (key: string) => boolean, signal: AbortSignal): Promise<void> {
    const running = () => this.controllers.some((c) => c.inFlight().some(lost));
    while (running() && !signal.aborted) await new Promise((r) => setTimeout(r, DRAIN_POLL_MS));
  }
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
