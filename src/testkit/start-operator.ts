import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import type { Container } from 'inversify';
import { OperonApp } from '../app/operon-app.js';
import type { OperatorConfig } from '../config/operator-config.js';
import { discoverOperators } from '../di/discover-operators.js';
import { ApiClient } from '../runtime/api/api-client.js';
import { ApiError } from '../runtime/api/api-error.js';
import { resourcePath } from '../runtime/api/resource-path.js';
import type { HostOptions, OperonHost } from '../runtime/host/operon-host.js';
import type { KubeObject, NamedObject } from '../types/kube-object.js';
import type { ResourceType } from '../types/resource-type.js';
import { startControlPlane } from './control-plane.js';
import { installOperatorCrds } from './install.js';
import { operatorConfigOf } from './sync-harness.js';

/** What {@link startOperator} runs: operator instances or configs, or an InversifyJS container. */
export type OperatorsUnderTest =
  | object
  | OperatorConfig<unknown>
  | readonly (object | OperatorConfig<unknown>)[];

/** Options of {@link startOperator}; the host options (logger, resyncIntervalMs, ...) are passed on. */
export interface StartOperatorOptions extends Omit<HostOptions, 'kubeConfig' | 'namespaces'> {
  /**
   * The cluster. Default: the test cluster of `npm test` (`OPERON_TEST_KUBECONFIG`), else what
   * `startControlPlane()` picks: the cluster in `OPERON_KUBECONFIG` or `KUBECONFIG`, else a local
   * control plane started for this fixture and stopped with it.
   */
  kubeConfig?: KubeConfig;
  /** Start of the namespace's name; default the first operator's name. A random suffix is added. */
  namespacePrefix?: string;
  /** Install the CRDs of the operators' parents (as `operon crd` generates them) first; default true. */
  installCrds?: boolean;
  /**
   * How long `stop()` waits for the parents to be deleted (their finalizers run) while the
   * operators still run, in ms; default 30 000. Finalizers still there then are removed.
   */
  cleanupTimeoutMs?: number;
}

/** An object to read or delete: a REST path, or an object with apiVersion, kind and name. */
export type ObjectTarget = string | KubeObject;

/** A running fixture: operators reconciling one fresh namespace of a real cluster. */
export interface OperatorFixture {
  /** The fresh namespace the operators watch (and nothing else). */
  readonly namespace: string;
  /** Admin access to the cluster, e.g. for `new ApiClient(kubeConfig)` or `serviceAccountKubeConfig`. */
  readonly kubeConfig: KubeConfig;
  /** An API client on `kubeConfig`, for any request: `api.request({ method: 'GET', path })`. */
  readonly api: ApiClient;
  /** The host running the operators (`host.trigger(...)`, `host.metrics`, ...). */
  readonly host: OperonHost;
  /**
   * Creates an object; a namespaced one goes to {@link OperatorFixture.namespace} unless it names
   * another. Resolves with the object as stored. `stop()` deletes it again.
   */
  create<T extends KubeObject>(obj: T): Promise<NamedObject<T>>;
  /**
   * Reads an object: by REST path (`/api/v1/namespaces/<ns>/pods/web-0`), or by an object's
   * apiVersion, kind, name (and namespace, default the fixture's), such as the one `create`
   * returned. Rejects with an `ApiError` (404 when it does not exist).
   */
  get<T extends KubeObject = KubeObject>(target: ObjectTarget): Promise<T>;
  /** Deletes an object (path or object, as for `get`); resolves when the API server accepted it. */
  delete(target: ObjectTarget): Promise<void>;
  /**
   * Deletes the parents (while the operators still run, so their finalizers run), stops the host,
   * deletes the namespace, closes every connection, and stops the control plane if this fixture
   * started one. Safe to call twice.
   */
  stop(): Promise<void>;
}

const TEST_LABEL = 'operon.dev/test';

