import type { OperatorConfig } from '../config/operator-config.js';
import { createLogger, defaultLogger } from '../observability/create-logger.js';
import { type Logger, silentLogger } from '../observability/logger.js';
import { OperonMetrics } from '../observability/metrics/operon-metrics.js';
import {
  DEFAULT_SHUTDOWN_TIMEOUT_MS,
  type HostOptions,
  type HostStopped,
  OperonHost,
} from '../runtime/host/operon-host.js';
import { DEFAULT_START_TIMEOUT_MS, startWithin } from '../runtime/host/start-within.js';
import { type AppEndpoints, startEndpoints } from './app-endpoints.js';
import { APP_DEFAULTS, type RunOptions } from './app-options.js';
import { type EndpointPlan, planEndpoints } from './endpoint-plan.js';
import { type OperatorSource, operatorsOf } from './operator-source.js';
import { onSignals } from './signals.js';

export type { OperatorSource } from './operator-source.js';

/**
 * Running operators: the host (watches, caches, queues, reconcilers), and around it, unless
 * {@link RunOptions.embedded}, the health and metrics servers and the signal handling that shuts it
 * all down gracefully. {@link runOperators} creates and starts one.
 *
 * @remarks
 * Lifecycle:
 * 1. {@link OperonApp.start} serves `/healthz`, `/readyz` and `/metrics` first (so the kubelet sees
 *    "alive, not ready" while caches sync), installs the signal handlers, then starts the host.
 *    Probes are plain HTTP; `/metrics` is HTTPS for authenticated, authorized scrapers unless
 *    `metricsServer.secure` is false (see {@link AppOptions.metricsServer}).
 * 2. On SIGTERM or SIGINT: `/readyz` fails, the queues stop taking work, in-flight reconciles finish
 *    (up to `shutdownTimeoutMs`), the Lease is released, watches and servers close, and the process
 *    exits 0 (1 if the timeout cut reconciles short). A second signal exits at once with 1.
 * 3. If the Lease is lost, the host stops reconciling at once and the process exits 1, so the
 *    Deployment restarts it as a fresh follower (controller-runtime does the same).
 *
 * @example
 * ```ts
 * const app = new OperonApp(container, {
 *   leaderElection: { leaseName: 'echo-server-operator' },
 *   namespaces: ['demo'],
 * });
 * await app.start(); // runs until SIGTERM
 * ```
 */
export class OperonApp {
  /** The host that runs the operators: `trigger(...)` a pass, read `ready`, `leading`, `metrics`, ... */
  readonly host: OperonHost;
  /** The logger every part of the app logs to. */
  readonly log: Logger;
  /** The configs of the operators this app runs, built from their decorators or as given. */
  readonly configs: readonly OperatorConfig<unknown>[];
  private readonly options: Required<
    Pick<
      RunOptions,
      'healthServer' | 'metricsServer' | 'signals' | 'exitProcess' | 'startTimeoutMs' | 'shutdownTimeoutMs'
    >
  >;
  private readonly endpointPlan: EndpointPlan;
  private endpoints: AppEndpoints | undefined;
  private removeSignals: (() => void) | undefined;
  private stopping: Promise<HostStopped> | undefined;

  /** @throws ConfigError when the operators or the options are invalid, listing every problem. */
  constructor(operators: OperatorSource, options: RunOptions = {}) {
    const {
      embedded = false,
      logger,
      logging,
      startTimeoutMs = DEFAULT_START_TIMEOUT_MS,
      healthServer = embedded ? false : {},
      metricsServer = embedded ? false : {},
      signals = embedded ? [] : APP_DEFAULTS.signals,
      exitProcess = !embedded,
      ...hostOnly
    } = options;
    const shutdownTimeoutMs = hostOnly.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS;
    this.options = { healthServer, metricsServer, signals, exitProcess, startTimeoutMs, shutdownTimeoutMs };
    this.log = logger === false ? silentLogger() : (logger ?? appLogger(embedded, logging));
    // A process serving /metrics also reports its own CPU, memory and event loop, as client_golang does.
    const hostOptions: HostOptions = {
      ...hostOnly,
      logger: this.log,
      metrics: hostOnly.metrics ?? new OperonMetrics({ processMetrics: metricsServer !== false }),
    };
    this.endpointPlan = planEndpoints({ healthServer, metricsServer }, hostOptions.metrics !== false);
    this.configs = operatorsOf(operators);
    this.host = new OperonHost(this.configs, hostOptions);
  }

