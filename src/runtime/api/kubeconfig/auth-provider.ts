import { AppliedOptionsSource } from './applied-options.js';
import type { ConnectionSettings, ConnectionSettingsSource } from './kube-config-like.js';
import type { Cluster, User } from './types.js';

/**
 * Credentials of a user with a legacy `auth-provider` (gcp, oidc, azure): Operon does not
 * reimplement those, it hands the user to `@kubernetes/client-node`'s `KubeConfig`.
 *
 * @remarks
 * client-node is imported here, on first use, and only here: importing it costs ~27 MiB of heap
 * (its whole generated API comes with it), which no other kubeconfig needs. Its `KubeConfig`
 * instance is kept, since its providers cache refreshed tokens in the user's config.
 */
export class AuthProviderSource implements ConnectionSettingsSource {
  private delegate: Promise<AppliedOptionsSource> | undefined;
  private loaded: AppliedOptionsSource | undefined;

  constructor(
    private readonly cluster: Cluster,
    private readonly user: User,
    private readonly now: () => number = Date.now,
  ) {}

  async connectionSettings(): Promise<ConnectionSettings> {
    this.delegate ??= this.load();
    return (await this.delegate).connectionSettings();
  }

  invalidateConnectionSettings(failed: ConnectionSettings): void {
    // Not loaded yet: no settings were handed out, so none can have failed.
    this.loaded?.invalidateConnectionSettings(failed);
  }

  private async load(): Promise<AppliedOptionsSource> {
    let clientNode: typeof import('@kubernetes/client-node');
    try {
      clientNode = await import('@kubernetes/client-node');
    } catch (e) {
      this.delegate = undefined;
      throw new Error(
        `user "${this.user.name}" uses the auth-provider "${this.user.authProvider?.name}", which Operon reads through @kubernetes/client-node: install it (npm install @kubernetes/client-node), or use an exec plugin instead`,
        { cause: e },
      );
    }
    const kc = new clientNode.KubeConfig();
    const u = this.user;
    kc.loadFromClusterAndUser(
      { ...this.cluster },
      {
        name: u.name,
        certData: u.certData,
        certFile: u.certFile,
        keyData: u.keyData,
        keyFile: u.keyFile,
        token: u.token,
        username: u.username,
        password: u.password,
        impersonateUser: u.impersonateUser,
        // A copy: client-node's providers write refreshed tokens into it.
        authProvider: structuredClone(u.authProvider),
      },
    );
    this.loaded = new AppliedOptionsSource(kc, this.now);
    return this.loaded;
  }
}
