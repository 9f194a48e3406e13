import { Counter, exponentialBuckets, Gauge, Histogram, type Registry } from 'prom-client';

/** controller-runtime's buckets for reconcile and REST latencies, in seconds (5 ms to 60 s). */
export const LATENCY_BUCKETS: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.25,
  1.5, 1.75, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 60,
];

/** client-go's workqueue buckets: 10 ns to 1000 s, ×10 each. */
export const WORKQUEUE_BUCKETS: readonly number[] = exponentialBuckets(1e-8, 10, 12);

type ControllerLabel = 'controller';
type QueueLabel = 'name' | 'controller';
type ResourceLabel = 'resource';

/**
 * Every metric Operon exports, registered in one registry. Names and labels are controller-runtime's
 * (so its dashboards and alerts work unchanged) except the `operon_` ones, which it has no
 * equivalent for.
 */
export class MetricSet {
  readonly reconcileTotal: Counter<ControllerLabel | 'result'>;
  readonly reconcileErrors: Counter<ControllerLabel>;
  readonly deletionsHeld: Counter<ControllerLabel>;
  readonly reconcileTime: Histogram<ControllerLabel>;
  readonly maxConcurrentReconciles: Gauge<ControllerLabel>;
  readonly activeWorkers: Gauge<ControllerLabel>;

  readonly queueDepth: Gauge<QueueLabel>;
  readonly queueAdds: Counter<QueueLabel>;
  readonly queueRetries: Counter<QueueLabel>;
  readonly queueDuration: Histogram<QueueLabel>;
  readonly workDuration: Histogram<QueueLabel>;
  readonly unfinishedWork: Gauge<QueueLabel>;
  readonly longestRunning: Gauge<QueueLabel>;

  readonly restRequests: Counter<'code' | 'method' | 'host'>;
  readonly restLatency: Histogram<'verb' | 'host'>;

  readonly leaderStatus: Gauge<'name'>;

  readonly shardMembers: Gauge<'group'>;
  readonly shardOwnedParents: Gauge<'controller'>;
  readonly shardHandovers: Counter<'group'>;

  readonly watchRestarts: Counter<ResourceLabel>;
  readonly watchErrors: Counter<ResourceLabel>;
  readonly cachedObjects: Gauge<ResourceLabel>;
  readonly informerSynced: Gauge<ResourceLabel>;

