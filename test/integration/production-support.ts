// Helpers for the production-*.test.ts files: run the EchoServer app's production entry
// (examples/echo-server/main.ts, compiled) as child processes, read their JSON logs, scrape their
// /metrics (secure: HTTPS with a metrics reader's token), read the Lease.
import { type ChildProcess, spawn } from 'node:child_process';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { KubeConfig, type V1Pod, type V1Service } from '@kubernetes/client-node';
import {
  type MetricFamily,
  parsePrometheusText,
  sampleValue,
} from '../../src/observability/metrics/index.js';
import type { ApiClient } from '../../src/runtime/api/api-client.js';
import { ApiError } from '../../src/runtime/api/api-error.js';
import { serviceAccountKubeConfig } from '../../src/testkit/control-plane.js';
import { eventually } from '../support/cluster.js';

/** dist/examples/echo-server/main.js, next to this file's compiled form. */
export const MAIN = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'examples',
  'echo-server',
  'main.js',
);

export const LEASE = 'echo-server-operator';
/** Short durations, so the takeover tests take seconds; the same rules as the defaults apply. */
export const TIMING = { leaseDurationMs: 5_000, renewDeadlineMs: 3_500, retryPeriodMs: 700 } as const;

/** A log line of the app (pino JSON). */
export type LogLine = Record<string, unknown> & { msg?: string; level?: number };

/** One running instance of the app. */
export class OperatorProcess {
  readonly logs: LogLine[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly child: ChildProcess;
  private readonly waiters = new Set<() => void>();

  constructor(
    readonly identity: string,
    private readonly kubeconfigPath: string,
    private readonly namespace: string,
    env: Record<string, string> = {},
  ) {
    this.child = spawn(process.execPath, [MAIN], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        KUBECONFIG: kubeconfigPath,
        WATCH_NAMESPACE: namespace,
        POD_NAMESPACE: namespace,
        OPERON_IDENTITY: identity,
        HEALTH_PORT: '0',
        METRICS_PORT: '0',
        LEASE_DURATION_MS: String(TIMING.leaseDurationMs),
        RENEW_DEADLINE_MS: String(TIMING.renewDeadlineMs),
        RETRY_PERIOD_MS: String(TIMING.retryPeriodMs),
        LOG_FORMAT: 'json',
        LOG_LEVEL: 'info',
        ...env,
      },
    });
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => resolve({ code, signal }));
    });
    const stderr: string[] = [];
    this.child.stderr?.on('data', (d: Buffer) => stderr.push(d.toString()));
    createInterface({ input: this.child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      try {
        this.logs.push(JSON.parse(line) as LogLine);
      } catch {
        this.logs.push({ msg: line, level: 0 });
      }
      for (const w of this.waiters) w();
    });
    void this.exited.then(({ code }) => {
      if (code !== 0 && code !== null && stderr.length > 0)
        process.stderr.write(`[${identity}] stderr:\n${stderr.join('')}\n`);
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The first log line matching `match`, waiting for it up to `timeoutMs`. */
  async logLine(match: (line: LogLine) => boolean, timeoutMs = 30_000): Promise<LogLine> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.logs.find(match);
      if (found) return found;
      if (!this.running)
        throw new Error(`${this.identity} exited without logging the line; logs:\n${this.tail()}`);
      if (Date.now() > deadline)
        throw new Error(`${this.identity}: no such log line in ${timeoutMs} ms:\n${this.tail()}`);
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.waiters.delete(wake);
          clearTimeout(t);
          resolve();
        };
        const t = setTimeout(wake, 200);
        this.waiters.add(wake);
      });
    }
  }

  /** Base URL of the health server, from its log line. */
  async healthUrl(): Promise<string> {
    const line = await this.logLine((l) => l.msg === 'serving health probes');
    return `http://127.0.0.1:${line.port}`;
  }

  /** Base URL of the metrics server, from its log line (`https:` by default: secure metrics). */
  async metricsUrl(): Promise<string> {
    const line = await this.logLine((l) => l.msg === 'serving metrics');
    return `${line.secure ? 'https' : 'http'}://127.0.0.1:${line.port}`;
  }

  /** Scrapes /metrics, as a metrics reader when it is secure, and checks it is valid Prometheus text. */
  async metrics(): Promise<MetricFamily[]> {
    const url = await this.metricsUrl();
    const token = url.startsWith('https:')
      ? await metricsReaderToken(this.kubeconfigPath, this.namespace)
      : undefined;
    const res = await httpGet(`${url}/metrics`, { token });
    if (res.status !== 200) throw new Error(`/metrics answered ${res.status}: ${res.body}`);
    return parsePrometheusText(res.body);
  }

  /** Reconciles of the echo-server controller with this result (all results when omitted). */
  async reconciles(result?: 'success' | 'error' | 'requeue' | 'requeue_after'): Promise<number> {
    const f = await this.metrics();
    const results = result ? [result] : ['success', 'error', 'requeue', 'requeue_after'];
    return results.reduce(
      (n, r) =>
        n +
        (sampleValue(f, 'controller_runtime_reconcile_total', { controller: 'echo-server', result: r }) ?? 0),
      0,
    );
  }

  /** Status code of a GET on the health server. */
  async probe(path: '/healthz' | '/readyz'): Promise<number> {
    return (await fetch(`${await this.healthUrl()}${path}`)).status;
  }

  kill(signal: NodeJS.Signals): void {
    if (this.running) this.child.kill(signal);
  }

  tail(lines = 30): string {
    return this.logs
      .slice(-lines)
      .map((l) => JSON.stringify(l))
      .join('\n');
  }
}

