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
  /** Cancels the request (a reconcile's deadline, shutdown). */
  signal?: AbortSignal;
  /**
   * How long to wait for the whole answer (for a stream: for its headers) before giving up;
   * defaults to the client's `requestTimeoutMs`.
   */
  timeoutMs?: number;
}

/** Options of an {@link ApiClient}. */
export interface ApiClientOptions {
  /**
   * Deadline of one request, in ms (default {@link DEFAULT_REQUEST_TIMEOUT_MS}). A request on a
   * dead connection would otherwise hold its reconcile, and a worker, for as long as the kernel
   * keeps the socket. A watch stream is bounded only until its headers arrive; the reflector
   * watches its liveness itself.
   */
  requestTimeoutMs?: number;
}

/** Default of {@link ApiClientOptions.requestTimeoutMs}: client-go has none by default; kubectl's `--request-timeout` users pick tens of seconds. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

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
  private readonly requestTimeoutMs: number;
  private readonly writes = new AbortController();

  constructor(
    readonly kubeConfig: KubeConfig,
    private readonly userAgent = 'operon',
    options: ApiClientOptions = {},
  ) {
    this.requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
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

  /**
   * From now on, refuses every write request (anything but GET) and cancels those in flight; reads
   * and watches go on. For a replica that lost the leader Lease: a successor may be writing.
   */
  refuseWrites(reason: unknown): void {
    this.writes.abort(reason);
  }

  /**
   * Sends a request and parses the JSON answer; throws {@link ApiError} on any non-2xx, and an
   * `ApiError` with status 0 when the server cannot be reached, does not answer within the
   * request's timeout, or `req.signal` aborts it.
   */
  async request<T = unknown>(req: ApiRequest): Promise<T> {
    const started = performance.now();
    const timeoutMs = req.timeoutMs ?? this.requestTimeoutMs;
    const timeout = AbortSignal.timeout(timeoutMs);
    const write = req.method !== 'GET';
    if (write && this.writes.signal.aborted) {
      const why = this.writes.signal.reason instanceof Error ? this.writes.signal.reason.message : 'refused';
      throw new ApiError(0, verbOf(req), req.path, undefined, {
        cause: new Error(`this client no longer writes (${why})`),
      });
    }
    const signals = [timeout, ...(req.signal ? [req.signal] : []), ...(write ? [this.writes.signal] : [])];
    const signal = signals.length === 1 ? timeout : AbortSignal.any(signals);
    let code = 0;
    try {
      const res = await this.send({ ...req, signal });
      code = res.statusCode ?? 0;
      const text = await readBody(res);
      if (code < 200 || code > 299) throw new ApiError(code, verbOf(req), req.path, parseStatus(text));
      return (text ? JSON.parse(text) : undefined) as T;
    } catch (e) {
      throw abortedError(e, req, timeout, timeoutMs);
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
    const timeoutMs = req.timeoutMs ?? this.requestTimeoutMs;
    // Only the wait for the headers is bounded: the stream itself lives as long as its reader.
    const connect = new AbortController();
    const timer = setTimeout(() => connect.abort(new DOMException('timed out', 'TimeoutError')), timeoutMs);
    timer.unref();
    const signal = req.signal ? AbortSignal.any([req.signal, connect.signal]) : connect.signal;
    let code = 0;
    try {
      const res = await this.send({ ...full, signal });
      clearTimeout(timer);
      code = res.statusCode ?? 0;
      if (code < 200 || code > 299) {
        throw new ApiError(code, verbOf(full), req.path, parseStatus(await readBody(res)));
      }
      return res;
    } catch (e) {
      throw abortedError(e, full, connect.signal, timeoutMs);
    } finally {
      clearTimeout(timer);
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

/** A request cut by its own timeout says so; any other error passes through unchanged. */
function abortedError(e: unknown, req: ApiRequest, timeout: AbortSignal, timeoutMs: number): unknown {
  if (!timeout.aborted || req.signal?.aborted) return e;
  return new ApiError(0, verbOf(req), req.path, undefined, {
    cause: new Error(`no answer within ${timeoutMs / 1000} s (the request timeout)`),
  });
}

function readBody(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
    // An aborted request may close its response without an error event.
    res.on('close', () => {
      if (!res.complete) reject(new Error('the connection closed before the whole answer arrived'));
    });
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