  /**
   * @param refresh - called before the gauges and counters that mirror runtime state are read on a
   * scrape: `queues` for the in-progress work gauges, `informers` for the `operon_` resource series.
   */
  constructor(
    registry: Registry,
    refresh: { queues: () => void; informers: () => void; shards?: () => void },
  ) {
    const registers = [registry];
    const queues = () => refresh.queues();
    const informers = () => refresh.informers();
    const shards = () => refresh.shards?.();
    const controller = ['controller'] as const;
    const queue = ['name', 'controller'] as const;
    const resource = ['resource'] as const;

    this.reconcileTotal = new Counter({
      name: 'controller_runtime_reconcile_total',
      help: 'Total number of reconciliations per controller',
      labelNames: ['controller', 'result'] as const,
      registers,
    });
    this.reconcileErrors = new Counter({
      name: 'controller_runtime_reconcile_errors_total',
      help: 'Total number of reconciliation errors per controller',
      labelNames: controller,
      registers,
    });
    this.deletionsHeld = new Counter({
      name: 'operon_deletions_held_total',
      help: 'Child deletions the deletion budget held (not made) per controller',
      labelNames: controller,
      registers,
    });
    this.reconcileTime = new Histogram({
      name: 'controller_runtime_reconcile_time_seconds',
      help: 'Length of time per reconciliation per controller',
      labelNames: controller,
      buckets: [...LATENCY_BUCKETS],
      registers,
    });
    this.maxConcurrentReconciles = new Gauge({
      name: 'controller_runtime_max_concurrent_reconciles',
      help: 'Maximum number of concurrent reconciles per controller',
      labelNames: controller,
      registers,
    });
    this.activeWorkers = new Gauge({
      name: 'controller_runtime_active_workers',
      help: 'Number of currently used workers per controller',
      labelNames: controller,
      registers,
    });

    this.queueDepth = new Gauge({
      name: 'workqueue_depth',
      help: 'Current depth of workqueue',
      labelNames: queue,
      registers,
    });
    this.queueAdds = new Counter({
      name: 'workqueue_adds_total',
      help: 'Total number of adds handled by workqueue',
      labelNames: queue,
      registers,
    });
    this.queueRetries = new Counter({
      name: 'workqueue_retries_total',
      help: 'Total number of retries handled by workqueue',
      labelNames: queue,
      registers,
    });
    this.queueDuration = new Histogram({
      name: 'workqueue_queue_duration_seconds',
      help: 'How long in seconds an item stays in workqueue before being requested',
      labelNames: queue,
      buckets: [...WORKQUEUE_BUCKETS],
      registers,
    });
    this.workDuration = new Histogram({
      name: 'workqueue_work_duration_seconds',
      help: 'How long in seconds processing an item from workqueue takes.',
      labelNames: queue,
      buckets: [...WORKQUEUE_BUCKETS],
      registers,
    });
    this.unfinishedWork = new Gauge({
      collect: queues,
      name: 'workqueue_unfinished_work_seconds',
      help: "How many seconds of work has been done that is in progress and hasn't been observed by work_duration. Large values indicate stuck reconciles.",
      labelNames: queue,
      registers,
    });
    this.longestRunning = new Gauge({
      collect: queues,
      name: 'workqueue_longest_running_processor_seconds',
      help: 'How many seconds has the longest running processor for workqueue been running.',
      labelNames: queue,
      registers,
    });

    this.restRequests = new Counter({
      name: 'rest_client_requests_total',
      help: 'Number of HTTP requests, partitioned by status code, method, and host.',
      labelNames: ['code', 'method', 'host'] as const,
      registers,
    });
    this.restLatency = new Histogram({
      name: 'rest_client_request_duration_seconds',
      help: 'Request latency in seconds (to the response headers, for watches). Broken down by verb and host.',
      labelNames: ['verb', 'host'] as const,
      buckets: [...LATENCY_BUCKETS],
      registers,
    });

    this.leaderStatus = new Gauge({
      name: 'leader_election_master_status',
      help: "Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master. 'name' is the string used to identify the lease. Please make sure to group by name.",
      labelNames: ['name'] as const,
      registers,
    });

    this.shardMembers = new Gauge({
      collect: shards,
      name: 'operon_shard_members',
      help: 'Live replicas on the sharding ring of the group, as this replica sees them.',
      labelNames: ['group'] as const,
      registers,
    });
    this.shardOwnedParents = new Gauge({
      collect: shards,
      name: 'operon_shard_owned_parents',
      help: 'Cached parents of the controller that this replica owns on the sharding ring (and may reconcile).',
      labelNames: controller,
      registers,
    });
    this.shardHandovers = new Counter({
      name: 'operon_shard_handovers_total',
      help: 'Membership changes of the sharding ring this replica completed: every member stopped what it lost, then the new owners started.',
      labelNames: ['group'] as const,
      registers,
    });

    this.watchRestarts = new Counter({
      collect: informers,
      name: 'operon_watch_restarts_total',
      help: 'Watches re-opened after the first one, per resource (server timeouts, network errors, stalls, API server restarts).',
      labelNames: resource,
      registers,
    });
    this.watchErrors = new Counter({
      collect: informers,
      name: 'operon_watch_errors_total',
      help: 'Failed lists and watches per resource (routine 410 relists excluded).',
      labelNames: resource,
      registers,
    });
    this.cachedObjects = new Gauge({
      collect: informers,
      name: 'operon_cached_objects',
      help: 'Objects held in the informer cache per resource.',
      labelNames: resource,
      registers,
    });
    this.informerSynced = new Gauge({
      collect: informers,
      name: 'operon_informer_synced',
      help: '1 once every informer of the resource has completed its first list, else 0.',
      labelNames: resource,
      registers,
    });
  }
}
