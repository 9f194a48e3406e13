import type { KubeConfig } from '@kubernetes/client-node';
import type { OperatorConfig } from '../../config/operator-config.js';
import { OperonError } from '../../errors/operon-error.js';
import { type Logger, silentLogger } from '../../observability/logger.js';
import { ApiClient } from '../api/api-client.js';
import { InformerRegistry, type SharedInformer } from '../informers/index.js';
import type { QueueObserver } from '../queue/index.js';
import { EventRecorder } from '../reconcile/event-recorder.js';
import { defaultKubeConfig } from './load-kubeconfig.js';
import { OperatorController } from './operator-controller.js';

/** Options of an {@link OperonHost}. */
export interface HostOptions {
  /** Default: in-cluster ServiceAccount, then `KUBECONFIG`, then `~/.kube/config`. */
  kubeConfig?: KubeConfig;
  /** Namespaces to watch; default all. */
  namespaces?: readonly string[];
  /** Most reconciles running at once per operator (distinct parents). Default 4. */
  concurrency?: number;
  /** Reconcile every parent again this often even without events, in ms. Default 10 min; 0 turns it off. */
  resyncIntervalMs?: number;
  /** Default: silent. Pass a pino logger to see what happens. */
  logger?: Logger;
  /** Name of the process in Events' `source.component`. Default `operon`. */
  component?: string;
  /** How long `stop()` waits for in-flight reconciles. Default 30 s. */
  shutdownTimeoutMs?: number;
  /** Metric hooks per operator queue. */
  queueObserver?: (operator: string) => QueueObserver | undefined;
}

/**
 * Runs many operators in one process: one Kubernetes client, one shared informer per resource type
 * and scope, one work queue and reconciler per operator.
 *
 * @remarks
 * `start()` resolves once every informer has synced and every operator is reconciling. `stop()`
 * stops taking work, lets in-flight reconciles finish (up to `shutdownTimeoutMs`), then closes every
 * watch and connection, so the process can exit on its own.
 */
export class OperonHost {
  readonly api: ApiClient;
  readonly informers: InformerRegistry;
  private readonly controllers: OperatorController[];
  private readonly log: Logger;
  private readonly abort = new AbortController();
  private state: 'created' | 'starting' | 'running' | 'stopped' = 'created';
  private stopping?: Promise<void>;

  constructor(
    configs: readonly OperatorConfig<unknown>[],
    private readonly options: HostOptions = {},
  ) {
    this.log = options.logger ?? silentLogger();
    this.api = new ApiClient(options.kubeConfig ?? defaultKubeConfig(), options.component ?? 'operon');
    this.informers = new InformerRegistry(this.api, { log: this.log.child({ component: 'informers' }) });
    const events = new EventRecorder(this.api, options.component ?? 'operon', this.log);
    this.controllers = configs.map(
      (config) =>
        new OperatorController(
          config,
          this.informers,
          this.api,
          events,
          this.log.child({ operator: config.name }),
          {
            namespaces: options.namespaces,
            concurrency: options.concurrency ?? 4,
            resyncIntervalMs: options.resyncIntervalMs ?? 600_000,
            queueObserver: options.queueObserver,
          },
        ),
    );
  }

  /** Names of the operators this host runs. */
  get operators(): string[] {
    return this.controllers.map((c) => c.config.name);
  }

  /** True once every informer has synced and the operators are reconciling. */
  get ready(): boolean {
    return this.state === 'running';
  }

  /** Every shared informer of the process (one per resource type and scope). */
  sharedInformers(): SharedInformer<import('../../types/kube-object.js').KubeObject>[] {
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

  /** Starts the watches, waits for every cache to sync, then starts reconciling. */
  async start(): Promise<void> {
    if (this.state !== 'created')
      throw new OperonError('NOT_STARTED', 'This host was already started; create a new one.');
    this.state = 'starting';
    this.informers.start();
    this.log.info({ operators: this.operators, informers: this.informers.informers().length }, 'starting');
    await Promise.all(this.controllers.map((c) => c.start(this.abort.signal)));
    if (this.state === 'starting') this.state = 'running';
  }

  /** Drains in-flight reconciles, closes every watch and connection. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    this.state = 'stopped';
    this.abort.abort();
    const timeout = this.options.shutdownTimeoutMs ?? 30_000;
    const drained = await Promise.all(this.controllers.map((c) => c.stop(timeout)));
    if (drained.includes(false))
      this.log.warn({ timeoutMs: timeout }, 'some reconciles were still running at the shutdown timeout');
    await this.informers.stop();
    this.api.close();
    this.log.info('stopped');
  }
}
