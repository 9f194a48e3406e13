import type { OperatorConfig } from '../../config/operator-config.js';
import { checkDeletionBudget } from '../../config/validate-config.js';
import { ConfigError, OperonError } from '../../errors/operon-error.js';
import { type HealthReport, report } from '../../observability/health/health-report.js';
import { informerReadiness, watchLiveness } from '../../observability/health/informer-checks.js';
import { type Logger, silentLogger } from '../../observability/logger.js';
import { OperonMetrics } from '../../observability/metrics/operon-metrics.js';
import type { DeletionBudget } from '../../types/deletion-budget.js';
import type { KubeObject } from '../../types/kube-object.js';
import { AdmissionWebhook } from '../../webhooks/admission-webhook.js';
import { crdNameOf, parentConversions } from '../../webhooks/conversion.js';
import type { WebhookOptions } from '../../webhooks/webhook-options.js';
import { ApiClient, type KubeConfigLike } from '../api/api-client.js';
import { InformerRegistry, type InformerRegistryOptions, type SharedInformer } from '../informers/index.js';
import {
  KubeLeaseLock,
  type LeaderElectionOptions,
  LeaderElector,
  type ResolvedLeaderElection,
  resolveLeaderElection,
} from '../leader/index.js';
import type { QueueObserver } from '../queue/index.js';
import { EventRecorder } from '../reconcile/event-recorder.js';
import { DEFAULT_RECONCILE_TIMEOUT_MS } from '../reconcile/pass-deadline.js';
import { type RecordOptions, SyncRecorder } from '../record/index.js';
import type { ShardingOptions } from '../shard/shard-options.js';
import { defaultShardGroup, HostSharding } from './host-sharding.js';
import { defaultKubeConfig } from './load-kubeconfig.js';
import { OperatorController } from './operator-controller.js';
import { refuseStartWhileLoadingEntry } from './start-guard.js';
import { workerLiveness } from './worker-liveness.js';

/** Options of an {@link OperonHost}. */
export interface HostOptions {
  /** Default: in-cluster ServiceAccount, then `KUBECONFIG`, then `~/.kube/config`. */
  kubeConfig?: KubeConfigLike;
  /** Namespaces to watch; default all. */
  namespaces?: readonly string[];
  /** Most reconciles running at once per operator (distinct parents). Default 4. */
  concurrency?: number;
  /** Reconcile every parent again this often even without events, in ms. Default 10 min; 0 turns it off. */
  resyncIntervalMs?: number;
  /** Default: silent. Pass a pino logger (e.g. from `createLogger()`) to see what happens. */
  logger?: Logger;
  /**
   * Name in Events' `source.component` / `reportingComponent` (what `kubectl describe` shows under
   * From), and the API client's user agent. Default: each operator's own name in its Events, and
   * `operon` as the user agent.
   */
  component?: string;
  /**
   * How long `stop()` waits for in-flight reconciles; then their signals fire, cancelling their API
   * requests. Default 30 s.
   */
  shutdownTimeoutMs?: number;
  /**
   * The deadline of one reconcile pass, in ms (default 60 000): at it, `req.signal` fires, the
   * pass's API requests are cancelled, the pass fails with reason `SyncTimeout` and backs off, and
   * the worker is free for other parents. A pass past half of it is logged as slow.
   */
  reconcileTimeoutMs?: number;
  /** The deadline of one API request, in ms (default 30 000; see `ApiClientOptions`). */
  requestTimeoutMs?: number;
  /**
   * Limits on deleting children without consent, for every operator that sets none of its own (see
   * {@link DeletionBudget}); `false` turns them off. Default on, with its defaults.
   */
  deletionBudget?: DeletionBudget | false;
  /** Extra metric hooks per operator queue (in addition to {@link HostOptions.metrics}). */
  queueObserver?: (operator: string) => QueueObserver | undefined;
  /**
   * Lease-based leader election, one Lease for the whole host (all its operators): only the holder
   * reconciles, the others keep their caches warm. Default: off (every replica reconciles; run one).
   */
  leaderElection?: LeaderElectionOptions | false;
  /**
   * Spread the parents over every replica of the application: each keeps a membership Lease, and
   * reconciles only the parents that hash to it over the live replicas, handing them over safely
   * when replicas come and go (see `ShardMembership`). Replaces leader election (they cannot be
   * combined). Default: off.
   */
  sharding?: ShardingOptions | false;
  /**
   * Where the host's metrics go. Default: a new {@link OperonMetrics} with its own registry, read it
   * from {@link OperonHost.metrics}. `false` records nothing.
   */
  metrics?: OperonMetrics | false;
  /**
   * `/healthz` fails when a watch has been failing (no watch open, retrying) for longer than this,
   * in ms. Default 60 000.
   */
  watchFailureThresholdMs?: number;
  /** Tuning of every informer (page size, backoff, stall timeout); the defaults suit a real cluster. */
  informers?: Omit<InformerRegistryOptions, 'log'>;
  /**
   * Record every distinct sync request and the response `sync` returned as JSON fixtures in
   * `record.dir`, for the test kit's `replayFixtures` (Secret data always redacted, more with
   * `record.redact`). Default: off.
   */
  record?: RecordOptions;
  /**
   * A validating admission webhook that runs each parent's class-validator rules before the API
   * server stores it, served over HTTPS by every replica (leader or not), with certificates the
   * operator keeps in a Secret and the ValidatingWebhookConfiguration it keeps current. The same
   * server converts parents with several versions (`customResource({ versions })`), which needs it.
   * Default: off.
   */
  webhook?: WebhookOptions | false;
}

