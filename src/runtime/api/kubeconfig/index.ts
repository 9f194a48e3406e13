/**
 * @packageDocumentation
 * Operon's kubeconfig reader, and the structural type through which the API client also accepts
 * client-node's `KubeConfig`. Nothing here imports client-node at load time.
 */
export { APPLIED_OPTIONS_TTL_MS, AppliedOptionsSource } from './applied-options.js';
export { EXEC_API_VERSIONS, type ExecCredential, ExecPlugin, runExecPlugin } from './exec-plugin.js';
export { type InClusterOptions, inClusterConfig, SERVICE_ACCOUNT_TOKEN } from './in-cluster.js';
export {
  type ClusterInfo,
  type ConnectionSettings,
  type ConnectionSettingsSource,
  isConnectionSettingsSource,
  type KubeConfigLike,
  type TlsSettings,
} from './kube-config-like.js';
export { mergeKubeConfigs } from './merge.js';
export { OperonKubeConfig, type OperonKubeConfigOptions } from './operon-kube-config.js';
export { parseKubeConfig } from './parse.js';
export { resolvePaths } from './paths.js';
export { FILE_RECHECK_MS, RefreshingFile } from './refreshing-file.js';
export { sameCredentials, sameHeaders, sameTls } from './same-settings.js';
export { type Connection, Transport } from './transport.js';
export type {
  AuthProviderConfig,
  Cluster,
  Context,
  ExecConfig,
  ExecEnvVar,
  KubeConfigData,
  User,
} from './types.js';
export { UserCredentials } from './user-credentials.js';
