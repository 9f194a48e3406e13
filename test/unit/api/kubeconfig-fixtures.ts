// Shared by the kubeconfig and API client tests: temp folders, a scriptable exec plugin, a local
// API server that records what each request carried, and an anonymous client.
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { KubeConfig } from '@kubernetes/client-node';
import { ApiClient, type ApiClientOptions } from '../../../src/runtime/api/api-client.js';

/** A temp folder, removed by `remove()`. */
export function tempFolder(prefix = 'operon-kc-'): {
  path: string;
  file(name: string, text: string): string;
  remove(): void;
} {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return {
    path,
    file: (name, text) => {
      const p = join(path, name);
      writeFileSync(p, text);
      return p;
    },
    remove: () => rmSync(path, { recursive: true, force: true }),
  };
}

/** What an exec plugin script does on each run. */
export interface PluginScript {
  /** The `exec` block's command and args to run it. */
  readonly command: string;
  readonly args: readonly string[];
  /** How many times it ran. */
  runs(): number;
  /** The KUBERNETES_EXEC_INFO of its last run, parsed. */
  lastExecInfo(): unknown;
  /** The environment variable FROM_CONFIG of its last run. */
  lastFromConfig(): string | undefined;
}

/**
 * Writes a node script acting as an exec plugin (in a new folder under `parent`): run N prints token `prefix-N` (or the
 * certificate and key in `certs[N-1]`), with `expirationTimestamp` `expiry(N)` when given.
 */
export function execPlugin(
  parent: string,
  options: {
    apiVersion?: string;
    expiry?: string;
    certs?: readonly { cert: string; key: string }[];
    exitCode?: number;
    output?: string;
  } = {},
): PluginScript {
  // Its own folder, so that several plugins of one test do not share a script or counter.
  const folder = mkdtempSync(join(parent, 'plugin-'));
  const counter = join(folder, 'runs');
  const info = join(folder, 'exec-info.json');
  const env = join(folder, 'exec-env');
  const script = join(folder, 'plugin.mjs');
  writeFileSync(counter, '0');
  writeFileSync(
    script,
    `import { readFileSync, writeFileSync } from 'node:fs';
const n = Number(readFileSync(${JSON.stringify(counter)}, 'utf8')) + 1;
writeFileSync(${JSON.stringify(counter)}, String(n));
writeFileSync(${JSON.stringify(info)}, process.env.KUBERNETES_EXEC_INFO ?? '');
writeFileSync(${JSON.stringify(env)}, process.env.FROM_CONFIG ?? '');
const options = ${JSON.stringify(options)};
if (options.exitCode) { process.stderr.write('plugin says no\\n'); process.exit(options.exitCode); }
if (options.output !== undefined) { process.stdout.write(options.output); process.exit(0); }
const certs = options.certs?.[n - 1];
const status = certs
  ? { clientCertificateData: certs.cert, clientKeyData: certs.key }
  : { token: process.argv[2] + '-' + n };
if (options.expiry) status.expirationTimestamp = options.expiry;
process.stdout.write(JSON.stringify({
  apiVersion: options.apiVersion ?? 'client.authentication.k8s.io/v1',
  kind: 'ExecCredential',
  status,
}));
`,
  );
  chmodSync(script, 0o755);
  return {
    command: process.execPath,
    args: [script, 'tok'],
    runs: () => Number(readFileSync(counter, 'utf8')),
    lastExecInfo: () => JSON.parse(readFileSync(info, 'utf8')),
    lastFromConfig: () => readFileSync(env, 'utf8') || undefined,
  };
}

/** One request the fake API server saw. */
export interface Seen {
  /** The request line's target: path and query. */
  readonly path: string;
  readonly body: string;
  readonly contentType: string | undefined;
  readonly contentLength: string | undefined;
  readonly authorization: string | undefined;
  /** The client certificate's fingerprint (https with a client certificate only). */
  readonly clientCert: string | undefined;
  /** The client's source port: the same one means a reused connection. */
  readonly port: number | undefined;
}

/** A local API server answering 200 `{}` to requests `accept` likes and 401 to the others. */
export interface FakeApiServer {
  readonly url: string;
  readonly seen: Seen[];
  accept: (s: Seen) => boolean;
  close(): Promise<void>;
}

/** Starts a {@link FakeApiServer}: http, or https with the given certificate (asking for client certificates). */
export async function fakeApiServer(tls?: { cert: string; key: string }): Promise<FakeApiServer> {
  const seen: Seen[] = [];
  const fake = {
    url: '',
    seen,
    accept: (_s: Seen) => true,
    close: async () => {},
  };
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket as TLSSocket;
    const peer = tls ? socket.getPeerCertificate() : undefined;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const s: Seen = {
        path: req.url ?? '',
        body: Buffer.concat(chunks).toString('utf8'),
        contentType: req.headers['content-type'],
        contentLength: req.headers['content-length'],
        authorization: req.headers.authorization,
        clientCert: peer && Object.keys(peer).length > 0 ? peer.fingerprint256 : undefined,
        port: socket.remotePort,
      };
      seen.push(s);
      const ok = fake.accept(s);
      res.writeHead(ok ? 200 : 401, { 'Content-Type': 'application/json' });
      res.end(
        JSON.stringify(
          ok ? { kind: 'Status', status: 'Success' } : { kind: 'Status', code: 401, message: 'Unauthorized' },
        ),
      );
    });
  };
  const server: Server = tls
    ? createHttpsServer({ ...tls, requestCert: true, rejectUnauthorized: false }, handler)
    : createHttpServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  fake.url = `${tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  };
  return fake;
}

/**
 * An ApiClient for `server` with no credentials, from a client-node `KubeConfig` (TLS verification
 * off, so a plain-http test server is allowed).
 */
export function anonymousClient(server: string, options?: ApiClientOptions): ApiClient {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server, skipTLSVerify: true }],
    users: [{ name: 'u' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return new ApiClient(kc, 'test', options);
}

/** A kubeconfig with one cluster, one user and one context `ctx` (the current one). */
export function kubeconfigYaml(
  server: string,
  user: Record<string, unknown>,
  cluster: Record<string, unknown> = {},
): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'c', cluster: { server, ...cluster } }],
    users: [{ name: 'u', user }],
    contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u' } }],
    'current-context': 'ctx',
  });
}
