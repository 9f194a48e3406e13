import { ExecPlugin } from './exec-plugin.js';
import type { ConnectionSettings, ConnectionSettingsSource, TlsSettings } from './kube-config-like.js';
import { RefreshingFile } from './refreshing-file.js';
import { sameCredentials } from './same-settings.js';
import type { Cluster, User } from './types.js';

/**
 * The {@link ConnectionSettings} of one cluster and user of a kubeconfig (every auth method but
 * `auth-provider`), derived once and kept until one of their parts is due: a file to look at again
 * (a minute), an exec credential's expiry, or a 401.
 *
 * @remarks
 * Precedence follows kubectl: `*-data` over the file of the same thing; an exec plugin's token
 * over `token`, `token` over `tokenFile`, any bearer token over `username`/`password`; an exec
 * plugin's client certificate over the user's own.
 */
export class UserCredentials implements ConnectionSettingsSource {
  private cached: ConnectionSettings | undefined;
  private pending: Promise<ConnectionSettings> | undefined;
  private readonly files = new Map<string, RefreshingFile>();
  private readonly exec: ExecPlugin | undefined;

  constructor(
    private readonly cluster: Cluster,
    private readonly user: User | undefined,
    private readonly now: () => number = Date.now,
  ) {
    this.exec = user?.exec && new ExecPlugin(user.exec, cluster, user.name, now);
  }

  connectionSettings(): Promise<ConnectionSettings> {
    if (this.cached && this.now() < this.cached.freshUntil) return Promise.resolve(this.cached);
    this.pending ??= this.derive().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  invalidateConnectionSettings(failed: ConnectionSettings): void {
    // Already renewed since (other credentials now): nothing to do. Settings derived again with the
    // same credentials (a file looked at again) are as rejected as the failed ones.
    if (!this.cached || !sameCredentials(this.cached, failed)) return;
    this.cached = undefined;
    this.exec?.invalidate();
    for (const f of this.files.values()) f.invalidate();
  }

  private async derive(): Promise<ConnectionSettings> {
    let freshUntil = Number.POSITIVE_INFINITY;
    const read = async (path: string, field: string): Promise<Buffer> => {
      try {
        const { content, recheckAt } = await this.file(path).read();
        freshUntil = Math.min(freshUntil, recheckAt);
        return content;
      } catch (e) {
        throw new Error(`cannot read the ${field} ${path}: ${e instanceof Error ? e.message : String(e)}`, {
          cause: e,
        });
      }
    };
    const material = (data: string | undefined, path: string | undefined, field: string) =>
      data ? Buffer.from(data, 'base64') : path ? read(path, field) : undefined;

    const { cluster, user } = this;
    const tls: TlsSettings = {
      ca: await material(cluster.caData, cluster.caFile, 'certificate-authority'),
      cert: user && (await material(user.certData, user.certFile, 'client-certificate')),
      key: user && (await material(user.keyData, user.keyFile, 'client-key')),
    };
    if (cluster.skipTLSVerify) tls.rejectUnauthorized = false;
    if (cluster.tlsServerName) tls.servername = cluster.tlsServerName;

    const headers: Record<string, string> = {};
    let token = user?.token;
    if (!token && user?.tokenFile) {
      token = (await read(user.tokenFile, 'tokenFile')).toString('utf8').trim();
      if (!token) throw new Error(`the tokenFile ${user.tokenFile} is empty`);
    }
    if (this.exec) {
      const cred = await this.exec.credential();
      freshUntil = Math.min(freshUntil, cred.expiresAt);
      token = cred.token ?? token;
      if (cred.clientCertificateData && cred.clientKeyData) {
        tls.cert = cred.clientCertificateData;
        tls.key = cred.clientKeyData;
      }
    }
    if (token) headers.Authorization = `Bearer ${token}`;
    else if (user?.username !== undefined) {
      headers.Authorization = `Basic ${Buffer.from(`${user.username}:${user.password ?? ''}`).toString('base64')}`;
    }
    if (user?.impersonateUser) headers['Impersonate-User'] = user.impersonateUser;

    this.cached = { tls, headers, freshUntil };
    return this.cached;
  }

  // One RefreshingFile per path, so its cache outlives each derivation.
  private file(path: string): RefreshingFile {
    const known = this.files.get(path);
    if (known) return known;
    const file = new RefreshingFile(path, this.now);
    this.files.set(path, file);
    return file;
  }
}