/** Why a host stopped: `stop()` was called, or it lost the leader lease and stopped itself. */
export type HostStopReason = 'stopped' | 'leadership-lost';

/** How a host stopped. */
export interface HostStopped {
  /** Why the host stopped: asked to, or it lost its Lease. */
  readonly reason: HostStopReason;
  /** False when the shutdown timeout cut some in-flight reconciles short. */
  readonly drained: boolean;
}

/** After losing the Lease, how long cancelled passes get to unwind before the host closes. */
const LOST_UNWIND_MS = 1_000;

/** The longest a stopping host waits for queued Events to be written. */
const EVENT_FLUSH_MS = 2_000;

/** Default of {@link HostOptions.shutdownTimeoutMs}. */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 30_000;

/** Default of {@link HostOptions.watchFailureThresholdMs}. */
export const DEFAULT_WATCH_FAILURE_THRESHOLD_MS = 60_000;

/**
 * Runs many operators in one process: one Kubernetes client, one shared informer per resource type
 * and scope, one work queue and reconciler per operator; and, when asked, leader election.
 *
 * @remarks
 * `start()` resolves once every informer has synced. Without leader election every operator is
 * reconciling by then. With it, the host then competes for the Lease: informers run from the start
 * on every replica (followers keep their caches warm and keep queueing keys), and queues start only
 * once this replica holds the Lease, so a takeover starts reconciling from a warm cache at once.
 * A host that loses the Lease stops reconciling at once (its in-flight reconciles get
 * `leaseDuration - renewDeadline` to finish, the margin before a successor may start), then stops
 * entirely and {@link OperonHost.done} resolves with `'leadership-lost'`: like controller-runtime,
 * it does not compete again; the process is expected to exit and be restarted.
 *
 * `stop()` stops taking work, lets in-flight reconciles finish (up to `shutdownTimeoutMs`), releases
 * the Lease (only if they all finished; otherwise it is left to expire so two leaders never
 * overlap), then closes every watch and connection, so the process can exit on its own.
 *
 * Health: {@link OperonHost.readyz} passes once every informer has synced (followers too) and
 * until stopping begins; {@link OperonHost.healthz} fails while a watch has been failing longer
 * than `watchFailureThresholdMs`, and after the Lease was lost.
 */
