import type { LoggingOptions } from '../observability/create-logger.js';
import type { ListenOptions } from '../observability/health/endpoint-server.js';
import type { HostOptions } from '../runtime/host/operon-host.js';

/** Where an endpoint server listens; `port` 0 picks a free one. */
export type ServerOptions = Partial<ListenOptions>;

/**
 * Options of {@link OperonApp} and {@link runOperators}: everything a host takes, plus what a process
 * needs around it (servers, logging, signals, exit).
 */
export interface AppOptions extends HostOptions {
  /**
   * `/healthz`, `/livez` and `/readyz`. Default port 8081 on every interface (controller-runtime's
   * probe port); `false`: not served.
   */
  healthServer?: ServerOptions | false;
  /**
   * `/metrics`. Default port 8080 on every interface (controller-runtime's metrics port); `false`:
   * not served. Given the same port as {@link AppOptions.healthServer}, one server answers all four
   * paths.
   */
  metricsServer?: ServerOptions | false;
  /** How the app's logger is built when {@link HostOptions.logger} is not given. */
  logging?: LoggingOptions;
  /** Signals that stop the app gracefully. Default `['SIGTERM', 'SIGINT']`; `[]` installs no handler. */
  signals?: readonly NodeJS.Signals[];
  /**
   * End the process when the app stops on a signal (exit code 0, or 1 if the shutdown timeout cut
   * reconciles short) or loses the leader Lease (exit code 1, so it restarts as a fresh follower).
   * A second signal during shutdown exits at once with code 1. Default true.
   */
  exitProcess?: boolean;
}

/** The defaults of {@link AppOptions}. */
export const APP_DEFAULTS = {
  healthPort: 8081,
  metricsPort: 8080,
  signals: ['SIGTERM', 'SIGINT'] as readonly NodeJS.Signals[],
  /** Past the host's shutdown timeout, how long closing watches and servers may take before a forced exit. */
  exitGraceMs: 10_000,
} as const;
