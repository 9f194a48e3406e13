import { resolve } from 'node:path';
import { ConfigError } from '../errors/operon-error.js';
import type { ListenOptions } from '../observability/health/endpoint-server.js';
import type { CertificateFiles } from '../observability/secure-serving/certificate.js';
import {
  APP_DEFAULTS,
  type MetricsServerOptions,
  type RunOptions,
  type ServerOptions,
} from './app-options.js';

/** How secure metrics are served. */
export interface SecureMetricsPlan {
  /** Certificate files to read (and watch), or a certificate generated at start-up. */
  readonly certificate: CertificateFiles | 'self-signed';
  readonly authCacheTtlMs: number;
}

/** The servers an app starts, with every default applied. */
export interface EndpointPlan {
  readonly health?: ListenOptions;
  readonly metrics?: { readonly listen: ListenOptions; readonly secure?: SecureMetricsPlan };
  /** Health and metrics on one server: the same host and the same port, not 0. */
  readonly shared: boolean;
}

/**
 * Applies the defaults of {@link RunOptions.healthServer} and {@link RunOptions.metricsServer} and
 * checks them, so a mistake stops the app before anything starts.
 *
 * @param servesMetrics - false when the host records no metrics (`metrics: false`): no metrics server.
 * @throws ConfigError listing every problem (a port out of range, half a certificate, certificate
 * options on plain HTTP, a negative cache time).
 */
export function planEndpoints(
  options: Pick<RunOptions, 'healthServer' | 'metricsServer'>,
  servesMetrics = true,
): EndpointPlan {
  const problems: string[] = [];
  const { healthServer = {}, metricsServer = {} } = options;
  const health = healthServer
    ? listenOn(healthServer, APP_DEFAULTS.healthPort, 'healthServer', problems)
    : undefined;
  let metrics: EndpointPlan['metrics'];
  if (metricsServer && servesMetrics) {
    const secure = metricsServer.secure ?? true;
    const port = secure ? APP_DEFAULTS.metricsPort : APP_DEFAULTS.insecureMetricsPort;
    metrics = {
      listen: listenOn(metricsServer, port, 'metricsServer', problems),
      ...(secure ? { secure: securePlan(metricsServer, problems) } : {}),
    };
    if (!secure && (metricsServer.certDir || metricsServer.certFile || metricsServer.keyFile)) {
      problems.push(
        'metricsServer has certificate files but secure: false; plain HTTP uses no certificate (remove one or the other).',
      );
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const shared =
    health !== undefined &&
    metrics !== undefined &&
    health.port !== 0 &&
    health.port === metrics.listen.port &&
    health.host === metrics.listen.host;
  return { health, metrics, shared };
}

function listenOn(
  server: ServerOptions,
  defaultPort: number,
  name: string,
  problems: string[],
): ListenOptions {
  const port = server.port ?? defaultPort;
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    problems.push(`${name}.port must be an integer from 0 to 65535 (0: any free port), not ${port}.`);
  return server.host === undefined || server.host === '' ? { port } : { port, host: server.host };
}

function securePlan(server: MetricsServerOptions, problems: string[]): SecureMetricsPlan {
  const ttl = server.authCacheTtlMs ?? APP_DEFAULTS.authCacheTtlMs;
  if (!Number.isFinite(ttl) || ttl < 0)
    problems.push(`metricsServer.authCacheTtlMs must be 0 or more milliseconds, not ${ttl}.`);
  return { certificate: certificateFiles(server, problems), authCacheTtlMs: ttl };
}

function certificateFiles(
  server: MetricsServerOptions,
  problems: string[],
): CertificateFiles | 'self-signed' {
  const { certDir, certFile, keyFile } = server;
  if (certDir) {
    return {
      certFile: resolve(certDir, certFile ?? APP_DEFAULTS.certFile),
      keyFile: resolve(certDir, keyFile ?? APP_DEFAULTS.keyFile),
    };
  }
  if (certFile && keyFile) return { certFile: resolve(certFile), keyFile: resolve(keyFile) };
  if (certFile || keyFile) {
    problems.push(
      `metricsServer has ${certFile ? 'certFile' : 'keyFile'} but no ${certFile ? 'keyFile' : 'certFile'}: give both, or certDir (holding tls.crt and tls.key).`,
    );
  }
  return 'self-signed';
}
