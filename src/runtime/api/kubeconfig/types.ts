import type { ClusterInfo } from './kube-config-like.js';

/** One `clusters[]` entry of a kubeconfig. */
export type Cluster = ClusterInfo;

/** One `env` entry of an exec plugin. */
export interface ExecEnvVar {
  readonly name: string;
  readonly value: string;
}

/** A user's `exec` block: a command that prints an `ExecCredential` (client-go's credential plugins). */
export interface ExecConfig {
  /** `client.authentication.k8s.io/v1` or `v1beta1`. */
  readonly apiVersion?: string;
  /** Looked up in `PATH`, unless it holds a path separator (then resolved against the kubeconfig's folder). */
  readonly command?: string;
  readonly args: readonly string[];
  readonly env: readonly ExecEnvVar[];
  /** Shown when the command cannot be started (not installed). */
  readonly installHint?: string;
  /** Pass the cluster (server, CA, TLS name) to the plugin in `KUBERNETES_EXEC_INFO`. */
  readonly provideClusterInfo: boolean;
  /** Read, but Operon always runs plugins non-interactively (an operator has no terminal). */
  readonly interactiveMode?: string;
}

/** A user's legacy `auth-provider` block (gcp, oidc, azure), handled by client-node. */
export interface AuthProviderConfig {
  readonly name: string;
  readonly config?: Record<string, string>;
}

/** One `users[]` entry of a kubeconfig. */
export interface User {
  readonly name: string;
  /** `client-certificate-data`, base64. */
  readonly certData?: string;
  /** `client-certificate`. */
  readonly certFile?: string;
  /** `client-key-data`, base64. */
  readonly keyData?: string;
  /** `client-key`. */
  readonly keyFile?: string;
  readonly token?: string;
  /** `tokenFile`: re-read while the process runs, as client-go does. */
  readonly tokenFile?: string;
  readonly username?: string;
  readonly password?: string;
  /** `as`: sent as `Impersonate-User`. */
  readonly impersonateUser?: string;
  readonly exec?: ExecConfig;
  readonly authProvider?: AuthProviderConfig;
}

/** One `contexts[]` entry of a kubeconfig. */
export interface Context {
  readonly name: string;
  readonly cluster: string;
  /** No user: anonymous requests (TLS only). */
  readonly user?: string;
  readonly namespace?: string;
}

/** A whole kubeconfig, as read. */
export interface KubeConfigData {
  readonly clusters: readonly Cluster[];
  readonly users: readonly User[];
  readonly contexts: readonly Context[];
  /** Empty when unset. */
  readonly currentContext: string;
}

/** A kubeconfig with nothing in it. */
export const EMPTY_KUBECONFIG: KubeConfigData = { clusters: [], users: [], contexts: [], currentContext: '' };
