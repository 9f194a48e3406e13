import { collectDefaultMetrics, Registry } from 'prom-client';
import { ControllerMetrics } from './controller-metrics.js';
import { MetricSet } from './metric-set.js';
import { type ObservedInformer, type ObservedRequest, resourceLabel } from './observed.js';

/** What a scrape reads of the sharding ring (see {@link OperonMetrics.observeShard}). */
export interface ObservedShard {
  /** The ring's group name. */
  readonly group: string;
  /** Live members, as this replica sees them. */
  readonly members: number;
  /** Per operator (controller name), how many of its cached parents this replica owns. */
  readonly ownedParents: Iterable<readonly [string, number]>;
}

/** Options of {@link OperonMetrics}. */
export interface OperonMetricsOptions {
  /** Registry to register in. Default: a new one, so two hosts in one process never collide. */
  registry?: Registry;
  /**
   * Also export prom-client's process and Node.js metrics (`process_cpu_seconds_total`,
   * `nodejs_eventloop_lag_seconds`, …), as controller-runtime exports Go's. Default false; the
   * production entry (`runOperators`) turns it on. Enable it once per process.
   */
  processMetrics?: boolean;
}

/**
 * Knows how to turn what an Operon host does into Prometheus metrics, with controller-runtime's names
 * and labels where the meaning is the same, and `operon_` names for the rest.
 *
 * @remarks
 * One instance per host, each with its own {@link Registry} by default. The host wires it: each
 * operator's queue and reconciles ({@link OperonMetrics.controller}), every API request
 * ({@link OperonMetrics.observeRequest}), the informers ({@link OperonMetrics.observeInformers}) and
 * the leader election ({@link OperonMetrics.leader}). Counters are pre-initialised to zero for every
 * label set known up front (every reconcile result of every operator), so `rate()` and alerts work
 * from the first scrape. State that lives in the runtime (cached objects, watch restarts, work in
 * progress) is read when scraped, so it costs nothing between scrapes.
 *
 * Exported series:
 * - `controller_runtime_reconcile_total{controller,result}`, `controller_runtime_reconcile_errors_total{controller}`,
 *   `controller_runtime_reconcile_time_seconds{controller}`, `controller_runtime_active_workers{controller}`,
 *   `controller_runtime_max_concurrent_reconciles{controller}`
 * - `workqueue_depth`, `workqueue_adds_total`, `workqueue_retries_total`, `workqueue_queue_duration_seconds`,
 *   `workqueue_work_duration_seconds`, `workqueue_unfinished_work_seconds`,
 *   `workqueue_longest_running_processor_seconds`, all `{name,controller}` (both the operator's name)
 * - `rest_client_requests_total{code,method,host}`, `rest_client_request_duration_seconds{verb,host}`
 * - `leader_election_master_status{name}`
 * - `operon_watch_restarts_total{resource}`, `operon_watch_errors_total{resource}`,
 *   `operon_cached_objects{resource}`, `operon_informer_synced{resource}`
 *
 * @example
 * ```ts
 * const metrics = new OperonMetrics();
 * const host = new OperonHost(configs, { metrics });
 * http.createServer(async (_req, res) => {
 *   res.setHeader('Content-Type', metrics.contentType);
 *   res.end(await metrics.text());
 * }).listen(8080);
 * ```
 */
export class OperonMetrics {
  /** The prom-client registry the metrics are registered in: {@link OperonMetricsOptions.registry}, or a new one. */
  readonly registry: Registry;
  private readonly set: MetricSet;
  private readonly controllers = new Map<string, ControllerMetrics>();
  private readonly informerSources = new Set<() => Iterable<ObservedInformer>>();
  private shardSource: (() => ObservedShard) | undefined;

  constructor(options: OperonMetricsOptions = {}) {
    this.registry = options.registry ?? new Registry();
    this.set = new MetricSet(this.registry, {
      queues: () => {
        for (const c of this.controllers.values()) c.refresh();
      },
      informers: () => this.refreshInformers(),
      shards: () => this.refreshShards(),
    });
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry });
  }

  /** The `Content-Type` of {@link OperonMetrics.text}: Prometheus text format 0.0.4. */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** Every series in Prometheus text format, as `/metrics` serves it. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  /**
   * The metrics of the operator `name` (created once, then returned again), with every series
   * pre-initialised: reconcile totals by result at 0, `max_concurrent_reconciles` set.
   */
  controller(name: string, maxConcurrentReconciles: number): ControllerMetrics {
    let c = this.controllers.get(name);
    if (!c) {
      c = new ControllerMetrics(name, maxConcurrentReconciles, this.set);
      this.controllers.set(name, c);
    }
    return c;
  }

  /** Counts one API request (`code` 0, no response, is labelled `<error>` as client-go does). */
  observeRequest(request: ObservedRequest, host: string): void {
    const code = request.code === 0 ? '<error>' : String(request.code);
    this.set.restRequests.inc({ code, method: request.method, host });
    this.set.restLatency.observe({ verb: request.method, host }, request.durationMs / 1000);
  }

  /**
   * Reads the informers `source` returns on every scrape, for the `operon_` resource series. Informers
   * of the same resource (one per namespace) are added up. Returns a function that stops reading them.
   */
  observeInformers(source: () => Iterable<ObservedInformer>): () => void {
    this.informerSources.add(source);
    return () => this.informerSources.delete(source);
  }

  /** Sets `leader_election_master_status{name}`: 1 while this process holds the lease `name`. */
  leader(name: string, leading: boolean): void {
    this.set.leaderStatus.set({ name }, leading ? 1 : 0);
  }

  /**
   * Reads the sharding ring `source` returns on every scrape, for `operon_shard_members` and
   * `operon_shard_owned_parents`; `undefined` stops reading it.
   */
  observeShard(source: (() => ObservedShard) | undefined): void {
    this.shardSource = source;
  }

  /** Counts one completed handover of the sharding ring `group` (`operon_shard_handovers_total`). */
  shardHandover(group: string): void {
    this.set.shardHandovers.inc({ group });
  }

  private refreshShards(): void {
    const shard = this.shardSource?.();
    if (!shard) return;
    this.set.shardMembers.set({ group: shard.group }, shard.members);
    for (const [controller, owned] of shard.ownedParents)
      this.set.shardOwnedParents.set({ controller }, owned);
  }

  private refreshInformers(): void {
    const byResource = new Map<
      string,
      { restarts: number; errors: number; objects: number; synced: boolean }
    >();
    for (const source of this.informerSources) {
      for (const informer of source()) {
        const resource = resourceLabel(informer.type);
        const h = informer.health();
        const agg = byResource.get(resource) ?? { restarts: 0, errors: 0, objects: 0, synced: true };
        agg.restarts += Math.max(0, h.watches - 1);
        agg.errors += h.errors;
        agg.objects += h.objects;
        agg.synced &&= informer.hasSynced();
        byResource.set(resource, agg);
      }
    }
    // Counters mirror totals the informers keep, so they are rebuilt from them on each scrape.
    this.set.watchRestarts.reset();
    this.set.watchErrors.reset();
    for (const [resource, agg] of byResource) {
      this.set.watchRestarts.inc({ resource }, agg.restarts);
      this.set.watchErrors.inc({ resource }, agg.errors);
      this.set.cachedObjects.set({ resource }, agg.objects);
      this.set.informerSynced.set({ resource }, agg.synced ? 1 : 0);
    }
  }
}
