import { readFileSync } from 'node:fs';
import type { RequestOptions } from 'node:https';
import { dirname } from 'node:path';
import { AuthProviderSource } from './auth-provider.js';
import { type InClusterOptions, inClusterConfig } from './in-cluster.js';
import type { ConnectionSettings, ConnectionSettingsSource, KubeConfigLike } from './kube-config-like.js';
import { mergeKubeConfigs } from './merge.js';
import { parseKubeConfig } from './parse.js';
import { resolvePaths } from './paths.js';
import { type Cluster, type Context, EMPTY_KUBECONFIG, type KubeConfigData, type User } from './types.js';
import { UserCredentials } from './user-credentials.js';

/** Options of an {@link OperonKubeConfig}. */
export interface OperonKubeConfigOptions {
  /** The clock that credential caches go by (default `Date.now`; for tests). */
  now?: () => number;
}

/**
 * Operon's kubeconfig: reads kubeconfig files (or a Pod's ServiceAccount) and hands the API client
 * its TLS material and auth headers, derived once and refreshed only when they can have changed.
 *
 * @remarks
 * Operon's own rather than `@kubernetes/client-node`'s `KubeConfig`, whose module loads all of
 * client-node's generated API (+27 MiB of heap) and which re-reads the CA file on every request.
 * It offers the part of that class Operon uses, with the same names and shapes, so either may be
 * passed where a kubeconfig is accepted ({@link KubeConfigLike}).
 *
 * Supported, as kubectl reads them: clusters (`server`, `certificate-authority(-data)`,
 * `insecure-skip-tls-verify`, `tls-server-name`); users (`client-certificate(-data)`,
 * `client-key(-data)`, `token`, `tokenFile`, `username`/`password`, `as`, `exec` plugins of
 * `client.authentication.k8s.io/v1` and `v1beta1`); contexts and `current-context`; relative paths
 * against the file's folder; `KUBECONFIG`-style merging ({@link OperonKubeConfig.mergeConfig}).
 * A user's legacy `auth-provider` (gcp, oidc, azure) is handed to client-node, imported then.
 *
 * Not supported: `proxy-url` is read but ignored (requests go straight to the server, as they
 * did when Operon used client-node's kubeconfig); `as-groups`/`as-uid`; interactive exec plugins
 * (an operator has no terminal: `interactiveMode` is ignored and the plugin's stdin is closed).
 */
export class OperonKubeConfig implements KubeConfigLike, ConnectionSettingsSource {
  private data: KubeConfigData = EMPTY_KUBECONFIG;
  /** Credentials per context name, kept so their caches live as long as the config is unchanged. */
  private readonly sources = new Map<string, ConnectionSettingsSource>();
  private readonly now: () => number;

  constructor(options: OperonKubeConfigOptions = {}) {
    this.now = options.now ?? Date.now;
  }

  /** Replaces the contents with the kubeconfig file at `path`; relative paths in it are made absolute against its folder. */
  loadFromFile(path: string): void {
    this.replace(resolvePaths(parseKubeConfig(readFileSync(path, 'utf8')), dirname(path)));
  }

  /**
   * Replaces the contents with the kubeconfig in `yaml`; relative paths in it are resolved against
   * `folder` when given, else left as they are (relative to the working directory).
   */
  loadFromString(yaml: string, folder?: string): void {
    const data = parseKubeConfig(yaml);
    this.replace(folder === undefined ? data : resolvePaths(data, folder));
  }

  /** Replaces the contents with the Pod's own ServiceAccount (see {@link inClusterConfig}). */
  loadFromCluster(options: InClusterOptions = {}): void {
    this.replace(inClusterConfig(options));
  }

  /**
   * Adds `other`'s clusters, users and contexts the way kubectl merges a `KUBECONFIG` list: names
   * this config already has keep their entry, and its `current-context` stays unless it has none.
   * (client-node's `mergeConfig` throws on a duplicate name and takes the other's context instead.)
   */
  mergeConfig(other: OperonKubeConfig): void {
    this.replace(mergeKubeConfigs(this.data, other.data));
  }

  getClusters(): readonly Cluster[] {
    return this.data.clusters;
  }

  getUsers(): readonly User[] {
    return this.data.users;
  }

  getContexts(): readonly Context[] {
    return this.data.contexts;
  }

  /** The current context's name; empty when the config sets none. */
  getCurrentContext(): string {
    return this.data.currentContext;
  }

  /** Switches context, as `kubectl config use-context` does for one process. */
  setCurrentContext(name: string): void {
    this.replace({ ...this.data, currentContext: name });
  }

  getContextObject(name: string): Context | null {
    return this.data.contexts.find((c) => c.name === name) ?? null;
  }

  getCluster(name: string): Cluster | null {
    return this.data.clusters.find((c) => c.name === name) ?? null;
  }

  getUser(name: string): User | null {
    return this.data.users.find((u) => u.name === name) ?? null;
  }

  /** The cluster the current context names; null when there is no such context or cluster. */
  getCurrentCluster(): Cluster | null {
    const context = this.getContextObject(this.data.currentContext);
    return context && this.getCluster(context.cluster);
  }

  /** The user the current context names; null when it names none (anonymous) or one not defined. */
  getCurrentUser(): User | null {
    const context = this.getContextObject(this.data.currentContext);
    return context?.user ? this.getUser(context.user) : null;
  }

  /**
   * Puts the current context's TLS material and auth headers on `opts`, as client-node's method
   * of that name does (for code written against it). The API client uses
   * {@link OperonKubeConfig.connectionSettings} instead, which does no work per request.
   */
  async applyToHTTPSOptions(opts: RequestOptions): Promise<void> {
    const { tls, headers } = await this.connectionSettings();
    for (const [k, v] of Object.entries(tls)) {
      if (v !== undefined) Object.assign(opts, { [k]: v });
    }
    opts.headers = { ...(opts.headers as Record<string, string> | undefined), ...headers };
  }

  /**
   * The current context's settings, cached by its credentials (see {@link UserCredentials}).
   *
   * @throws Error when the current context names no cluster, or its credentials cannot be got (a
   * file that cannot be read, an exec plugin that fails).
   */
  async connectionSettings(): Promise<ConnectionSettings> {
    return this.source().connectionSettings();
  }

  /** After a 401 to `failed`: the current context's credentials are derived again on next use. */
  invalidateConnectionSettings(failed: ConnectionSettings): void {
    this.sources.get(this.data.currentContext)?.invalidateConnectionSettings(failed);
  }

  private source(): ConnectionSettingsSource {
    const name = this.data.currentContext;
    const known = this.sources.get(name);
    if (known) return known;
    const cluster = this.getCurrentCluster();
    if (!cluster) {
      throw new Error(
        name
          ? `the kubeconfig's current context "${name}" names no cluster it defines`
          : 'the kubeconfig sets no current-context',
      );
    }
    const user = this.getCurrentUser() ?? undefined;
    const source = user?.authProvider
      ? new AuthProviderSource(cluster, user, this.now)
      : new UserCredentials(cluster, user, this.now);
    this.sources.set(name, source);
    return source;
  }

  // Every change of contents drops the credential caches built from the old ones.
  private replace(data: KubeConfigData): void {
    this.data = data;
    this.sources.clear();
  }
}
