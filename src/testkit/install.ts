import { readFileSync } from 'node:fs';
import type { KubeConfig } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import type { OperatorClass } from '../decorators/read-metadata.js';
import { type CrdOptions, type CustomResourceDefinition, generateCrds } from '../generate/crd.js';
import { declarationsFromClasses } from '../generate/from-classes.js';
import type { OperatorDeclaration } from '../generate/operator-declaration.js';
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
      // Test files run in parallel and may install the same CRD at once: a conflict is retried.
      for (let attempt = 1; ; attempt++) {
        try {
          await createOrReplace(api, crd, name);
          break;
        } catch (e) {
          if (!ApiError.isConflict(e) || attempt >= 5) throw e;
        }
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

async function createOrReplace(api: ApiClient, crd: KubeObject, name: string | undefined): Promise<void> {
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

/**
 * Generates the CRDs of the given operators (decorated classes or configs) and installs them with
 * {@link installCrds}, so tests run against exactly what `operon crd` prints.
 *
 * @remarks
 * Classes are read without being constructed (see `declarationsFromClasses`). A parent whose
 * versions convert needs `crdOptions.webhook` (e.g. `{ url: 'https://127.0.0.1:9443' }`), as
 * `operon crd` needs `--webhook-url`.
 *
 * @example
 * ```ts
 * await installOperatorCrds(cp.kubeConfig, [EchoServerOperator]);
 * ```
 *
 * @returns the CRDs it installed.
 * @throws ConfigError for invalid decorator use; like {@link installCrds} when the API server refuses a CRD.
 */
export async function installOperatorCrds(
  kubeConfig: KubeConfig,
  operators: readonly (OperatorDeclaration | OperatorClass)[],
  timeoutMs = 30_000,
  crdOptions: CrdOptions = {},
): Promise<CustomResourceDefinition[]> {
  const classes = operators.filter((o): o is OperatorClass => typeof o === 'function');
  const declared = operators.filter((o): o is OperatorDeclaration => typeof o !== 'function');
  const crds = generateCrds([...declarationsFromClasses(classes), ...declared], crdOptions);
  await installCrds(kubeConfig, crds, timeoutMs);
  return crds;
}

/** Options of {@link applyObjects}. */
export interface ApplyOptions {
  /** Validate and admit every object without storing it (`dryRun=All`). Default false. */
  dryRun?: boolean;
  /** Default `operon-testkit`. */
  fieldManager?: string;
}

/**
 * Server-side applies objects of any kind, in order, as `kubectl apply --server-side` does; with
 * `dryRun`, the API server validates and admits each one without storing it.
 *
 * @remarks
 * The resource of each object is found through API discovery. Stops at the first object the API
 * server refuses, with its message.
 *
 * @example
 * ```ts
 * await applyObjects(kc, readManifests('deploy.yaml'), { dryRun: true });
 * ```
 */
export async function applyObjects(
  kubeConfig: KubeConfig,
  objects: readonly KubeObject[],
  options: ApplyOptions = {},
): Promise<KubeObject[]> {
  const api = new ApiClient(kubeConfig, 'operon-testkit');
  const discovery = new Map<string, Promise<{ kind: string; name: string; namespaced: boolean }[]>>();
  const resources = (apiVersion: string) => {
    let found = discovery.get(apiVersion);
    if (!found) {
      const path = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
      found = api
        .request<{ resources: { kind: string; name: string; namespaced: boolean }[] }>({
          method: 'GET',
          path,
        })
        .then((list) => list.resources.filter((r) => !r.name.includes('/')));
      discovery.set(apiVersion, found);
    }
    return found;
  };
  const applied: KubeObject[] = [];
  try {
    for (const obj of objects) {
      const apiVersion = obj.apiVersion ?? '';
      const resource = (await resources(apiVersion)).find((r) => r.kind === obj.kind);
      if (!resource) throw new Error(`The API server does not serve ${obj.kind} in ${apiVersion}`);
      const ns = resource.namespaced ? obj.metadata?.namespace || 'default' : undefined;
      const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
      const path = `${base}${ns ? `/namespaces/${ns}` : ''}/${resource.name}/${obj.metadata?.name}`;
      applied.push(
        await api.request<KubeObject>({
          method: 'PATCH',
          path,
          query: {
            fieldManager: options.fieldManager ?? 'operon-testkit',
            force: true,
            ...(options.dryRun ? { dryRun: 'All' } : {}),
          },
          contentType: 'application/apply-patch+yaml',
          body: obj,
        }),
      );
    }
    return applied;
  } finally {
    api.close();
  }
}
