import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent, type AgentOptions, request as httpsRequest, type RequestOptions } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { ApiError, type ApiStatus } from './api-error.js';

/** One request as the API client sees it; `query` values that are undefined are left out. */
export interface ApiRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  /** Defaults to `application/json` when there is a body. */
  contentType?: string;
  signal?: AbortSignal;
}

/** Reported after every request completes (or fails to connect: `code` 0). */
export interface RequestRecord {
  verb: string;
  method: ApiRequest['method'];
  path: string;
  code: number;
  durationMs: number;
}

/** Patch content types the API server understands. */
export const PatchType = {
  apply: 'application/apply-patch+yaml',
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
} as const;

/**
 * Operon's HTTP transport to the API server: raw JSON in and out, on client-node's kubeconfig
 * handling (auth providers, TLS, tokens).
 *
 * @remarks
 * Why not client-node's generated clients: they deserialize into model classes (dropping fields
 * the model does not know, which silently loses data on server-side apply), mutate their input,
 * and have no streaming watch that survives errors. Here objects stay the API server's JSON.
 * Connections are kept alive and shared by every request of the process.
 */
export class ApiClient {
  private readonly server: URL;
  private agent: Agent | HttpAgent | undefined;
  private readonly listeners = new Set<(r: RequestRecord) => void>();

  constructor(
    readonly kubeConfig: KubeConfig,
    private readonly userAgent = 'operon',
  ) {
    const cluster = kubeConfig.getCurrentCluster();
    if (!cluster) {
      throw new ApiError(0, 'connect', '/', undefined, {
        cause: new Error('the kubeconfig has no current cluster; set current-context'),
      });
    }
    this.server = new URL(cluster.server);
  }

  /** The API server's base URL. */
  get serverUrl(): string {
    return this.server.toString();
  }

  /** Calls `listener` after every request; returns a function that removes it. */
  onRequest(listener: (r: RequestRecord) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Sends a request and parses the JSON answer; throws {@link ApiError} on any non-2xx. */
  async request<T = unknown>(req: ApiRequest): Promise<T> {
    const started = performance.now();
    let code = 0;
    try {
      const res = await this.send(req);
      code = res.statusCode ?? 0;
      const text = await readBody(res);
      if (code < 200 || code > 299) throw new ApiError(code, verbOf(req), req.path, parseStatus(text));
      return (text ? JSON.parse(text) : undefined) as T;
    } finally {
      this.record(req, code, started);
    }
  }

  /**
   * Opens a streaming GET (a watch) and returns the response once the headers arrive.
   * Throws {@link ApiError} when the server answers with an error status.
   */
  async stream(req: Omit<ApiRequest, 'method' | 'body' | 'contentType'>): Promise<IncomingMessage> {
    const started = performance.now();
    const full: ApiRequest = { ...req, method: 'GET' };
    let code = 0;
    try {
      const res = await this.send(full);
      code = res.statusCode ?? 0;
      if (code < 200 || code > 299) {
        throw new ApiError(code, verbOf(full), req.path, parseStatus(await readBody(res)));
      }
      return res;
    } finally {
      this.record(full, code, started);
    }
  }

  /** Closes kept-alive connections. */
  close(): void {
    this.agent?.destroy();
    this.agent = undefined;
  }

  private record(req: ApiRequest, code: number, started: number): void {
    if (this.listeners.size === 0) return;
    const r: RequestRecord = {
      verb: verbOf(req),
      method: req.method,
      path: req.path,
      code,
      durationMs: performance.now() - started,
    };
    for (const l of this.listeners) l(r);
  }

  private async send(req: ApiRequest): Promise<IncomingMessage> {
    const opts: RequestOptions = {};
    // Per request, so rotating credentials (exec plugins, projected tokens) stay fresh.
    await this.kubeConfig.applyToHTTPSOptions(opts);
    const agent = this.agentFrom(opts);
    const url = new URL(this.server.pathname.replace(/\/$/, '') + req.path, this.server);
    for (const [k, v] of Object.entries(req.query ?? {})) {
      if (v !== undefined) url.searchParams.set(k, String(v));
    }
    const headers: Record<string, string> = { Accept: 'application/json', 'User-Agent': this.userAgent };
    for (const [k, v] of Object.entries(opts.headers ?? {})) {
      if (typeof v === 'string' || typeof v === 'number') headers[k] = String(v);
    }
    if (opts.auth) headers.Authorization = `Basic ${Buffer.from(opts.auth).toString('base64')}`;
    let payload: Buffer | undefined;
    if (req.body !== undefined) {
      payload = Buffer.from(typeof req.body === 'string' ? req.body : JSON.stringify(req.body));
      headers['Content-Type'] = req.contentType ?? 'application/json';
      headers['Content-Length'] = String(payload.length);
    }
    const send = url.protocol === 'http:' ? httpRequest : httpsRequest;
    return new Promise<IncomingMessage>((resolve, reject) => {
      const r = send(url, { method: req.method, headers, agent, signal: req.signal }, resolve);
      r.on('error', (err) => reject(new ApiError(0, verbOf(req), req.path, undefined, { cause: err })));
      r.end(payload);
    });
  }

  private agentFrom(opts: RequestOptions): Agent | HttpAgent {
    if (this.agent) return this.agent;
    if (this.server.protocol === 'http:') {
      this.agent = new HttpAgent({ keepAlive: true });
      return this.agent;
    }
    const tls: AgentOptions = {
      keepAlive: true,
      ca: opts.ca,
      cert: opts.cert,
      key: opts.key,
      pfx: opts.pfx,
      passphrase: opts.passphrase,
      servername: opts.servername,
    };
    if (opts.rejectUnauthorized !== undefined) tls.rejectUnauthorized = opts.rejectUnauthorized;
    const cluster = this.kubeConfig.getCurrentCluster();
    if (cluster?.skipTLSVerify) tls.rejectUnauthorized = false;
    if (cluster?.tlsServerName) tls.servername = cluster.tlsServerName;
    this.agent = new Agent(tls);
    return this.agent;
  }
}

/** The Kubernetes verb of a request, as RBAC and metrics name it. */
export function verbOf(req: Pick<ApiRequest, 'method' | 'path' | 'query'>): string {
  switch (req.method) {
    case 'GET':
      if (req.query?.watch) return 'watch';
      return looksLikeCollection(req.path) ? 'list' : 'get';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return looksLikeCollection(req.path) ? 'deletecollection' : 'delete';
  }
}

// /api/v1/pods, /api/v1/namespaces/x/pods, /apis/g/v/namespaces/x/kind: an even number of segments
// after the group-version prefix means "collection".
function looksLikeCollection(path: string): boolean {
  const parts = path.split('?')[0].split('/').filter(Boolean);
  const rest = parts[0] === 'api' ? parts.slice(2) : parts.slice(3);
  if (rest[0] === 'namespaces' && rest.length >= 3) return rest.length === 3;
  return rest.length === 1;
}

function readBody(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
  });
}

function parseStatus(text: string): ApiStatus | undefined {
  try {
    const parsed = JSON.parse(text) as ApiStatus;
    return typeof parsed === 'object' && parsed !== null ? parsed : undefined;
  } catch {
    return text ? { message: text.slice(0, 500) } : undefined;
  }
}