/**
 * Runs operators against a real cluster for one test (or one suite): creates a fresh namespace,
 * installs the CRDs of the operators' parents, and runs the operators in an {@link OperonHost}
 * limited to that namespace. Resolves once every informer has synced and reconciling has begun.
 *
 * @param operators - operator instances (constructed with their dependencies), hand-written
 * configs, or an InversifyJS container with the operators bound (as for `Operon.run`).
 *
 * @remarks
 * Which cluster: see {@link StartOperatorOptions.kubeConfig}. Starting a local control plane takes
 * a few seconds, so start one fixture per suite (`before`/`beforeAll`) rather than per test, or run
 * `npx operon cluster up` once and export its `KUBECONFIG`. Use {@link eventually} to wait for what
 * the operator does. Always `stop()` it (in `after`/`afterAll`), or the process keeps running.
 *
 * @example node:test
 * ```ts
 * import { after, before, it } from 'node:test';
 * import { eventually, startOperator, type OperatorFixture } from 'operon/testkit';
 *
 * let op: OperatorFixture;
 * before(async () => { op = await startOperator(new EchoServerOperator(new EchoImage())); });
 * after(() => op.stop());
 *
 * it('creates the Service', async () => {
 *   await op.create({ apiVersion: 'example.com/v1alpha1', kind: 'EchoServer',
 *                     metadata: { name: 'web' }, spec: { message: 'hi' } });
 *   await eventually(() => op.get({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' } }),
 *                    { what: 'the Service web' });
 * });
 * ```
 *
 * @example vitest
 * ```ts
 * import { afterAll, beforeAll, it } from 'vitest';
 * let op: OperatorFixture;
 * beforeAll(async () => { op = await startOperator(container); }, 120_000);
 * afterAll(() => op.stop(), 60_000);
 * it('creates the Service', async () => { ... }, 60_000);
 * ```
 *
 * @throws ConfigError for invalid operators; an `ApiError` when the cluster refuses the namespace
 * or a CRD. Nothing is left behind when it throws.
 */
export async function startOperator(
  operators: OperatorsUnderTest | Container,
  options: StartOperatorOptions = {},
): Promise<OperatorFixture> {
  const configs = configsOf(operators);
  const { kubeConfig: given, namespacePrefix, installCrds, cleanupTimeoutMs, ...hostOptions } = options;
  const cluster = await connect(given);
  const api = new ApiClient(cluster.kubeConfig, 'operon-testkit');
  const namespace = `${dnsPrefix(namespacePrefix ?? configs[0]?.name ?? 'operon-test')}-${randomBytes(4).toString('hex')}`;
  const known = knownTypes(configs);
  const resolver = new ResourceResolver(api, known);
  const created: KubeObject[] = [];
  let host: OperonHost | undefined;
  let stopping: Promise<void> | undefined;

  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      const errors: unknown[] = [];
      const attempt = async (step: () => Promise<unknown>) => {
        try {
          await step();
        } catch (e) {
          errors.push(e);
        }
      };
      if (host?.ready) {
        await attempt(() =>
          deleteParents(api, resolver, configs, namespace, created, cleanupTimeoutMs ?? 30_000),
        );
      }
      if (host) await attempt(() => (host as OperonHost).stop());
      // What still carries a finalizer would keep the namespace terminating for ever.
      await attempt(() => dropFinalizers(api, resolver, configs, namespace, created));
      await attempt(() =>
        ignoreNotFound(api.request({ method: 'DELETE', path: `/api/v1/namespaces/${namespace}` })),
      );
      api.close();
      await attempt(cluster.stop);
      if (errors.length > 0) throw errors[0];
    })();
    return stopping;
  };

  try {
    await api.request({
      method: 'POST',
      path: '/api/v1/namespaces',
      body: {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: namespace, labels: { [TEST_LABEL]: 'true' } },
      },
    });
    if (installCrds !== false) await installOperatorCrds(cluster.kubeConfig, configs);
    // The same app `runOperators` runs, embedded: no servers, no signal handlers, no exit.
    const app = new OperonApp(configs, {
      ...hostOptions,
      kubeConfig: cluster.kubeConfig,
      namespaces: [namespace],
      logger: hostOptions.logger ?? false,
      embedded: true,
    });
    host = app.host;
    await app.start();
  } catch (e) {
    await stop().catch(() => {});
    throw e;
  }

  const pathOf = async (target: ObjectTarget): Promise<string> => {
    if (typeof target === 'string') return target;
    const type = await resolver.resolve(target);
    return resourcePath(type, {
      namespace: target.metadata?.namespace ?? namespace,
      name: target.metadata?.name,
    });
  };

  return {
    namespace,
    kubeConfig: cluster.kubeConfig,
    api,
    host: host as OperonHost,
    async create<T extends KubeObject>(obj: T): Promise<NamedObject<T>> {
      const type = await resolver.resolve(obj);
      const ns = type.namespaced ? (obj.metadata?.namespace ?? namespace) : undefined;
      const body = { ...obj, metadata: { ...obj.metadata, ...(ns ? { namespace: ns } : {}) } };
      const stored = await api.request<NamedObject<T>>({
        method: 'POST',
        path: resourcePath(type, { namespace: ns }),
        body,
      });
      created.push(stored);
      return stored;
    },
    async get<T extends KubeObject = KubeObject>(target: ObjectTarget): Promise<T> {
      return api.request<T>({ method: 'GET', path: await pathOf(target) });
    },
    async delete(target: ObjectTarget): Promise<void> {
      await api.request({ method: 'DELETE', path: await pathOf(target) });
    },
    stop,
  };
}

