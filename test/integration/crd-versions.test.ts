// CRD versions on the local cluster: a parent stored as v1alpha1, worked on as v1. The API server (a
// process on this machine) calls the operator's conversion webhook over TLS at
// https://127.0.0.1:<port> — the URL `operon manifests --webhook-url` wrote into the CRD — verifying
// it with the caBundle the operator generated and patched into the CRD, with only the generated RBAC.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { Container } from 'inversify';
import { declarationsFromClasses } from '../../src/generate/from-classes.js';
import { generateManifests } from '../../src/generate/manifests.js';
import { Operator, Operon, type OperonHost, Sync, type SyncRequest } from '../../src/index.js';
import type { RequestRecord } from '../../src/runtime/api/api-client.js';
import { serviceAccountKubeConfig } from '../../src/testkit/control-plane.js';
import { applyObjects, installCrds } from '../../src/testkit/install.js';
import type { KubeObject } from '../../src/types/kube-object.js';
import type { SyncResponse } from '../../src/types/sync.js';
import { CRDS_PATH, conversionWebhookPath } from '../../src/webhooks/index.js';
import { eventually, type TestCluster, useTestCluster } from '../support/cluster.js';
import { freePort, selfPath } from '../support/local-webhook.js';
import { Shard, type ShardSpecV1, TLS_ANNOTATION } from '../support/shard-versions.js';

interface Seen {
  apiVersion: string | undefined;
  name: string | undefined;
  spec: object;
}
const seen: Seen[] = [];

@Operator({ parent: Shard, name: 'shards' })
class ShardOperator {
  @Sync()
  sync(req: SyncRequest<ShardSpecV1>): SyncResponse {
    const { host, port, replicas, tls } = req.parent.spec;
    seen.push({
      apiVersion: req.parent.apiVersion,
      name: req.parent.metadata.name,
      spec: { host, port, replicas, ...(tls === undefined ? {} : { tls }) },
    });
    return { status: { endpoint: `${host}:${port}` }, children: [] };
  }
}

type ShardObject = KubeObject & { spec: Record<string, unknown>; status?: Record<string, unknown> };

