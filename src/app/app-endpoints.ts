import { hostname } from 'node:os';
import {
  type EndpointServer,
  type Endpoints,
  type ServeOptions,
  serveEndpoints,
} from '../observability/health/endpoint-server.js';
import type { Logger } from '../observability/logger.js';
import {
  fingerprint,
  type KeyPair,
  readKeyPair,
  selfSignedKeyPair,
} from '../observability/secure-serving/certificate.js';
import { watchKeyPair } from '../observability/secure-serving/certificate-watcher.js';
import { KubeAuthorizer, type ReviewClient } from '../observability/secure-serving/kube-authorizer.js';
import type { EndpointPlan } from './endpoint-plan.js';

/** What the servers answer with. */
export interface EndpointSources {
  readonly healthz: NonNullable<Endpoints['healthz']>;
  readonly readyz: NonNullable<Endpoints['readyz']>;
  readonly metrics: Endpoints['metrics'];
  /** Sends the TokenReviews and SubjectAccessReviews of secure metrics (the host's API client). */
  readonly reviews: ReviewClient;
  readonly log: Logger;
}

/** The servers an app runs. */
export interface AppEndpoints {
  readonly health?: EndpointServer;
  /** The metrics server; the health server itself when they share a port. */
  readonly metrics?: EndpointServer;
  /** Stops watching the certificate and closes every server. */
  close(): Promise<void>;
}

/**
 * Starts the servers of an {@link EndpointPlan}: probes over HTTP, metrics over HTTPS behind a
 * {@link KubeAuthorizer} (or plain HTTP when not secure), with the certificate from files (reloaded
 * when they change) or generated.
 *
 * @throws when a port is taken or a certificate cannot be read; whatever had started is closed first.
 */
export async function startEndpoints(plan: EndpointPlan, sources: EndpointSources): Promise<AppEndpoints> {
  const { log } = sources;
  const servers: EndpointServer[] = [];
  let stopWatching: (() => void) | undefined;
  const close = async (): Promise<void> => {
    stopWatching?.();
    await Promise.all(servers.map((s) => s.close()));
  };
  try {
    const secure = plan.metrics?.secure;
    const metricsOptions: ServeOptions = {};
    let certificate: { pair: KeyPair; source: string } | undefined;
    if (secure) {
      certificate =
        secure.certificate === 'self-signed'
          ? { pair: await selfSignedKeyPair({ hosts: certificateHosts(plan) }), source: 'self-signed' }
          : { pair: await readKeyPair(secure.certificate), source: secure.certificate.certFile };
      metricsOptions.tls = certificate.pair;
      metricsOptions.metricsGuard = new KubeAuthorizer(sources.reviews, {
        cacheTtlMs: secure.authCacheTtlMs,
        log,
      }).guard;
    }
    const probes: Endpoints = { healthz: sources.healthz, readyz: sources.readyz };
    let health: EndpointServer | undefined;
    if (plan.health) {
      health = await serveEndpoints(
        plan.health,
        plan.shared ? { ...probes, metrics: sources.metrics } : probes,
        plan.shared ? metricsOptions : {},
      );
      servers.push(health);
      log.info(
        { url: health.url, port: health.port, paths: ['/healthz', '/livez', '/readyz'] },
        'serving health probes',
      );
    }
    let metrics: EndpointServer | undefined;
    if (plan.metrics && sources.metrics) {
      metrics = plan.shared
        ? health
        : await serveEndpoints(plan.metrics.listen, { metrics: sources.metrics }, metricsOptions);
      if (metrics && !plan.shared) servers.push(metrics);
      log.info(
        {
          url: metrics?.url,
          port: metrics?.port,
          paths: ['/metrics'],
          secure: secure !== undefined,
          ...(certificate
            ? { certificate: certificate.source, fingerprint: fingerprint(certificate.pair) }
            : {}),
        },
        'serving metrics',
      );
    }
    if (secure && secure.certificate !== 'self-signed' && metrics) {
      const server = metrics;
      stopWatching = watchKeyPair(secure.certificate, {
        onChange: (pair) => {
          server.setCertificate(pair);
          log.info({ fingerprint: fingerprint(pair) }, 'serving the rotated metrics certificate');
        },
        onError: (err) =>
          log.warn({ err }, 'the changed metrics certificate is not usable; keeping the old one'),
      });
    }
    return { health, metrics, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** Names a generated certificate is for: the usual local ones, the host name, and a specific bind address. */
function certificateHosts(plan: EndpointPlan): string[] {
  const hosts = ['localhost', '127.0.0.1', '::1', hostname()];
  const bound = plan.metrics?.listen.host;
  if (bound && bound !== '0.0.0.0' && bound !== '::') hosts.push(bound);
  return hosts.filter(Boolean);
}
