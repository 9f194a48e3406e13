import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
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
  /** Interface address. Default: every interface (what probes from the kubelet need). */
  host?: string;
}

/** A running endpoint server. */
export interface EndpointServer {
  /** The port actually bound (differs from the requested one when that was 0). */
  readonly port: number;
  /** `http://host:port`, for logs and tests. */
  readonly url: string;
  /** Stops accepting connections and ends idle keep-alive ones; resolves once closed. */
  close(): Promise<void>;
}

/**
 * Serves health probes and metrics over plain HTTP: `GET /healthz`, `/livez`, `/readyz` (add
 * `?verbose` for every check) and `/metrics`, as configured.
 *
 * @remarks
 * node:http with no framework: three read-only paths do not need one. Probe answers are computed
 * synchronously from in-memory state, so a probe never waits on the API server. Errors while
 * rendering metrics answer 500 instead of crashing the process.
 *
 * @example
 * ```ts
 * const server = await serveEndpoints({ port: 8081 }, { healthz: () => host.healthz(), readyz: () => host.readyz() });
 * // later
 * await server.close();
 * ```
 */
export async function serveEndpoints(listen: ListenOptions, endpoints: Endpoints): Promise<EndpointServer> {
  const server = createServer((req, res) => {
    void answer(endpoints, req, res);
  });
  // Probes are tiny; a client that stalls must not keep the process alive at shutdown.
  server.keepAliveTimeout = 5_000;
  server.headersTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    port: address.port,
    url: `http://${shownHost}:${address.port}`,
    close: () => close(server),
  };
}

async function answer(endpoints: Endpoints, req: IncomingMessage, res: ServerResponse): Promise<void> {
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

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}
