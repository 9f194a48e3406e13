// The cluster an integration test runs on: the one `npm test` starts (OPERON_TEST_KUBECONFIG), with a
// namespace of the test file's own, so files never see each other's objects.
import { randomBytes } from 'node:crypto';
import { KubeConfig } from '@kubernetes/client-node';
import { ApiClient, ApiError } from 'operon/runtime';

export interface TestCluster {
  kubeconfigPath: string;
  kubeConfig: KubeConfig;
  api: ApiClient;
  namespace: string;
  /** GET that answers undefined for 404. */
  find<T>(path: string): Promise<T | undefined>;
  create(path: string, body: object): Promise<void>;
  /** Deletes the namespace (without waiting for it to go) and closes connections. */
  cleanup(): Promise<void>;
}

export async function useTestCluster(prefix: string): Promise<TestCluster> {
  const kubeconfigPath = process.env.OPERON_TEST_KUBECONFIG;
  if (!kubeconfigPath) {
    throw new Error(
      'OPERON_TEST_KUBECONFIG is not set: run the integration tests through `npm test` (it starts the local control plane), or set it to a kubeconfig path.',
    );
  }
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(kubeconfigPath);
  const api = new ApiClient(kubeConfig, 'operon-nest-tests');
  const namespace = `${prefix}-${randomBytes(4).toString('hex')}`;
  await api.request({
    method: 'POST',
    path: '/api/v1/namespaces',
    body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
  });
  return {
    kubeconfigPath,
    kubeConfig,
    api,
    namespace,
    async find<T>(path: string): Promise<T | undefined> {
      try {
        return await api.request<T>({ method: 'GET', path });
      } catch (e) {
        if (ApiError.isNotFound(e)) return undefined;
        throw e;
      }
    },
    async create(path: string, body: object): Promise<void> {
      await api.request({ method: 'POST', path, body });
    },
    async cleanup(): Promise<void> {
      try {
        await api.request({ method: 'DELETE', path: `/api/v1/namespaces/${namespace}` });
      } finally {
        api.close();
      }
    },
  };
}

/** Polls `check` until it returns something other than undefined or false; the timeout names `what`. */
export async function eventually<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  what: string,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
      last = undefined;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      const why = last instanceof Error ? `: ${last.message}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${why}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
