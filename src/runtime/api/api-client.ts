import { setMaxListeners } from 'node:events';
import { request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { urlToHttpOptions } from 'node:url';
import { ApiError, type ApiStatus } from './api-error.js';
import { DeadlineSignal } from './deadline-signal.js';
import { AppliedOptionsSource } from './kubeconfig/applied-options.js';
import { isConnectionSettingsSource, type KubeConfigLike } from './kubeconfig/kube-config-like.js';
import { type Connection, Transport } from './kubeconfig/transport.js';

export type { ClusterInfo, KubeConfigLike } from './kubeconfig/kube-config-like.js';
export { OperonKubeConfig } from './kubeconfig/operon-kube-config.js';

/** One request as the API client sees it; `query` values that are undefined are left out. */
export interface ApiRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  /** Defaults to `application/json` when there is a body. */
  contentType?: string;
  /**
   * The `Accept` header; default `application/json`. Another representation of the same objects
   * is asked for here, e.g. metadata only (`as=PartialObjectMetadataList;g=meta.k8s.io;v=v1`).
   */
  accept?: string;
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
 * Operon's HTTP transport to the API server: raw JSON in and out, with the credentials of a
 * kubeconfig (Operon's `OperonKubeConfig`, or client-node's `KubeConfig`).
 *
 * @remarks
 * Why not client-node's generated clients: they deserialize into model classes (dropping fields
 * the model does not know, which silently loses data on server-side apply), mutate their input,
 * and have no streaming watch that survives errors. Here objects stay the API server's JSON.
 * Connections are kept alive and shared by every request of the process.
 *
 * The TLS agent and auth headers are derived once and reused until the credentials can have
 * changed (a token file looked at again after a minute, an exec credential's expiry; a client-node
 * `KubeConfig`'s `applyToHTTPSOptions` is called at most once a minute), not per request. A 401
 * drops the cached credentials and, when that yields different ones (a rotated token, a new exec
 * credential), sends the request once more, as client-go refreshes exec plugins on a 401.
 */
export class ApiClient {
  private readonly server: URL;
  /** The server's pathname without a trailing slash: API paths are appended to it. */
  private readonly basePath: string;
  /** Protocol, host, port and credentials of the server, as `http.request` options. */
  private readonly origin: RequestTarget;
  private readonly transport: Transport;
  private readonly listeners = new Set<(r: RequestRecord) => void>();
  private readonly requestTimeoutMs: number;
  private readonly writes = new AbortController();

  constructor(
    readonly kubeConfig: KubeConfigLike,
    private readonly userAgent = 'operon',
    options: ApiClientOptions = {},
  ) {
    this.requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    // Every write in flight listens to it (see DeadlineSignal): hundreds at once are normal.
    setMaxListeners(0, this.writes.signal);
    const cluster = kubeConfig.getCurrentCluster();
    if (!cluster) {
      throw new ApiError(0, 'connect', '/', undefined, {
        cause: new Error('the kubeconfig has no current cluster; set current-context'),
      });
    }
    this.server = new URL(cluster.server);
    this.basePath = this.server.pathname.replace(/\/$/, '');
    const { protocol, hostname, port, auth } = urlToHttpOptions(this.server);
    this.origin = { protocol, hostname, port, auth };
    const source = isConnectionSettingsSource(kubeConfig) ? kubeConfig : new AppliedOptionsSource(kubeConfig);
    this.transport = new Transport(this.server, source);
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
    const write = req.method !== 'GET';
    if (write && this.writes.signal.aborted) {
      const why = this.writes.signal.reason instanceof Error ? this.writes.signal.reason.message : 'refused';
      throw new ApiError(0, verbOf(req), req.path, undefined, {
        cause: new Error(`this client no longer writes (${why})`),
      });
    }
    const bound = new DeadlineSignal(
      {
        timeoutMs,
        reason: () => new DOMException('The operation was aborted due to timeout', 'TimeoutError'),
      },
      req.signal,
      write ? this.writes.signal : undefined,
    );
    const { signal } = bound;
    try {
      // A second attempt only after a 401 that renewed the credentials; each attempt is recorded.
      for (let attempt = 1, began = started; ; attempt++, began = performance.now()) {
        let code = 0;
        try {
          const conn = await this.connection(req, signal);
          const res = await this.send({ ...req, signal }, conn);
          code = res.statusCode ?? 0;
          const text = await readBody(res);
          if (code === 401 && attempt === 1 && (await this.renewed(req, conn, signal))) continue;
          if (code < 200 || code > 299) throw new ApiError(code, verbOf(req), req.path, parseStatus(text));
          return (text ? JSON.parse(text) : undefined) as T;
        } catch (e) {
          throw abortedError(e, req, bound.timedOut, timeoutMs);
        } finally {
          this.record(req, code, began);
        }
      }
    } finally {
      bound.dispose();
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
    for (let attempt = 1, began = started; ; attempt++, began = performance.now()) {
      let code = 0;
      let retry = false;
      try {
        const conn = await this.connection(full, signal);
        const res = await this.send({ ...full, signal }, conn);
        code = res.statusCode ?? 0;
        if (code === 401 && attempt === 1) {
          const text = await readBody(res);
          retry = await this.renewed(full, conn, signal);
          if (retry) continue;
          throw new ApiError(code, verbOf(full), req.path, parseStatus(text));
        }
        clearTimeout(timer);
        if (code < 200 || code > 299) {
          throw new ApiError(code, verbOf(full), req.path, parseStatus(await readBody(res)));
        }
        return res;
      } catch (e) {
        throw abortedError(e, full, connect.signal.aborted, timeoutMs);
      } finally {
        if (!retry) clearTimeout(timer);
        this.record(full, code, began);
      }
    }
  }

  /** Closes kept-alive connections. */
  close(): void {
    this.transport.close();
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

  // The agent and headers of the current credentials, waiting for them (an exec plugin may be
  // running) no longer than the request may: an abort fails it as an aborted send would.
  private connection(req: ApiRequest, signal: AbortSignal): Promise<Connection> {
    return untilAborted(this.transport.connection(), signal, req);
  }

  // Whether a request that got a 401 on `failed` is worth sending again. When the credentials cannot
  // be renewed (the exec plugin fails), the 401 stands; the next request reports why.
  private renewed(req: ApiRequest, failed: Connection, signal: AbortSignal): Promise<boolean> {
    return untilAborted(this.transport.renewAfterUnauthorized(failed), signal, req).catch(() => false);
  }

  private send(req: ApiRequest, conn: Connection): Promise<IncomingMessage> {
    const headers: Record<string, string> = {
      Accept: req.accept ?? 'application/json',
      'User-Agent': this.userAgent,
      ...conn.headers,
    };
    // A string, not a Buffer: node writes the request's head and a string body in one socket write
    // (one TLS record) rather than two, and no copy of the body is made.
    let payload: string | undefined;
    if (req.body !== undefined) {
      payload = typeof req.body === 'string' ? req.body : JSON.stringify(req.body);
      headers['Content-Type'] = req.contentType ?? 'application/json';
      headers['Content-Length'] = String(Buffer.byteLength(payload));
    }
    const options = {
      ...this.target(req),
      method: req.method,
      headers,
      agent: conn.agent,
      signal: req.signal,
    };
    const send = options.protocol === 'http:' ? httpRequest : httpsRequest;
    return new Promise<IncomingMessage>((resolve, reject) => {
      const r = send(options, resolve);
      r.on('error', (err) => reject(new ApiError(0, verbOf(req), req.path, undefined, { cause: err })));
      r.end(payload);
    });
  }

  // Where a request goes, as `http.request` options: always the server's origin. Paths Operon builds
  // (API paths of valid object names) are joined to the server's path as they are, without parsing a
  // URL per request (a few µs of every request's CPU); any other path is resolved as a URL would.
  private target(req: ApiRequest): RequestTarget {
    const query = queryString(req.query);
    if (PLAIN_PATH.test(req.path) && !req.path.includes('/.')) {
      return { ...this.origin, path: this.basePath + req.path + (query ? `?${query}` : '') };
    }
    const url = new URL(this.basePath + req.path, this.server);
    for (const [k, v] of new URLSearchParams(query)) url.searchParams.set(k, v);
    return { ...this.origin, path: url.pathname + url.search };
  }
}

/** The part of `http.request`'s options that says where a request goes. */
type RequestTarget = Pick<RequestOptions, 'protocol' | 'hostname' | 'port' | 'auth' | 'path'>;

// Characters an API path may hold as they are (RFC 3986 unreserved, sub-delims, ':' and '@' and '/');
// anything else (a query, a fragment, an escape, a space), and dot segments, take the URL route.
const PLAIN_PATH = /^\/[A-Za-z0-9\-._~!$&'()*+,;=:@/]*$/;

/** `query` as `URLSearchParams` would write it, undefined values left out; '' for none. */
function queryString(query: ApiRequest['query']): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v !== undefined) params.append(k, String(v));
  }
  return params.toString();
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
function abortedError(e: unknown, req: ApiRequest, timedOut: boolean, timeoutMs: number): unknown {
  if (!timedOut || req.signal?.aborted) return e;
  return new ApiError(0, verbOf(req), req.path, undefined, {
    cause: new Error(`no answer within ${timeoutMs / 1000} s (the request timeout)`),
  });
}

/** `promise`, or an `ApiError` with status 0 (as for an aborted request) if `signal` fires first. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal, req: ApiRequest): Promise<T> {
  const aborted = () => new ApiError(0, verbOf(req), req.path, undefined, { cause: signal.reason });
  if (signal.aborted) {
    promise.catch(() => undefined); // its failure, if any, is no longer anyone's
    return Promise.reject(aborted());
  }
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(aborted());
    signal.addEventListener('abort', abort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
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
