import { writeFileSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import { stringify } from 'yaml';

/** What a kubeconfig for one cluster and one user needs. */
export interface KubeConfigParts {
  server: string;
  caFile: string;
  user: string;
  token: string;
  cluster?: string;
}

/** Writes a one-context kubeconfig (kubectl can use it) and returns it loaded. */
export function writeKubeConfig(path: string, parts: KubeConfigParts): KubeConfig {
  const cluster = parts.cluster ?? 'operon-local';
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: cluster, cluster: { server: parts.server, 'certificate-authority': parts.caFile } }],
    users: [{ name: parts.user, user: { token: parts.token } }],
    contexts: [{ name: parts.user, context: { cluster, user: parts.user } }],
    'current-context': parts.user,
  };
  writeFileSync(path, stringify(doc), { mode: 0o600 });
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  return kc;
}
