import type { AgentOptions, RequestOptions } from 'node:https';

/**
 * The cluster a kubeconfig's current context names, in client-node's shape (so that its
 * `KubeConfig.getCurrentCluster()` result fits too).
 */
export interface ClusterInfo {
  readonly name: string;
  /** The API server's URL, without a trailing slash. */
  readonly server: string;
  /** `insecure-skip-tls-verify`. */
  readonly skipTLSVerify: boolean;
  /** `tls-server-name`: the name the server certificate is checked against, instead of the URL's host. */
  readonly tlsServerName?: string;
  /** `certificate-authority-data`, base64 as in the file. */
  readonly caData?: string;
  /** `certificate-authority`, an absolute path once loaded from a file. */
  readonly caFile?: string;
  /** `proxy-url`: read but not used (see `OperonKubeConfig`). */
  readonly proxyUrl?: string;
}

/**
 * What Operon needs of a kubeconfig: its current cluster and context, and a way to put its
 * credentials on a request.
 *
 * @remarks
 * Structural, so both Operon's own `OperonKubeConfig` and `@kubernetes/client-node`'s `KubeConfig`
 * fit; written out rather than picked from client-node's types so that Operon's declarations do not
 * depend on client-node being installed.
 */
export interface KubeConfigLike {
  /** The cluster of the current context; null when there is none. */
  getCurrentCluster(): ClusterInfo | null;
  /** The current context's name (may be empty when unset). */
  getCurrentContext(): string;
  /** Puts the TLS material and auth headers of the current context on `opts`. */
  applyToHTTPSOptions(opts: RequestOptions): Promise<void>;
}

/** The TLS part of {@link ConnectionSettings}: what a connection agent is built from. */
export type TlsSettings = Pick<
  AgentOptions,
  'ca' | 'cert' | 'key' | 'pfx' | 'passphrase' | 'servername' | 'rejectUnauthorized'
>;

/**
 * Everything a request to the API server needs from the credentials, derived once and reused
 * until `freshUntil` (or until the server rejects it).
 */
export interface ConnectionSettings {
  readonly tls: Readonly<TlsSettings>;
  /** Headers every request carries (`Authorization`, `Impersonate-User`). */
  readonly headers: Readonly<Record<string, string>>;
  /** Epoch ms after which the source must be asked again; `Infinity`: until invalidated. */
  readonly freshUntil: number;
}

/**
 * A kubeconfig that hands out {@link ConnectionSettings} itself, instead of filling request options
 * per request: `OperonKubeConfig` is one; the API client adapts any other {@link KubeConfigLike}.
 */
export interface ConnectionSettingsSource {
  /**
   * The current settings; the same object while they stay valid, so callers can compare by
   * identity and rebuild nothing.
   */
  connectionSettings(): Promise<ConnectionSettings>;
  /**
   * The API server answered 401 to a request made with `failed`: forget cached credentials so the
   * next call derives them again (re-runs an exec plugin, re-reads token files). A no-op when the
   * current settings already carry other credentials, so a burst of 401s refreshes only once.
   */
  invalidateConnectionSettings(failed: ConnectionSettings): void;
}

/** Whether `kc` hands out {@link ConnectionSettings} itself. */
export function isConnectionSettingsSource(kc: object): kc is ConnectionSettingsSource {
  const s = kc as Partial<ConnectionSettingsSource>;
  return typeof s.connectionSettings === 'function' && typeof s.invalidateConnectionSettings === 'function';
}
