import { randomBytes } from 'node:crypto';
import { KubeConfig } from '@kubernetes/client-node';
import { OperonError } from '../errors/operon-error.js';
import { ApiClient } from '../runtime/api/api-client.js';
import { ApiError } from '../runtime/api/api-error.js';
import type { KubeObject } from '../types/kube-object.js';

/** What an integration test gets from {@link useTestNamespace}: the cluster, and a namespace of its own. */
export interface TestNamespace {
  /** The kubeconfig file it connected with (for a child process: `KUBECONFIG`). */
  readonly kubeconfigPath: string;
  /** That kubeconfig, loaded: for a client-node API, or an operator host in the test. */
  readonly kubeConfig: KubeConfig;
  /** An Operon API client on that cluster, for raw requests (user agent `operon-tests`). */
  readonly api: ApiClient;
  /** A fresh namespace, `<prefix>-<8 hex digits>`, labelled `operon.dev/test: "true"`. */
  readonly namespace: string;
  /** The object at this API path, or undefined when there is none (404). */
  find<T extends KubeObject = KubeObject>(path: string): Promise<T | undefined>;
  /** POSTs `body` to `path` (a collection). */
  create(path: string, body: object): Promise<void>;
  /** Deletes the namespace (not waiting for it to go) and closes connections. */
  cleanup(): Promise<void>;
}

/**
 * Connects to the cluster a test run uses and creates a fresh namespace, so test files never see
 * each other's objects.
 *
 * @remarks
 * The cluster is the kubeconfig at `kubeconfigPath`, else `$OPERON_TEST_KUBECONFIG` (set by Operon's
 * own test runner for the local cluster it starts), else `$KUBECONFIG`. Call `cleanup()` in `after`.
 *
 * @example
 * ```ts
 * let t: TestNamespace;
 * before(async () => { t = await useTestNamespace('echo'); });
 * after(() => t.cleanup());
 * ```
 */
export async function useTestNamespace(prefix = 't', kubeconfigPath?: string): Promise<TestNamespace> {
  const path = kubeconfigPath ?? process.env.OPERON_TEST_KUBECONFIG ?? process.env.KUBECONFIG;
  if (!path) {
    throw new OperonError(
      'CONFIG_INVALID',
      'No cluster for the test: set OPERON_TEST_KUBECONFIG or KUBECONFIG to a kubeconfig file (`npx operon cluster up` prints one), or run the tests through a runner that starts the local cluster.',
    );
  }
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(path);
  const api = new ApiClient(kubeConfig, 'operon-tests');
  const namespace = `${prefix}-${randomBytes(4).toString('hex')}`;
  await api.request({
    method: 'POST',
    path: '/api/v1/namespaces',
    body: {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: namespace, labels: { 'operon.dev/test': 'true' } },
    },
  });
  return {
    kubeconfigPath: path,
    kubeConfig,
    api,
    namespace,
    async find<T extends KubeObject>(objectPath: string): Promise<T | undefined> {
      try {
        return await api.request<T>({ method: 'GET', path: objectPath });
      } catch (e) {
        if (ApiError.isNotFound(e)) return undefined;
        throw e;
      }
    },
    async create(collection: string, body: object): Promise<void> {
      await api.request({ method: 'POST', path: collection, body });
    },
    async cleanup(): Promise<void> {
      try {
        await api.request({ method: 'DELETE', path: `/api/v1/namespaces/${namespace}` });
      } catch (e) {
        if (!ApiError.isNotFound(e)) throw e;
      } finally {
        api.close();
      }
    },
  };
}
