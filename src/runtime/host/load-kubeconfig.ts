import { existsSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { OperonError } from '../../errors/operon-error.js';
import { SERVICE_ACCOUNT_TOKEN } from '../api/kubeconfig/in-cluster.js';
import { OperonKubeConfig } from '../api/kubeconfig/operon-kube-config.js';

export { SERVICE_ACCOUNT_TOKEN };

/** Where {@link defaultKubeConfig} looks; every field defaults to the process's own (for tests). */
export interface KubeConfigSources {
  /** Default `process.env` (`KUBERNETES_SERVICE_HOST`, `KUBECONFIG`). */
  env?: NodeJS.ProcessEnv;
  /** Default `os.homedir()` (which follows `HOME`). */
  home?: string;
  /** Default {@link SERVICE_ACCOUNT_TOKEN}; the CA and namespace are read from its folder. */
  serviceAccountToken?: string;
}

/** How to get a cluster, appended to every "no cluster" message. */
export const HOW_TO_GET_A_CLUSTER =
  'To get one: start a local cluster with `npx operon cluster up`, then `export KUBECONFIG=$(npx operon cluster status)`; or point KUBECONFIG at the kubeconfig of an existing cluster (kind, k3d, a real one).';

/**
 * The kubeconfig an operator uses when none is given, as kubectl and client-go choose it: in a Pod,
 * its ServiceAccount; otherwise the files in `KUBECONFIG` (merged as kubectl merges them, missing
 * ones skipped); when `KUBECONFIG` is unset, `~/.kube/config`.
 *
 * @remarks
 * Read by Operon's own {@link OperonKubeConfig}, so that running an operator does not load
 * `@kubernetes/client-node` (only a user with a legacy `auth-provider` does, when first used).
 *
 * Unlike client-node's `loadFromDefault`, it never falls back to `http://localhost:8080`: with no
 * source, the operator would wait for ever for caches that never fill (or fail with a transport
 * error that does not say why). It fails at once instead, saying what it tried and how to get a
 * cluster.
 *
 * @throws OperonError (`NO_CLUSTER`) when no source holds a cluster, listing each source and why it
 * was not used; when a kubeconfig file cannot be read, or its current context names no cluster.
 */
export function defaultKubeConfig(from: KubeConfigSources = {}): OperonKubeConfig {
  const env = from.env ?? process.env;
  const token = from.serviceAccountToken ?? SERVICE_ACCOUNT_TOKEN;
  const tried: string[] = [];
  if (env.KUBERNETES_SERVICE_HOST) {
    if (!existsSync(token)) {
      tried.push(
        `in-cluster ServiceAccount: KUBERNETES_SERVICE_HOST is set, but there is no token at ${token} (is automountServiceAccountToken off?)`,
      );
    } else if (!env.KUBERNETES_SERVICE_PORT) {
      // The kubelet sets both; without the port there is no URL to build (client-go fails too).
      tried.push(
        'in-cluster ServiceAccount: KUBERNETES_SERVICE_HOST is set, but KUBERNETES_SERVICE_PORT is not',
      );
    } else {
      const kc = new OperonKubeConfig();
      kc.loadFromCluster({ env, tokenFile: token });
      return kc;
    }
  } else {
    tried.push('in-cluster ServiceAccount: KUBERNETES_SERVICE_HOST is not set (not running in a Pod)');
  }

  const listed = (env.KUBECONFIG ?? '').split(delimiter).filter(Boolean);
  if (listed.length > 0) {
    const present = listed.filter(isFile);
    if (present.length > 0) return fromFiles(present, `KUBECONFIG=${env.KUBECONFIG}`);
    tried.push(
      `KUBECONFIG=${env.KUBECONFIG}: ${listed.length === 1 ? 'no such file' : 'none of these files exists'} (~/.kube/config is not read when KUBECONFIG is set)`,
    );
    throw noCluster(tried);
  }
  tried.push('KUBECONFIG: not set');

  const home = from.home ?? homedir();
  const config = join(home, '.kube', 'config');
  if (home && isFile(config)) return fromFiles([config], config);
  tried.push(`~/.kube/config: ${home ? `${config} does not exist` : 'no home folder'}`);
  throw noCluster(tried);
}

function noCluster(tried: readonly string[]): OperonError {
  return new OperonError(
    'NO_CLUSTER',
    `No cluster is configured: Operon found no Kubernetes credentials. It tried, in order:\n${tried.map((t) => `  - ${t}`).join('\n')}\n${HOW_TO_GET_A_CLUSTER}`,
  );
}

// Loads the first file and merges the others into it, as kubectl does with a KUBECONFIG list (the
// first file to define a name, or to set current-context, wins).
function fromFiles(files: readonly string[], source: string): OperonKubeConfig {
  const kc = new OperonKubeConfig();
  for (const [i, file] of files.entries()) {
    try {
      if (i === 0) kc.loadFromFile(file);
      else {
        const more = new OperonKubeConfig();
        more.loadFromFile(file);
        kc.mergeConfig(more);
      }
    } catch (e) {
      throw new OperonError(
        'NO_CLUSTER',
        `Cannot read the kubeconfig ${file} (from ${source}): ${e instanceof Error ? e.message : String(e)}. Fix the file, or point KUBECONFIG at a valid one. ${HOW_TO_GET_A_CLUSTER}`,
        { cause: e },
      );
    }
  }
  if (!kc.getCurrentCluster()) {
    const context = kc.getCurrentContext();
    const contexts = kc.getContexts().map((c) => c.name);
    throw new OperonError(
      'NO_CLUSTER',
      `No cluster is configured in ${source}: ${context ? `its current context "${context}" names no cluster it defines` : 'it sets no current-context'}. ${contexts.length > 0 ? `Pick a context: \`kubectl config use-context ${contexts[0]}\` (it has: ${contexts.join(', ')}).` : 'It defines no context.'} ${HOW_TO_GET_A_CLUSTER}`,
    );
  }
  return kc;
}

function isFile(path: string): boolean {
  try {
    return existsSync(path) && statSync(path).isFile();
  } catch {
    return false;
  }
}