export class OperonHost {
  /**
   * The one API client every operator of this host shares, built from {@link HostOptions.kubeConfig}
   * (default: the in-cluster config, else `KUBECONFIG`, else `~/.kube/config`).
   */
  readonly api: ApiClient;
  /** The shared informers (one per resource type and scope) whose caches every operator reads. */
  readonly informers: InformerRegistry;
  /** Where this host's metrics are recorded; undefined when `metrics: false`. */
  readonly metrics: OperonMetrics | undefined;
  /** Resolves once the host has stopped: why, and whether every in-flight reconcile finished. */
  readonly done: Promise<HostStopped>;
  /** The validating webhook, when {@link HostOptions.webhook} is on (its `url` once started). */
  readonly webhook: AdmissionWebhook | undefined;
  private readonly controllers: OperatorController[];
  private readonly recorders: EventRecorder[] = [];
  private readonly syncRecorder: SyncRecorder | undefined;
  private readonly log: Logger;
  private readonly abort = new AbortController();
  private readonly election: ResolvedLeaderElection | undefined;
  private readonly elector: LeaderElector | undefined;
  /** Sharding, when on: which parents this replica owns, and the handovers. */
  readonly sharding: HostSharding | undefined;
  private state: 'created' | 'starting' | 'running' | 'stopping' | 'stopped' = 'created';
  private stopping?: Promise<void>;
  private stopReason: HostStopReason = 'stopped';
  private resolveDone!: (stopped: HostStopped) => void;
  private readonly leadingWaiters = new Set<() => void>();

  /**
   * @throws ConfigError when the leader election or sharding options or the deletion budget are
   * invalid, or leader election and sharding are both on, listing every problem.
   */
  constructor(
    configs: readonly OperatorConfig<unknown>[],
    private readonly options: HostOptions = {},
  ) {
    this.done = new Promise((resolve) => {
      this.resolveDone = resolve;
    });
    this.log = options.logger ?? silentLogger();
    if (options.sharding && options.leaderElection) {
      throw new ConfigError([
        'leaderElection and sharding cannot both be on: with sharding every replica reconciles its share of the parents, and with leader election only one replica reconciles. Choose one.',
      ]);
    }
    this.election = options.leaderElection ? resolveLeaderElection(options.leaderElection) : undefined;
    const budgetProblems =
      options.deletionBudget === undefined
        ? []
        : checkDeletionBudget(options.deletionBudget, 'deletionBudget');
    if (budgetProblems.length > 0) throw new ConfigError(budgetProblems);
    this.api = new ApiClient(options.kubeConfig ?? defaultKubeConfig(), options.component ?? 'operon', {
      requestTimeoutMs: options.requestTimeoutMs,
    });
    this.webhook = options.webhook
      ? new AdmissionWebhook(configs, this.api, options.webhook, {
          namespaces: options.namespaces,
          log: this.log.child({ component: 'webhook' }),
        })
      : undefined;
    const unconverted = this.webhook ? [] : parentConversions(configs);
    if (unconverted.length > 0) {
      // A warning, not an error: with the operator's version stored, its own watch still works.
      this.log.warn(
        { crds: unconverted.map(crdNameOf) },
        "these parents' versions convert through the operator, but the webhook is off, so the API server cannot convert them (reads and writes of another version fail): turn on the webhook option (--webhook-service or --webhook-url)",
      );
    }
    this.informers = new InformerRegistry(this.api, {
      ...options.informers,
      log: this.log.child({ component: 'informers' }),
    });
    this.metrics = options.metrics === false ? undefined : (options.metrics ?? new OperonMetrics());
    this.sharding = options.sharding
      ? new HostSharding(
          this.api,
          this.informers,
          options.sharding,
          defaultShardGroup(
            options.component,
            configs.map((c) => c.name),
          ),
          this.log.child({ component: 'sharding' }),
          this.metrics,
        )
      : undefined;
    this.syncRecorder =
      options.record && new SyncRecorder(options.record, this.log.child({ component: 'record' }));
    const concurrency = options.concurrency ?? 4;
    this.controllers = configs.map((config) => {
      const log = this.log.child({ operator: config.name });
      return new OperatorController(
        config,
        this.informers,
        this.api,
        // One recorder per operator, so its warnings carry the operator's name.
        this.recorder(new EventRecorder(this.api, options.component ?? config.name, log)),
        log,
        {
          namespaces: options.namespaces,
          concurrency,
          resyncIntervalMs: options.resyncIntervalMs ?? 600_000,
          queueObserver: options.queueObserver,
          metrics: this.metrics?.controller(config.name, concurrency),
          reconcileTimeoutMs: options.reconcileTimeoutMs ?? DEFAULT_RECONCILE_TIMEOUT_MS,
          onSyncCompleted: this.syncRecorder?.forOperator(config),
          deletionBudget: options.deletionBudget,
          owns: this.sharding?.ownsFor(config.name, config.parent.type),
          slots: this.sharding?.slots,
          routingLabels: this.sharding?.routingLabels,
        },
      );
    });
    this.sharding?.attach(this.controllers);
    if (this.metrics) {
      const metrics = this.metrics;
      const host = new URL(this.api.serverUrl).host;
      this.api.onRequest((r) => metrics.observeRequest(r, host));
      metrics.observeInformers(() => this.informers.informers());
    }
    if (this.election) {
      const election = this.election;
      this.metrics?.leader(election.leaseName, false);
      this.elector = new LeaderElector(
        new KubeLeaseLock(this.api, election.namespace, election.leaseName),
        election,
        {
          onStartedLeading: () => this.startLeading(),
          onStoppedLeading: () => this.loseLeadership(),
        },
        this.log.child({ component: 'leader-election' }),
      );
      const lost = this.elector.lostSignal;
      // Fires at the renew deadline, strictly before any other replica may take the Lease: from
      // then on this replica must not write, so every pass is cancelled and the client refuses
      // writes at once, not after a drain. Also while stopping (a loss during a graceful drain),
      // and harmlessly at the end of stop(), after the release.
      lost.addEventListener(
        'abort',
        () => {
          this.api.refuseWrites(lost.reason);
          for (const c of this.controllers) c.abortInFlight(lost.reason);
          this.metrics?.leader(election.leaseName, false);
        },
        { once: true },
      );
    }
  }

