import { readFileSync } from 'node:fs';
import { isIPv6 } from 'node:net';
import { dirname, join } from 'node:path';
import type { KubeConfigData } from './types.js';

/** Where a Pod's ServiceAccount token is mounted. */
export const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/** Where {@link inClusterConfig} looks; defaults are a Pod's own. */
export interface InClusterOptions {
  /** Default `process.env` (`KUBERNETES_SERVICE_HOST`, `KUBERNETES_SERVICE_PORT`). */
  env?: NodeJS.ProcessEnv;
  /**
   * The ServiceAccount token file, default {@link SERVICE_ACCOUNT_TOKEN}; `ca.crt` and `namespace`
   * are read from the same folder, as the kubelet mounts them together.
   */
  tokenFile?: string;
}

/**
 * The kubeconfig of a Pod's own ServiceAccount, as client-go's `rest.InClusterConfig` builds it:
 * `https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT` (an IPv6 host in brackets), the
 * mounted CA, and the mounted token as a token *file*, so the kubelet's rotations of the projected
 * token are picked up (re-read at most once a minute, as client-go does). The namespace file, when
 * present, gives the context's namespace.
 *
 * @remarks
 * Always https, as client-go: client-node switched to http for ports 80, 8080 and 8001, which no
 * Kubernetes Service of the API server uses.
 *
 * @throws Error when `KUBERNETES_SERVICE_HOST` or `KUBERNETES_SERVICE_PORT` is not set.
 */
export function inClusterConfig(options: InClusterOptions = {}): KubeConfigData {
  const env = options.env ?? process.env;
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host || !port) {
    throw new Error(
      'cannot load the in-cluster configuration: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must both be set',
    );
  }
  const tokenFile = options.tokenFile ?? SERVICE_ACCOUNT_TOKEN;
  const folder = dirname(tokenFile);
  return {
    clusters: [
      {
        name: 'inCluster',
        server: `https://${isIPv6(host) ? `[${host}]` : host}:${port}`,
        caFile: join(folder, 'ca.crt'),
        skipTLSVerify: false,
      },
    ],
    users: [{ name: 'inClusterUser', tokenFile }],
    contexts: [
      {
        name: 'inClusterContext',
        cluster: 'inCluster',
        user: 'inClusterUser',
        namespace: namespaceIn(folder),
      },
    ],
    currentContext: 'inClusterContext',
  };
}

// The namespace never changes for a Pod's life, so it is read once.
function namespaceIn(folder: string): string | undefined {
  try {
    return readFileSync(join(folder, 'namespace'), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}
