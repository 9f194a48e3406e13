import { readFileSync } from 'node:fs';
import type { KubeConfig } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { ApiClient } from '../runtime/api/api-client.js';
import { ApiError } from '../runtime/api/api-error.js';
import type { KubeObject } from '../types/kube-object.js';

const CRDS = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';

/** Reads every object of a multi-document YAML file. */
export function readManifests(path: string): KubeObject[] {
  return parseAllDocuments(readFileSync(path, 'utf8'))
    .map((d) => d.toJSON() as KubeObject | null)
    .filter((o): o is KubeObject => o !== null);
}

/**
 * Creates or updates CustomResourceDefinitions and waits until the API server serves each one.
 *
 * @throws when a CRD is rejected (with the API server's reason) or not established within `timeoutMs`.
 */
export async function installCrds(
  kubeConfig: KubeConfig,
  crds: readonly KubeObject[],
  timeoutMs = 30_000,
): Promise<void> {
  const api = new ApiClient(kubeConfig, 'operon-testkit');
  try {
    for (const crd of crds) {
      const name = crd.metadata?.name;
      try {
        await api.request({ method: 'POST', path: CRDS, body: crd });
      } catch (e) {
        if (!ApiError.isAlreadyExists(e)) throw e;
        const live = await api.request<KubeObject>({ method: 'GET', path: `${CRDS}/${name}` });
        await api.request({
          method: 'PUT',
          path: `${CRDS}/${name}`,
          body: { ...crd, metadata: { ...crd.metadata, resourceVersion: live.metadata?.resourceVersion } },
        });
      }
    }
    const deadline = Date.now() + timeoutMs;
    for (const crd of crds) {
      for (;;) {
        const live = await api.request<{ status?: { conditions?: { type: string; status: string }[] } }>({
          method: 'GET',
          path: `${CRDS}/${crd.metadata?.name}`,
        });
        if (live.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) break;
        if (Date.now() > deadline)
          throw new Error(`CRD ${crd.metadata?.name} was not established within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } finally {
    api.close();
  }
}