  /** Names of the operators this host runs. */
  get operators(): string[] {
    return this.controllers.map((c) => c.config.name);
  }

  /**
   * True once every informer has synced, until stopping begins. With leader election, followers are
   * ready too: they are warm standbys (see {@link OperonHost.leading}).
   */
  get ready(): boolean {
    return this.state === 'running';
  }

  /** True while this host reconciles: it holds the Lease, or runs without leader election. */
  get leading(): boolean {
    return this.state === 'running' && (this.elector ? this.elector.isLeader : true);
  }

  /** This replica's identity in the Lease (leader election or sharding); undefined without either. */
  get identity(): string | undefined {
    return this.election?.identity ?? this.sharding?.options.identity;
  }

  /** Resolves once this host reconciles (at once without leader election, after `start()`). */
  whenLeading(): Promise<void> {
    if (this.leading) return Promise.resolve();
    return new Promise((resolve) => this.leadingWaiters.add(resolve));
  }

  /** Every shared informer of the process (one per resource type and scope). */
  sharedInformers(): SharedInformer<KubeObject>[] {
    return this.informers.informers();
  }

  /** Queues one parent of one operator for a pass now (e.g. from an HTTP handler). */
  trigger(operator: string, key: string): void {
    const c = this.controllers.find((x) => x.config.name === operator);
    if (!c)
      throw new OperonError(
        'NOT_STARTED',
        `No operator named "${operator}" runs in this host (it runs: ${this.operators.join(', ')}).`,
      );
    c.queue.add(key);
  }

  /**
   * Starts the watches and waits for every cache to sync; then starts reconciling, or, with leader
   * election, starts competing for the Lease and reconciles once it holds it.
   */
  async start(): Promise<void> {
    refuseStartWhileLoadingEntry('OperonHost.start');
    if (this.state !== 'created')
      throw new OperonError('NOT_STARTED', 'This host was already started; create a new one.');
    this.state = 'starting';
    // Before the caches and regardless of the Lease: admission needs neither, and followers answer it too.
    await this.webhook?.start();
    this.informers.start();
    this.log.info(
      {
        operators: this.operators,
        informers: this.informers.informers().length,
        lease: this.election ? `${this.election.namespace}/${this.election.leaseName}` : undefined,
        identity: this.election?.identity ?? this.sharding?.options.identity,
        shardGroup: this.sharding?.options.group,
      },
      'starting',
    );
    // Joining the ring while the caches fill: nothing is owned until every member has acknowledged
    // the view with this replica in it, and queued keys wait for the caches anyway.
    this.sharding?.start();
    // With leader election, a follower must not write to parents: only /readyz reports then.
    await Promise.all([
      ...this.controllers.map((c) => c.waitForSync(this.abort.signal, !this.elector)),
      this.sharding?.waitForSync(this.abort.signal),
    ]);
    if (this.state !== 'starting') return;
    this.state = 'running';
    if (this.elector) this.elector.start();
    else this.startLeading();
  }