describe('CRD versions with conversion on the local cluster', {
  skip: process.env.OPERON_TEST_LOCAL === '0',
}, () => {
  let c: TestCluster;
  let name: string;
  let host: OperonHost | undefined;
  const forbidden: RequestRecord[] = [];
  const clusterScoped: string[] = [];
  const crd = `${CRDS_PATH}/shards.versions.operon.test`;
  const path = (version: string, n = '') =>
    `/apis/versions.operon.test/${version}/namespaces/${c.namespace}/shards${n ? `/${n}` : ''}`;
  const get = (version: string, n: string) =>
    c.api.request<ShardObject>({ method: 'GET', path: path(version, n) });

  before(async () => {
    c = await useTestCluster('crdv');
    name = `crdv-${c.namespace}`;
    const port = await freePort();
    const url = `https://127.0.0.1:${port}`;
    // What `operon manifests --webhook-url <url> -w <ns>` prints, but the Deployment: the operator
    // runs here, as a process outside the cluster.
    const objects = generateManifests(declarationsFromClasses([ShardOperator]), {
      name,
      namespace: c.namespace,
      image: 'unused',
      entry: 'unused',
      watchNamespaces: [c.namespace],
      webhook: { url },
    }).filter((o) => o.kind !== 'Deployment');
    const [definition, ...rest] = objects;
    assert.equal(definition?.kind, 'CustomResourceDefinition');
    await installCrds(c.kubeConfig, [definition as KubeObject]);
    await applyObjects(c.kubeConfig, rest);
    for (const o of rest)
      if (!o.metadata?.namespace && o.kind !== 'ServiceAccount') clusterScoped.push(selfPath(o));

    const account = await serviceAccountKubeConfig(c.kubeConfig, { namespace: c.namespace, name });
    const container = new Container();
    container.bind(ShardOperator).toSelf().inSingletonScope();
    host = Operon.create(container, {
      kubeConfig: account,
      namespaces: [c.namespace],
      resyncIntervalMs: 0,
      webhook: { host: '127.0.0.1', port, url, name, namespace: c.namespace },
    });
    host.api.onRequest((r) => {
      if (r.code === 403) forbidden.push(r);
    });
    await host.start();
  });

  after(async () => {
    // Objects first, while the webhook still answers: listing them in another version needs it.
    await c.api.request({ method: 'DELETE', path: path('v1alpha1') }).catch(() => undefined);
    await host?.stop();
    for (const p of clusterScoped) await c.api.request({ method: 'DELETE', path: p }).catch(() => undefined);
    await c.api.request({ method: 'DELETE', path: crd }).catch(() => undefined);
    await c.cleanup();
  });

  const alphaSpec = { hostPort: 'db.local:5432', replicas: 2 };

  it('keeps the CRD pointed at the operator with its CA, with only the generated RBAC', async () => {
    const live = await c.api.request<{
      spec: {
        conversion: { strategy: string; webhook: { clientConfig: { url: string; caBundle?: string } } };
      };
    }>({ method: 'GET', path: crd });
    assert.equal(live.spec.conversion.strategy, 'Webhook');
    assert.equal(live.spec.conversion.webhook.clientConfig.url.endsWith(conversionWebhookPath(Shard)), true);
    const secret = await c.api.request<{ data: Record<string, string> }>({
      method: 'GET',
      path: `/api/v1/namespaces/${c.namespace}/secrets/${name}-webhook-cert`,
    });
    assert.equal(live.spec.conversion.webhook.clientConfig.caBundle, secret.data['ca-bundle.crt']);
    // The next check finds the CRD as it wants it, and writes nothing.
    const writes: RequestRecord[] = [];
    host?.api.onRequest((r) => {
      if (r.method !== 'GET') writes.push(r);
    });
    await host?.webhook?.check();
    assert.deepEqual(writes, []);
    assert.deepEqual(forbidden, [], 'the generated RBAC is enough');
  });

  it('stores an object created as v1alpha1, reads it as v1, and back as v1alpha1 without loss', async () => {
    const body = {
      apiVersion: 'versions.operon.test/v1alpha1',
      kind: 'Shard',
      metadata: { name: 'web', labels: { tier: 'db' } },
      spec: alphaSpec,
    };
    // Creating validates in v1 (the validating webhook's version), so it converts: wait until the
    // API server trusts the CA the operator just wrote into the CRD.
    await eventually(
      () =>
        c.api
          .request({ method: 'POST', path: path('v1alpha1'), query: { dryRun: 'All' }, body })
          .then(() => true),
      { what: 'the API server to call the conversion webhook with the new caBundle', timeoutMs: 20_000 },
    );
    const created = await c.api.request<ShardObject>({ method: 'POST', path: path('v1alpha1'), body });
    assert.deepEqual(created.spec, alphaSpec);

    const v1 = await get('v1', 'web');
    assert.equal(v1.apiVersion, 'versions.operon.test/v1');
    assert.deepEqual(v1.spec, { host: 'db.local', port: 5432, replicas: 2 });
    // (Not resourceVersion: the operator may have written the status meanwhile.)
    for (const field of ['uid', 'creationTimestamp', 'generation'] as const)
      assert.equal(v1.metadata?.[field], created.metadata?.[field], `metadata.${field} is kept`);
    assert.deepEqual(v1.metadata?.labels, { tier: 'db' });

    // Written back through v1, stored as v1alpha1 again: exactly what was created. (Read again on a
    // conflict: the operator's status write changes the resourceVersion.)
    await eventually(
      async () => {
        const fresh = await get('v1', 'web');
        await c.api.request({ method: 'PUT', path: path('v1', 'web'), body: fresh });
        return true;
      },
      { what: 'a PUT through v1' },
    );
    const back = await get('v1alpha1', 'web');
    assert.equal(back.apiVersion, 'versions.operon.test/v1alpha1');
    assert.deepEqual(back.spec, alphaSpec);
    assert.deepEqual(back.metadata?.labels, { tier: 'db' });
    assert.equal(back.metadata?.annotations, undefined);
    assert.ok((host?.webhook?.conversionReviews ?? 0) > 0, 'the API server called the conversion webhook');
  });

  it('keeps a field only v1 has through v1alpha1 storage', async () => {
    await c.api.request({
      method: 'POST',
      path: path('v1'),
      body: {
        apiVersion: 'versions.operon.test/v1',
        kind: 'Shard',
        metadata: { name: 'secure' },
        spec: { host: 'db.local', port: 6432, replicas: 1, tls: true },
      },
    });
    const stored = await get('v1alpha1', 'secure');
    assert.deepEqual(stored.spec, { hostPort: 'db.local:6432', replicas: 1 });
    assert.equal(stored.metadata?.annotations?.[TLS_ANNOTATION], 'true');
    const v1 = await get('v1', 'secure');
    assert.deepEqual(v1.spec, { host: 'db.local', port: 6432, replicas: 1, tls: true });
    assert.equal(v1.metadata?.annotations, undefined);
  });

  it("gives sync the operator's version, and its status survives the other version's storage", async () => {
    await eventually(() => seen.some((s) => s.name === 'secure'), { what: 'both parents synced' });
    assert.deepEqual(seen.filter((s) => s.name === 'web')[0], {
      apiVersion: 'versions.operon.test/v1',
      name: 'web',
      spec: { host: 'db.local', port: 5432, replicas: 2 },
    });
    assert.ok(seen.every((s) => s.apiVersion === 'versions.operon.test/v1'));
    assert.deepEqual(seen.find((s) => s.name === 'secure')?.spec, {
      host: 'db.local',
      port: 6432,
      replicas: 1,
      tls: true,
    });
    // Written through v1's status subresource, stored in v1alpha1, read in both.
    const alpha = await eventually(
      async () => {
        const o = await get('v1alpha1', 'web');
        return o.status?.endpoint ? o : undefined;
      },
      { what: "the operator's status write" },
    );
    assert.equal(alpha.status?.endpoint, 'db.local:5432');
    assert.equal((await get('v1', 'web')).status?.endpoint, 'db.local:5432');
    assert.deepEqual(alpha.spec, alphaSpec, 'the status write left the spec as it was');
  });

  it('serves both versions: lists on both API paths, and kubectl get shards.v1alpha1.<group>', async () => {
    const list = async (version: string) =>
      (await c.api.request<{ items: ShardObject[] }>({ method: 'GET', path: path(version) })).items;
    const alpha = await list('v1alpha1');
    const v1 = await list('v1');
    assert.deepEqual(
      alpha.map((o) => [o.apiVersion, o.metadata?.name]),
      [
        ['versions.operon.test/v1alpha1', 'secure'],
        ['versions.operon.test/v1alpha1', 'web'],
      ],
    );
    assert.deepEqual(
      v1.map((o) => [o.apiVersion, o.metadata?.name, o.spec.port]),
      [
        ['versions.operon.test/v1', 'secure', 6432],
        ['versions.operon.test/v1', 'web', 5432],
      ],
    );

    // The system kubectl, when there is one, with the test cluster's kubeconfig.
    const kubeconfig = process.env.OPERON_TEST_KUBECONFIG ?? '';
    const kubectl = (...args: string[]) =>
      promisify(execFile)('kubectl', ['--kubeconfig', kubeconfig, '-n', c.namespace, ...args], {
        timeout: 20_000,
      });
    const available = await kubectl('version', '--client').then(
      () => true,
      () => false,
    );
    if (!available) return; // the API paths above are what kubectl requests
    for (const [resource, version, field] of [
      ['shards.v1alpha1.versions.operon.test', 'v1alpha1', 'hostPort'],
      ['shards.v1.versions.operon.test', 'v1', 'host'],
    ] as const) {
      const { stdout } = await kubectl('get', resource, 'web', '-o', 'json');
      const o = JSON.parse(stdout) as ShardObject;
      assert.equal(o.apiVersion, `versions.operon.test/${version}`);
      assert.ok(field in o.spec, `${resource} has spec.${field}`);
    }
  });
});
