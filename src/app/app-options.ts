import type { LoggingOptions } from '../observability/create-logger.js';
import type { ListenOptions } from '../observability/health/endpoint-server.js';
import type { Logger } from '../observability/logger.js';
import type { HostOptions } from '../runtime/host/operon-host.js';

/**
 * Where an endpoint server listens: `port` (0 picks a free one) and `host`, the interface address to
 * bind (default every interface; `127.0.0.1` keeps it to the machine or Pod).
 */
export type ServerOptions = Partial<ListenOptions>;

/** Where the metrics server listens, and how it is protected. */
export interface MetricsServerOptions extends ServerOptions {
  /**
   * Serve `/metrics` over HTTPS, and only to scrapers whose bearer token passes a TokenReview and
   * whose user a SubjectAccessReview allows `get` on the non-resource URL `/metrics`, as
   * controller-runtime's secure metrics server. The operator needs `create` on `tokenreviews` and
   * `subjectaccessreviews` (`operon rbac` grants it); a scraper needs a role like the
   * `<app>-metrics-reader` ClusterRole `operon manifests` prints. Default true. `false`: plain HTTP
   * that anyone who can reach the port may read, for local use.
   */
  secure?: boolean;
  /**
   * Folder holding the serving certificate and key (a mounted Secret, e.g. cert-manager's), read at
   * start and re-read when they change. Default: none; without certificate files a self-signed
   * certificate is generated at start-up.
   */
  certDir?: string;
  /** The certificate (chain) file, PEM; relative to {@link MetricsServerOptions.certDir}. Default `tls.crt`. */
  certFile?: string;
  /** The private key file, PEM; relative to {@link MetricsServerOptions.certDir}. Default `tls.key`. */
  keyFile?: string;
  /** How long one token's TokenReview and one user's SubjectAccessReview are reused. Default 10 s. */
  authCacheTtlMs?: number;
}

/**
 * Options of {@link runOperators} (and {@link OperonApp}): what the operators need (cluster,
 * namespaces, concurrency, leader election, ...), and what the process around them needs (probe and
 * metrics servers, logging, signals, exit).
 *
 * @remarks
 * They grow with the program: `{}` runs a production process; `{ embedded: true }` runs the same
 * operators inside a test, a CLI or another framework, with nothing bound and no signal handled;
 * `leaderElection`, `webhook`, `metricsServer` and the rest add what a deployment needs.
 */
export interface RunOptions extends Omit<HostOptions, 'logger'> {
  /**
   * Run inside another program (a test, a script, a framework with its own lifecycle): no probe or
   * metrics server, no signal handler, and the process never exits on its own; stop it with
   * {@link OperonApp.stop}. Each of those can still be turned on by its own option. Default false:
   * a production process.
   */
  embedded?: boolean;
  /**
   * A pino logger, or `false` for none. Default: `createLogger(logging)`: JSON lines, readable lines
   * in a terminal, `LOG_LEVEL` and `LOG_FORMAT` honoured. When {@link RunOptions.embedded}, the
   * default is silent under a test runner (`NODE_ENV=test`, or `node --test`) unless `LOG_LEVEL` is set.
   */
  logger?: Logger | false;
  /**
   * How long the start waits for every cache to sync, in ms, before it stops everything and fails,
   * naming each cache that did not sync and its last error. Default 60 000; 0 waits for ever. An API
   * server that cannot be reached at all fails the start within seconds, whatever this is (unless 0).
   */
  startTimeoutMs?: number;
  /**
   * `/healthz`, `/livez` and `/readyz`, plain HTTP (the kubelet's probes carry no credentials).
   * Default port 8081 on every interface (controller-runtime's probe port); `false`: not served.
   * Default `false` when {@link RunOptions.embedded}.
   */
  healthServer?: ServerOptions | false;
  /**
   * `/metrics`. Default: HTTPS with authentication and authorization on port 8443 on every interface
   * (controller-runtime's secure metrics, as kubebuilder scaffolds them); with `secure: false`, plain
   * HTTP on port 8080. `false`: not served (the default when {@link RunOptions.embedded}). Given the
   * same host and port as {@link RunOptions.healthServer}, one server answers all four paths (over
   * HTTPS when the metrics are secure; only `/metrics` asks for a token).
   */
  metricsServer?: MetricsServerOptions | false;
  /** How the logger is built when {@link RunOptions.logger} is not given. */
  logging?: LoggingOptions;
  /**
   * Signals that stop the app gracefully. Default `['SIGTERM', 'SIGINT']` (`[]` when
   * {@link RunOptions.embedded}); `[]` installs no handler.
   */
  signals?: readonly NodeJS.Signals[];
  /**
   * End the process when the app stops on a signal (exit code 0, or 1 if the shutdown timeout cut
   * reconciles short) or loses the leader Lease (exit code 1, so it restarts as a fresh follower).
   * A second signal during shutdown exits at once with code 1. Default true (false when
   * {@link RunOptions.embedded}).
   */
  exitProcess?: boolean;
}

/**
 * The options of {@link runOperators} under their earlier name.
 *
 * @deprecated Use {@link RunOptions}; this alias goes in the next minor version.
 */
export type AppOptions = RunOptions;

/** The defaults of {@link RunOptions}. */
export const APP_DEFAULTS = {
  healthPort: 8081,
  /** Port of secure (HTTPS) metrics, the default. */
  metricsPort: 8443,
  /** Port of plain-HTTP metrics (`metricsServer: { secure: false }`). */
  insecureMetricsPort: 8080,
  /** Certificate and key file names in `metricsServer.certDir` (a `kubernetes.io/tls` Secret's keys). */
  certFile: 'tls.crt',
  keyFile: 'tls.key',
  authCacheTtlMs: 10_000,
  signals: ['SIGTERM', 'SIGINT'] as readonly NodeJS.Signals[],
  /** Past the host's shutdown timeout, how long closing watches and servers may take before a forced exit. */
  exitGraceMs: 10_000,
} as const;
