import { randomBytes } from 'node:crypto';
import { KubeConfig } from '@kubernetes/client-node';
import { ApiClient } from '../../src/runtime/api/api-client.js';
import { ApiError } from '../../src/runtime/api/api-error.js';
import type { KubeObject } from '../../src/types/kube-object.js';

/** What an integration test gets: the shared test cluster, and a namespace of its own. */
export interface TestCluster {
  kubeConfig: KubeConfig;
  api: ApiClient;
  namespace: string;
  /** The object at this API path, or undefined when there is none (404). */
  find<T extends KubeObject = KubeObject>(path: string): Promise<T | undefined>;
  /** Deletes the namespace (not waiting for it to go) and closes connections. */
  cleanup(): Promise<void>;
}

/**
 * Connects to the cluster the test runner started (or the one KUBECONFIG names) and creates a fresh
 * namespace, so test files never see each other's objects.
 */
export async function useTestCluster(prefix = 't'): Promise<TestCluster> {
  const path = process.env.OPERON_TEST_KUBECONFIG;
  if (!path) {
    throw new Error(
      'OPERON_TEST_KUBECONFIG is not set: run integration tests through `npm test`, which starts the local control plane (or uses KUBECONFIG).',
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
    async cleanup() {
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

// The test kit's own helper, which authors use too: one implementation for both.
export { eventually } from '../../src/testkit/eventually.js';