interface Cluster {
  kubeConfig: KubeConfig;
  stop: () => Promise<void>;
}

async function connect(given: KubeConfig | undefined): Promise<Cluster> {
  if (given) return { kubeConfig: given, stop: async () => {} };
  const path = process.env.OPERON_TEST_KUBECONFIG;
  if (path && existsSync(path)) {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(path);
    return { kubeConfig, stop: async () => {} };
  }
  const cp = await startControlPlane();
  return { kubeConfig: cp.kubeConfig, stop: () => cp.stop() };
}

function configsOf(operators: OperatorsUnderTest | Container): OperatorConfig<unknown>[] {
  if (isContainer(operators)) return discoverOperators(operators);
  const list = Array.isArray(operators) ? operators : [operators];
  return list.map((o) => operatorConfigOf(o));
}

function isContainer(value: unknown): value is Container {
  const c = value as Partial<Container>;
  return typeof c.get === 'function' && typeof c.bind === 'function' && typeof c.isBound === 'function';
}

/** A DNS-label prefix short enough to leave room for the suffix. */
function dnsPrefix(name: string): string {
  const cleaned = name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .slice(0, 40)
    .replace(/^-+|-+$/g, '');
  return cleaned || 'operon-test';
}

function knownTypes(configs: readonly OperatorConfig<unknown>[]): ResourceType[] {
  return configs.flatMap((c) => [
    c.parent.type,
    ...c.children.map((ref) => ref.type),
    ...(c.related ?? []).map((ref) => ref.type),
  ]);
}

/** Finds the resource of an object: the operators' own types first, then API discovery. */
class ResourceResolver {
  private readonly discovered = new Map<string, ResourceType>();

  constructor(
    private readonly api: ApiClient,
    private readonly known: readonly ResourceType[],
  ) {}