  /** `http://address:port` of the health server, once started. */
  get healthUrl(): string | undefined {
    return this.endpoints?.health?.url;
  }

  /**
   * `https://address:port` of the metrics server (`http://` when not secure), once started (the
   * health server's when shared).
   */
  get metricsUrl(): string | undefined {
    return this.endpoints?.metrics?.url;
  }

  /**
   * Serves the endpoints, installs the signal handlers and starts the host; resolves once every cache
   * has synced (with leader election, whether or not this replica leads).
   *
   * @throws whatever stops the host from starting (after cleaning up); not when a signal stopped it.
   */
  async start(): Promise<void> {
    await this.serve();
    this.removeSignals = onSignals(
      this.options.signals,
      (signal) => void this.onSignal(signal),
      (signal) => {
        this.log.warn({ signal }, 'second signal during shutdown; exiting now');
        if (this.options.exitProcess) process.exit(1);
      },
    );
    void this.host.done.then((stopped) => this.onHostDone(stopped));
    try {
      await startWithin(this.host, {
        timeoutMs: this.options.startTimeoutMs,
        configs: this.configs,
        option: 'runOperators(source, { startTimeoutMs })',
      });
    } catch (err) {
      if (this.stopping) return; // stopped (by a signal) while the caches were syncing
      this.log.error({ err }, 'the operators could not start');
      await this.stop();
      throw err;
    }
  }

  /** Stops the host gracefully, then the servers and signal handlers. Idempotent; never exits. */
  stop(): Promise<HostStopped> {
    this.stopping ??= (async () => {
      await this.host.stop();
      const stopped = await this.host.done;
      await this.closeServers();
      return stopped;
    })();
    return this.stopping;
  }

  private async onSignal(signal: NodeJS.Signals): Promise<void> {
    const timeoutMs = this.options.shutdownTimeoutMs;
    this.log.info({ signal, timeoutMs }, 'shutting down: finishing in-flight reconciles');
    const exit = this.options.exitProcess;
    // Closing watches and servers after the drain is quick; if it hangs anyway, do not outlive the kubelet's patience.
    const force = setTimeout(() => {
      this.log.error('shutdown did not finish in time; exiting');
      process.exit(1);
    }, timeoutMs + APP_DEFAULTS.exitGraceMs);
    force.unref();
    const stopped = await this.stop();
    clearTimeout(force);
    if (exit) process.exit(stopped.drained ? 0 : 1);
  }

  private async onHostDone(stopped: HostStopped): Promise<void> {
    if (stopped.reason !== 'leadership-lost') return;
    await this.stop();
    if (this.options.exitProcess) {
      this.log.error('exiting after losing the leader lease; the restarted process will follow');
      process.exit(1);
    }
  }

  private async serve(): Promise<void> {
    this.endpoints = await startEndpoints(this.endpointPlan, {
      healthz: () => this.host.healthz(),
      readyz: () => this.host.readyz(),
      metrics: this.host.metrics,
      reviews: this.host.api,
      log: this.log,
    });
  }

  private async closeServers(): Promise<void> {
    this.removeSignals?.();
    await this.endpoints?.close();
  }
}

/** A production process logs as configured; an embedded one stays quiet under a test runner. */
function appLogger(embedded: boolean, logging: RunOptions['logging']): Logger {
  return embedded && !logging ? defaultLogger() : createLogger(logging);
}