/** The answer of {@link httpGet}. */
export interface HttpAnswer {
  status: number;
  body: string;
  headers: IncomingMessage['headers'];
}

/**
 * A GET over HTTP or HTTPS with an optional bearer token. HTTPS trusts `ca` when given, else any
 * certificate (the app's own is self-signed, and Prometheus scrapes it with insecure_skip_verify).
 */
export function httpGet(url: string, opts: { token?: string; ca?: string } = {}): Promise<HttpAnswer> {
  const secure = url.startsWith('https:');
  const send = secure ? httpsRequest : httpRequest;
  const tls = secure ? (opts.ca ? { ca: opts.ca } : { rejectUnauthorized: false }) : {};
  return new Promise((resolve, reject) => {
    const req = send(
      url,
      { headers: opts.token ? { Authorization: `Bearer ${opts.token}` } : {}, agent: false, ...tls },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          body += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      },
    );
    req.setTimeout(10_000, () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/** The metrics reader's RBAC rule: what `<app>-metrics-reader` grants. */
export const METRICS_READER_RULES = [{ nonResourceURLs: ['/metrics'], verbs: ['get'] }];

const readerTokens = new Map<string, Promise<string>>();

/**
 * A token of a ServiceAccount `metrics-reader` in `namespace` that may get /metrics (made once per
 * namespace with the admin credentials in `kubeconfigPath`).
 */
export function metricsReaderToken(kubeconfigPath: string, namespace: string): Promise<string> {
  const key = `${kubeconfigPath}|${namespace}`;
  let token = readerTokens.get(key);
  if (!token) {
    const admin = new KubeConfig();
    admin.loadFromFile(kubeconfigPath);
    token = serviceAccountKubeConfig(admin, {
      namespace,
      name: 'metrics-reader',
      clusterRules: METRICS_READER_RULES,
    }).then((kc) => kc.getCurrentUser()?.token ?? '');
    token.catch(() => readerTokens.delete(key));
    readerTokens.set(key, token);
  }
  return token;
}

/** Holder of the app's Lease ('' when released; undefined when there is no Lease yet). */
export async function leaseHolder(api: ApiClient, namespace: string): Promise<string | undefined> {
  try {
    const lease = await api.request<{ spec?: { holderIdentity?: string } }>({
      method: 'GET',
      path: `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases/${LEASE}`,
    });
    return lease.spec?.holderIdentity ?? '';
  } catch (e) {
    if (ApiError.isNotFound(e)) return undefined;
    throw e;
  }
}

export function echoServersPath(namespace: string): string {
  return `/apis/example.com/v1alpha1/namespaces/${namespace}/echoservers`;
}

export async function createEchoServer(
  api: ApiClient,
  namespace: string,
  name: string,
  replicas = 1,
): Promise<void> {
  await api.request({
    method: 'POST',
    path: echoServersPath(namespace),
    body: {
      apiVersion: 'example.com/v1alpha1',
      kind: 'EchoServer',
      metadata: { name },
      spec: { message: `hello from ${name}`, replicas },
    },
  });
}

/** Waits until `name` has its Pods and Service and a status for its current generation. */
export async function converged(
  api: ApiClient,
  namespace: string,
  name: string,
  replicas = 1,
  timeoutMs = 30_000,
) {
  return eventually(
    async () => {
      const es = await api.request<{
        metadata: { generation: number; uid: string };
        status?: { observedGeneration?: number; pods?: number };
      }>({ method: 'GET', path: `${echoServersPath(namespace)}/${name}` });
      if (es.status?.observedGeneration !== es.metadata.generation) return undefined;
      const pods = await ownedPods(api, namespace, es.metadata.uid);
      const services = await ownedServices(api, namespace, es.metadata.uid);
      return pods.length === replicas && services.length === 1
        ? { uid: es.metadata.uid, pods, services }
        : undefined;
    },
    { timeoutMs, what: `EchoServer ${name} to converge` },
  );
}

export async function ownedPods(api: ApiClient, namespace: string, uid?: string): Promise<V1Pod[]> {
  const list = await api.request<{ items: V1Pod[] }>({
    method: 'GET',
    path: `/api/v1/namespaces/${namespace}/pods`,
  });
  return list.items.filter((p) => !uid || p.metadata?.ownerReferences?.some((o) => o.uid === uid));
}

export async function ownedServices(api: ApiClient, namespace: string, uid?: string): Promise<V1Service[]> {
  const list = await api.request<{ items: V1Service[] }>({
    method: 'GET',
    path: `/api/v1/namespaces/${namespace}/services`,
  });
  return list.items.filter((s) => !uid || s.metadata?.ownerReferences?.some((o) => o.uid === uid));
}