  async resolve(obj: KubeObject): Promise<Pick<ResourceType, 'group' | 'version' | 'plural' | 'namespaced'>> {
    const { apiVersion, kind } = obj;
    if (!apiVersion || !kind) {
      throw new Error(
        `The object needs apiVersion and kind to be found in the API; got ${JSON.stringify(obj).slice(0, 200)}`,
      );
    }
    const own = this.known.find((t) => t.apiVersion === apiVersion && t.kind === kind);
    if (own) return own;
    const key = `${apiVersion}/${kind}`;
    const cached = this.discovered.get(key);
    if (cached) return cached;
    const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
    // A CRD installed a moment ago may take a moment to show in discovery.
    const deadline = Date.now() + 5_000;
    for (;;) {
      const list = await this.api
        .request<{ resources: { kind: string; name: string; namespaced: boolean }[] }>({
          method: 'GET',
          path: group ? `/apis/${apiVersion}` : `/api/${version}`,
        })
        .catch((e: unknown) => {
          if (ApiError.isNotFound(e)) return { resources: [] };
          throw e;
        });
      const found = list.resources.find((r) => r.kind === kind && !r.name.includes('/'));
      if (found) {
        const type = {
          group: group ?? '',
          version: version ?? '',
          plural: found.name,
          namespaced: found.namespaced,
        };
        this.discovered.set(key, type as ResourceType);
        return type;
      }
      if (Date.now() > deadline) throw new Error(`The API server does not serve ${kind} in ${apiVersion}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** Deletes the created objects and the parents in the namespace, and waits until they are gone. */
async function deleteParents(
  api: ApiClient,
  resolver: ResourceResolver,
  configs: readonly OperatorConfig<unknown>[],
  namespace: string,
  created: readonly KubeObject[],
  timeoutMs: number,
): Promise<void> {
  const collections = parentCollections(configs, namespace);
  for (const path of collections) await ignoreNotFound(api.request({ method: 'DELETE', path }));
  const objects: string[] = [];
  for (const obj of [...created].reverse()) {
    const type = await resolver.resolve(obj);
    const path = resourcePath(type, { namespace: obj.metadata?.namespace, name: obj.metadata?.name });
    objects.push(path);
    await ignoreNotFound(api.request({ method: 'DELETE', path }));
  }
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let left = 0;
    for (const path of collections) {
      const list = await ignoreNotFound(api.request<{ items: unknown[] }>({ method: 'GET', path }));
      left += list?.items.length ?? 0;
    }
    for (const path of objects) {
      // Only objects still held by a finalizer count: their deletion is in progress.
      const live = await ignoreNotFound(api.request<KubeObject>({ method: 'GET', path }));
      if (live?.metadata?.deletionTimestamp) left++;
    }
    if (left === 0 || Date.now() > deadline) return;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Removes the finalizers from every parent in the namespace and every created object left. */
async function dropFinalizers(
  api: ApiClient,
  resolver: ResourceResolver,
  configs: readonly OperatorConfig<unknown>[],
  namespace: string,
  created: readonly KubeObject[],
): Promise<void> {
  const paths = new Set<string>();
  for (const path of parentCollections(configs, namespace)) {
    const list = await ignoreNotFound(api.request<{ items: KubeObject[] }>({ method: 'GET', path }));
    for (const item of list?.items ?? [])
      if (item.metadata?.finalizers?.length) paths.add(`${path}/${item.metadata.name}`);
  }
  for (const obj of created) {
    const type = await resolver.resolve(obj);
    paths.add(resourcePath(type, { namespace: obj.metadata?.namespace, name: obj.metadata?.name }));
  }
  for (const path of paths) {
    const live = await ignoreNotFound(api.request<KubeObject>({ method: 'GET', path }));
    if (!live?.metadata?.finalizers?.length) continue;
    await ignoreNotFound(
      api.request({
        method: 'PATCH',
        path,
        contentType: 'application/merge-patch+json',
        body: { metadata: { finalizers: null } },
      }),
    );
  }
}

function parentCollections(configs: readonly OperatorConfig<unknown>[], namespace: string): string[] {
  const paths = configs
    .filter((c) => c.parent.type.namespaced)
    .map((c) => resourcePath(c.parent.type, { namespace }));
  return [...new Set(paths)];
}

async function ignoreNotFound<T>(request: Promise<T>): Promise<T | undefined> {
  try {
    return await request;
  } catch (e) {
    if (ApiError.isNotFound(e)) return undefined;
    throw e;
  }
}
