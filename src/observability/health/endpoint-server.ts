import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { checkKeyPair, type KeyPair } from '../secure-serving/certificate.js';
import type { RequestGuard } from '../secure-serving/request-guard.js';
import { formatReport, type HealthReport } from './health-report.js';

/** What one {@link serveEndpoints} server answers; a path left out answers 404. */
export interface Endpoints {
  /** `/healthz` (and `/livez`): 200 when the report is ok, else 500. */
  healthz?: () => HealthReport;
  /** `/readyz`: 200 when the report is ok, else 500. */
  readyz?: () => HealthReport;
  /** `/metrics`: Prometheus text. */
  metrics?: { readonly contentType: string; text(): Promise<string> };
}

/** Where {@link serveEndpoints} listens. */
export interface ListenOptions {
  /** 0 picks a free port (read it back from {@link EndpointServer.port}). */
  port: number;
  /**
   * Interface address to bind, e.g. `127.0.0.1` to be reachable from the machine (or Pod) only.
   * Default: every interface (what probes from the kubelet and scrapes from Prometheus need).
   */
  host?: string;
}

/** How {@link serveEndpoints} protects what it serves. */
export interface ServeOptions {
  /** Serve HTTPS with this certificate instead of plain HTTP. */
  tls?: KeyPair;
  /** Decides whether each `/metrics` request is answered; the probes are never guarded. */
  metricsGuard?: RequestGuard;
}

/** A running endpoint server. */
export interface EndpointServer {
  /** The port actually bound (differs from the requested one when that was 0). */
  readonly port: number;
  /** The address actually bound: `127.0.0.1`, `::` (every interface), … */
  readonly address: string;
  /** `http://host:port` or `https://host:port`, for logs and tests. */
  readonly url: string;
  /** Whether it serves HTTPS. */
  readonly secure: boolean;
  /**
   * Serves a new certificate to new connections (a rotated one).
   *
   * @throws Error when the server is plain HTTP, or the pair is not a matching certificate and key.
   */
  setCertificate(pair: KeyPair): void;
  /** Stops accepting connections and ends idle keep-alive ones; resolves once closed. */
  close(): Promise<void>;
}

/**
 * Serves health probes and metrics: `GET /healthz`, `/livez`, `/readyz` (add `?verbose` for every
 * check) and `/metrics`, as configured, over plain HTTP or, given a certificate, HTTPS.
 *
 * @remarks
 * node:http(s) with no framework: four read-only paths do not need one. Probe answers are computed
 * synchronously from in-memory state, so a probe never waits on the API server. With a
 * {@link ServeOptions.metricsGuard}, `/metrics` answers only requests the guard allows (401/403/500
 * otherwise, before any metric is rendered). Errors while rendering metrics answer 500 instead of
 * crashing the process.
 *
 * @example
 * ```ts
 * const server = await serveEndpoints({ port: 8081 }, { healthz: () => host.healthz(), readyz: () => host.readyz() });
 * // later
 * await server.close();
 * ```
 */
export async function serveEndpoints(
  listen: ListenOptions,
  endpoints: Endpoints,
  options: ServeOptions = {},
): Promise<EndpointServer> {
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    void answer(endpoints, options.metricsGuard, req, res);
  };
  const { tls } = options;
  if (tls) checkKeyPair(tls, 'The serving certificate and key');
  const server: Server | HttpsServer = tls
    ? // TLS 1.2 is the floor Kubernetes components accept; a stalled handshake must not hold a socket long.
      createHttpsServer(
        { cert: tls.cert, key: tls.key, minVersion: 'TLSv1.2', handshakeTimeout: 10_000 },
        handler,
      )
    : createServer(handler);
  // Probes are tiny; a client that stalls must not keep the process alive at shutdown.
  server.keepAliveTimeout = 5_000;
  server.headersTimeout = 10_000;
  const address = await listenOn(server, listen);
  return {
    port: address.port,
    address: address.address,
    url: `${tls ? 'https' : 'http'}://${address.shownHost}:${address.port}`,
    secure: tls !== undefined,
    setCertificate(pair: KeyPair): void {
      if (!('setSecureContext' in server)) throw new Error('This endpoint server serves plain HTTP.');
      checkKeyPair(pair);
      server.setSecureContext({ cert: pair.cert, key: pair.key });
    },
    close: () => close(server),
  };
}

async function answer(
  endpoints: Endpoints,
  guard: RequestGuard | undefined,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n');
    return;
  }
  const verbose = url.searchParams.has('verbose');
  const probe = (name: string, check: (() => HealthReport) | undefined): boolean => {
    if (!check) return false;
    try {
      const r = check();
      send(res, r.ok ? 200 : 500, 'text/plain; charset=utf-8', formatReport(name, r, verbose));
    } catch (e) {
      send(res, 500, 'text/plain; charset=utf-8', `${name} check threw: ${String(e)}\n`);
    }
    return true;
  };
  switch (url.pathname) {
    case '/healthz':
    case '/livez':
      if (probe(url.pathname.slice(1), endpoints.healthz)) return;
      break;
    case '/readyz':
      if (probe('readyz', endpoints.readyz)) return;
      break;
    case '/metrics':
      if (endpoints.metrics) {
        if (guard && !(await allowed(guard, req, res, url.pathname))) return;
        try {
          send(res, 200, endpoints.metrics.contentType, await endpoints.metrics.text());
        } catch (e) {
          send(res, 500, 'text/plain; charset=utf-8', `collecting metrics failed: ${String(e)}\n`);
        }
        return;
      }
      break;
  }
  send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
}

/** Asks the guard; when it refuses, answers the refusal and returns false. */
async function allowed(
  guard: RequestGuard,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
): Promise<boolean> {
  const decision = await guard({
    authorization: req.headers.authorization,
    verb: (req.method ?? 'GET').toLowerCase(),
    path,
  }).catch(
    (e: unknown) => ({ allowed: false, status: 500, message: `access check failed: ${String(e)}` }) as const,
  );
  if (decision.allowed) return true;
  const headers: Record<string, string> = decision.status === 401 ? { 'WWW-Authenticate': 'Bearer' } : {};
  send(res, decision.status, 'text/plain; charset=utf-8', `${decision.message}\n`, headers);
  return false;
}

function send(
  res: ServerResponse,
  status: number,
  contentType: string,
  body: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    ...headers,
    'Content-Type': contentType,
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

function close(server: Server | HttpsServer): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}

/**
 * Starts `server` listening and resolves with where it listens (`shownHost` bracketed for IPv6, as
 * a URL needs it), or rejects with the listen error (a port in use, a bad address).
 */
export async function listenOn(
  server: Server | HttpsServer,
  listen: ListenOptions,
): Promise<{ port: number; address: string; shownHost: string }> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return { port: address.port, address: address.address, shownHost };
}