  /** Liveness: every watch is alive (see {@link HostOptions.watchFailureThresholdMs}), the Lease was not lost. */
  healthz(now: Date = new Date()): HealthReport {
    const threshold = this.options.watchFailureThresholdMs ?? DEFAULT_WATCH_FAILURE_THRESHOLD_MS;
    return report([
      ...watchLiveness(this.informers.informers(), threshold, now),
      ...this.controllers.map((c) => workerLiveness(c)),
      ...(this.election
        ? [
            this.stopReason === 'leadership-lost'
              ? {
                  name: 'leader-election',
                  ok: false,
                  message: 'lost the leader lease; this process must restart',
                }
              : {
                  name: 'leader-election',
                  ok: true,
                  message: this.elector?.isLeader ? 'leading' : 'following',
                },
          ]
        : []),
    ]);
  }

  /** Readiness: every informer has synced and the host is not stopping. */
  readyz(): HealthReport {
    const stopping = this.state === 'stopping' || this.state === 'stopped';
    const pending = new Set(this.sharding?.pendingInformers());
    return report([
      // A sharded replica's caches for new buckets fill beside those in use: not a reason to leave the Service.
      ...informerReadiness(this.informers.informers().filter((i) => !pending.has(i))),
      stopping ? { name: 'shutdown', ok: false, message: 'shutting down' } : { name: 'shutdown', ok: true },
    ]);
  }

  private recorder(events: EventRecorder): EventRecorder {
    this.recorders.push(events);
    return events;
  }

  /** Drains in-flight reconciles, releases the Lease, closes every watch and connection. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= this.doStop(this.options.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS);
    return this.stopping;
  }

  private startLeading(): void {
    if (this.state !== 'running') return;
    if (this.election) this.metrics?.leader(this.election.leaseName, true);
    for (const c of this.controllers) c.startReconciling();
    for (const resolve of this.leadingWaiters) resolve();
    this.leadingWaiters.clear();
  }

  private loseLeadership(): void {
    if (this.stopping) return;
    this.stopReason = 'leadership-lost';
    // In-flight work was cancelled and writes refused when the lost signal fired; this only lets
    // the cancelled passes unwind before the watches close.
    this.stopping = this.doStop(LOST_UNWIND_MS);
  }

  private async doStop(timeoutMs: number): Promise<void> {
    this.state = 'stopping';
    this.abort.abort();
    const drained = (await Promise.all(this.controllers.map((c) => c.stop(timeoutMs)))).every(Boolean);
    if (!drained) this.log.warn({ timeoutMs }, 'some reconciles were still running at the shutdown timeout');
    // Leaving the ring at once hands this replica's parents over now; with passes still running,
    // the Lease is left to expire instead, so that no new owner starts while they might write.
    await this.sharding?.stop(drained);
    if (this.elector && this.election) {
      const release = this.election.releaseOnStop && drained && this.stopReason === 'stopped';
      await this.elector.stop({ release });
      this.metrics?.leader(this.election.leaseName, false);
    }
    await this.informers.stop();
    // Events are written in the background: the last passes' ones (a failure's Warning above all)
    // still go out, within a bound, before the connections close.
    for (const r of this.recorders) r.close();
    await Promise.all(this.recorders.map((r) => r.flush(Math.min(EVENT_FLUSH_MS, timeoutMs))));
    await this.webhook?.stop();
    this.api.close();
    await this.syncRecorder?.flush();
    this.state = 'stopped';
    this.log.info({ reason: this.stopReason, drained }, 'stopped');
    this.resolveDone({ reason: this.stopReason, drained });
  }
}
