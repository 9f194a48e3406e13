import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import type { Logger } from '../../../src/observability/logger.js';
import { ApiClient } from '../../../src/runtime/api/api-client.js';
import type { InformerHandler } from '../../../src/runtime/informers/shared-informer.js';
import type { KubeObject } from '../../../src/types/kube-object.js';

/** A request the fake API server received. */
export interface SeenRequest {
  path: string;
  query: URLSearchParams;
  watch: boolean;
  at: number;
}

/** The fake's answer to a LIST. */
export interface ListReply {
  status?: number;
  body: unknown;
}

/** One open watch request, driven by the test. */
export interface WatchConn {
  query: URLSearchParams;
  /** Sends the 200 headers (done implicitly by `event` and `write`). */
  open(): void;
  /** Sends one event as one JSON line. */
  event(type: string, object: unknown): void;
  /** Sends raw bytes, to split events wherever the test likes. */
  write(chunk: string | Buffer): void;
  /** Ends the stream normally, as the API server does at `timeoutSeconds`. */
  end(): void;
  /** Answers the watch request itself with an error status. */
  reply(status: number, body: unknown): void;
}

/**
 * A scriptable stand-in for the API server on 127.0.0.1: LISTs are answered by `onList`, watches
 * handed to `onWatch`. Only what the reflector uses is implemented.
 */
export class FakeApiServer {
  readonly requests: SeenRequest[] = [];
  onList: (query: URLSearchParams, n: number) => ListReply = () => ({ status: 404, body: {} });
  onWatch: (conn: WatchConn, n: number) => void = (c) => c.open();
  private readonly server: Server;
  private readonly clients: ApiClient[] = [];
  private port = 0;

  constructor() {
    this.server = createServer((req, res) => this.handle(req, res));
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  /** A fresh ApiClient for this server, closed by {@link close}. */
  client(): ApiClient {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: `http://127.0.0.1:${this.port}`, skipTLSVerify: true }],
      users: [{ name: 'u' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    const api = new ApiClient(kc);
    this.clients.push(api);
    return api;
  }

  lists(): SeenRequest[] {
    return this.requests.filter((r) => !r.watch);
  }

  watches(): SeenRequest[] {
    return this.requests.filter((r) => r.watch);
  }

  async close(): Promise<void> {
    for (const c of this.clients) c.close();
    await this.goDown();
  }

  /**
   * Goes away like a stopped API server: every open connection is cut and new ones are refused
   * (ECONNREFUSED) until {@link comeBack}.
   */
  async goDown(): Promise<void> {
    if (!this.server.listening) return;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  /** Listens again on the same port, after {@link goDown}. */
  async comeBack(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(this.port, '127.0.0.1', resolve));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://x');
    const watch = url.searchParams.get('watch') === '1' || url.searchParams.get('watch') === 'true';
    this.requests.push({ path: url.pathname, query: url.searchParams, watch, at: performance.now() });
    if (!watch) {
      const n = this.lists().length;
      const reply = this.onList(url.searchParams, n);
      res.writeHead(reply.status ?? 200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(reply.body));
      return;
    }
    let opened = false;
    const open = (): void => {
      if (opened || res.writableEnded) return;
      opened = true;
      res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
      res.flushHeaders();
    };
    const conn: WatchConn = {
      query: url.searchParams,
      open,
      event: (type, object) => conn.write(`${JSON.stringify({ type, object })}\n`),
      write: (chunk) => {
        open();
        if (!res.writableEnded && !res.destroyed) res.write(chunk);
      },
      end: () => {
        open();
        if (!res.writableEnded) res.end();
      },
      reply: (status, body) => {
        res.writeHead(status, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(body));
      },
    };
    this.onWatch(conn, this.watches().length);
  }
}

/** A ConfigMap as the API server would list it (no apiVersion/kind on list items). */
export function cm(name: string, rv: string, extra: Record<string, unknown> = {}): KubeObject {
  return { metadata: { name, namespace: 'ns', resourceVersion: rv, uid: `uid-${name}` }, ...extra };
}

/** A ConfigMap list page. */
export function page(rv: string, items: unknown[], cont?: string): ListReply {
  return {
    body: {
      kind: 'ConfigMapList',
      apiVersion: 'v1',
      metadata: { resourceVersion: rv, continue: cont },
      items,
    },
  };
}

/** A Kubernetes Status body. */
export function status(code: number, reason: string, message: string): unknown {
  return { kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message };
}

/** Polls until `check()` is true; fails with `what` after `timeoutMs`. */
export async function until(check: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export function sleepMs(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A handler that records `add a@1`, `update a@1->2`, `delete a@2` lines. */
export function recorder(): { events: string[]; handler: InformerHandler<KubeObject> } {
  const events: string[] = [];
  const id = (o: KubeObject): string => `${o.metadata?.name}@${o.metadata?.resourceVersion}`;
  return {
    events,
    handler: {
      onAdd: (o) => {
        events.push(`add ${id(o)}`);
      },
      onUpdate: (a, b) => {
        events.push(`update ${id(a)}->${b.metadata?.resourceVersion}`);
      },
      onDelete: (o) => {
        events.push(`delete ${id(o)}`);
      },
    },
  };
}

/** One line a {@link captureLog} logger wrote (pino's JSON, parsed). */
export interface LogRecord {
  level: number;
  msg: string;
  retryInMs?: number;
  attempt?: number;
  failedAttempts?: number;
  err?: { message?: string };
}

/** pino's level numbers. */
export const LEVEL = { debug: 20, info: 30, warn: 40 } as const;

/** A debug-level logger that keeps every record, to check what a reflector decided and logged. */
export function captureLog(): { log: Logger; records: LogRecord[] } {
  const records: LogRecord[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => records.push(JSON.parse(line)) });
  return { log, records };
}

/** Small timings so the suite runs in seconds. */
export const fast = {
  backoff: { initialMs: 20, maxMs: 200, factor: 2, resetAfterMs: 100 },
  stallTimeoutMs: 2000,
  watchTimeoutSeconds: { min: 300, max: 600 },
};
