import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import type { Cluster, ExecConfig } from './types.js';

/** The `apiVersion`s of exec plugins Operon runs (client-go dropped `v1alpha1` in 1.24). */
export const EXEC_API_VERSIONS: readonly string[] = [
  'client.authentication.k8s.io/v1',
  'client.authentication.k8s.io/v1beta1',
];

/** What an exec plugin returned: a token, or a client certificate and key (PEM), or both. */
export interface ExecCredential {
  readonly token?: string;
  readonly clientCertificateData?: string;
  readonly clientKeyData?: string;
  /** Epoch ms of `status.expirationTimestamp`; `Infinity` when the plugin gave none. */
  readonly expiresAt: number;
}

/**
 * Runs a user's exec plugin and caches its credential, as client-go does: until
 * `status.expirationTimestamp`, or, without one, until the API server rejects it (a 401:
 * {@link ExecPlugin.invalidate}). Concurrent callers share one run.
 */
export class ExecPlugin {
  private cached: ExecCredential | undefined;
  private running: Promise<ExecCredential> | undefined;

  constructor(
    private readonly config: ExecConfig,
    private readonly cluster: Cluster,
    private readonly user: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** The cached credential while it has not expired; else the plugin's new one. */
  async credential(): Promise<ExecCredential> {
    if (this.cached && this.now() < this.cached.expiresAt) return this.cached;
    this.running ??= runExecPlugin(this.config, this.cluster, this.user)
      .then((c) => {
        this.cached = c;
        return c;
      })
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  /** Forgets the cached credential: the next {@link ExecPlugin.credential} runs the plugin. */
  invalidate(): void {
    this.cached = undefined;
  }
}

/**
 * Runs an exec plugin once: `command args…` with the configured `env` added to the process's, and
 * `KUBERNETES_EXEC_INFO` saying it is not interactive (an operator has no terminal, so
 * `interactiveMode` is ignored and stdin is closed) and, with `provideClusterInfo`, which cluster
 * it is for. Its stdout must be an `ExecCredential` of the same `apiVersion`.
 *
 * @throws Error naming the user and command when the configuration is incomplete, the command
 * cannot be started (with the plugin's `installHint`), exits non-zero (with its stderr) or prints
 * no valid credential.
 */
export async function runExecPlugin(
  config: ExecConfig,
  cluster: Cluster,
  user: string,
): Promise<ExecCredential> {
  const what = `the exec plugin of user "${user}"`;
  if (!config.command) throw new Error(`${what}: command must be specified`);
  if (!config.apiVersion || !EXEC_API_VERSIONS.includes(config.apiVersion)) {
    throw new Error(
      `${what}: apiVersion ${config.apiVersion ? `"${config.apiVersion}" is not supported` : 'must be specified'} (use one of ${EXEC_API_VERSIONS.join(', ')})`,
    );
  }
  const info = {
    apiVersion: config.apiVersion,
    kind: 'ExecCredential',
    spec: {
      interactive: false,
      ...(config.provideClusterInfo ? { cluster: await clusterInfo(cluster) } : {}),
    },
  };
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const v of config.env) env[v.name] = v.value;
  env.KUBERNETES_EXEC_INFO = JSON.stringify(info);
  const out = await run(config.command, config.args, env, what, config.installHint);
  return credentialFrom(out, config.apiVersion, `${what} (${config.command})`);
}

// The `spec.cluster` of KUBERNETES_EXEC_INFO, field names as client-go writes them.
async function clusterInfo(cluster: Cluster): Promise<Record<string, unknown>> {
  const ca =
    cluster.caData ?? (cluster.caFile ? (await readFile(cluster.caFile)).toString('base64') : undefined);
  return {
    server: cluster.server,
    'tls-server-name': cluster.tlsServerName,
    'insecure-skip-tls-verify': cluster.skipTLSVerify,
    'certificate-authority-data': ca,
    'proxy-url': cluster.proxyUrl,
  };
}

function run(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  what: string,
  installHint: string | undefined,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => stdout.push(c));
    child.stderr.on('data', (c: Buffer) => stderr.push(c));
    let failed: Error | undefined;
    child.on('error', (e) => {
      failed = e;
    });
    child.on('close', (code, signal) => {
      if (failed) {
        const hint = installHint ? `\n${installHint.trim()}` : '';
        reject(new Error(`${what}: cannot run "${command}": ${failed.message}${hint}`, { cause: failed }));
        return;
      }
      if (code !== 0) {
        const err = Buffer.concat(stderr).toString('utf8').trim();
        reject(
          new Error(
            `${what}: "${command}" ${signal ? `was killed by ${signal}` : `exited with code ${code}`}${err ? `: ${err}` : ''}`,
          ),
        );
        return;
      }
      resolve(Buffer.concat(stdout).toString('utf8'));
    });
  });
}

function credentialFrom(out: string, apiVersion: string, what: string): ExecCredential {
  let parsed: unknown;
  try {
    parsed = JSON.parse(out);
  } catch (e) {
    throw new Error(`${what} printed no ExecCredential JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  const cred = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<string, unknown>;
  if (cred.kind !== 'ExecCredential')
    throw new Error(`${what} printed kind ${String(cred.kind)}, not ExecCredential`);
  if (cred.apiVersion !== apiVersion) {
    throw new Error(`${what} is configured for ${apiVersion} but returned ${String(cred.apiVersion)}`);
  }
  const status = cred.status;
  if (typeof status !== 'object' || status === null) throw new Error(`${what} returned no status`);
  const s = status as Record<string, unknown>;
  const token = optionalString(s.token, 'status.token', what);
  const cert = optionalString(s.clientCertificateData, 'status.clientCertificateData', what);
  const key = optionalString(s.clientKeyData, 'status.clientKeyData', what);
  if (!token && !cert && !key)
    throw new Error(`${what} returned neither a token nor a client certificate and key`);
  if (!cert !== !key) throw new Error(`${what} returned a client certificate or a key, but not both`);
  const expiry = optionalString(s.expirationTimestamp, 'status.expirationTimestamp', what);
  const expiresAt = expiry ? Date.parse(expiry) : Number.POSITIVE_INFINITY;
  if (Number.isNaN(expiresAt)) throw new Error(`${what} returned an invalid expirationTimestamp "${expiry}"`);
  return { token, clientCertificateData: cert, clientKeyData: key, expiresAt };
}

function optionalString(v: unknown, field: string, what: string): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw new Error(`${what} returned a ${field} that is not a string`);
  return v;
}
