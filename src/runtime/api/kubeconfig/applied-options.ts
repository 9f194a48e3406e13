import type { RequestOptions } from 'node:https';
import type {
  ConnectionSettings,
  ConnectionSettingsSource,
  KubeConfigLike,
  TlsSettings,
} from './kube-config-like.js';
import { sameCredentials } from './same-settings.js';

/**
 * How long settings got from a foreign kubeconfig's `applyToHTTPSOptions` are reused: it may read
 * files or run plugins each time, and cannot say when its credentials change.
 */
export const APPLIED_OPTIONS_TTL_MS = 60_000;

/**
 * {@link ConnectionSettings} from any {@link KubeConfigLike} (client-node's `KubeConfig`, or
 * Operon's own for an `auth-provider` user), by calling its `applyToHTTPSOptions` at most once per
 * {@link APPLIED_OPTIONS_TTL_MS}, or again after a 401.
 *
 * @remarks
 * The current cluster's `insecure-skip-tls-verify` and `tls-server-name` are applied on top, since
 * client-node leaves them to the agent it creates (which Operon does not use).
 */
export class AppliedOptionsSource implements ConnectionSettingsSource {
  private cached: ConnectionSettings | undefined;
  private pending: Promise<ConnectionSettings> | undefined;

  constructor(
    private readonly kubeConfig: KubeConfigLike,
    private readonly now: () => number = Date.now,
  ) {}

  connectionSettings(): Promise<ConnectionSettings> {
    if (this.cached && this.now() < this.cached.freshUntil) return Promise.resolve(this.cached);
    this.pending ??= this.apply().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  invalidateConnectionSettings(failed: ConnectionSettings): void {
    if (this.cached && sameCredentials(this.cached, failed)) this.cached = undefined;
  }

  private async apply(): Promise<ConnectionSettings> {
    const startedAt = this.now();
    const opts: RequestOptions = {};
    await this.kubeConfig.applyToHTTPSOptions(opts);
    this.cached = settingsFromRequestOptions(opts, this.kubeConfig, startedAt + APPLIED_OPTIONS_TTL_MS);
    return this.cached;
  }
}

/** The TLS material and headers `applyToHTTPSOptions` put on `opts`, as {@link ConnectionSettings}. */
export function settingsFromRequestOptions(
  opts: RequestOptions,
  kubeConfig: Pick<KubeConfigLike, 'getCurrentCluster'>,
  freshUntil: number,
): ConnectionSettings {
  const tls: TlsSettings = {
    ca: opts.ca,
    cert: opts.cert,
    key: opts.key,
    pfx: opts.pfx,
    passphrase: opts.passphrase,
    servername: opts.servername,
  };
  if (opts.rejectUnauthorized !== undefined) tls.rejectUnauthorized = opts.rejectUnauthorized;
  const cluster = kubeConfig.getCurrentCluster();
  if (cluster?.skipTLSVerify) tls.rejectUnauthorized = false;
  if (cluster?.tlsServerName) tls.servername = cluster.tlsServerName;
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts.headers ?? {})) {
    if (typeof v === 'string' || typeof v === 'number') headers[k] = String(v);
  }
  if (opts.auth) headers.Authorization = `Basic ${Buffer.from(opts.auth).toString('base64')}`;
  return { tls, headers, freshUntil };
}
