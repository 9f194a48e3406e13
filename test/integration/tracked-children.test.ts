// Children a namespaced parent cannot own (issue 14, part 2), on the real API server: the Tenant
// example's Namespace, ResourceQuota (in that Namespace) and ClusterRoleBinding carry the Tenant's
// UID label instead of an owner reference; Operon adds its finalizer before the first of them
// exists, brings back one that is deleted, deletes one sync stops returning, leaves alone a
// same-named object it does not track, and deletes all of them when the Tenant is deleted.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Container } from 'inversify';
import { TenantOperator } from '../../examples/tenant/tenant.js';
import { type KubeObject, Operon, type OperonHost } from '../../src/index.js';
import { ApiError } from '../../src/runtime/api/api-error.js';
import { installOperatorCrds } from '../../src/testkit/install.js';
import { eventually, type TestCluster, useTestCluster } from '../support/cluster.js';

const TENANTS = '/apis/example.com/v1alpha1';
const FINALIZER = 'tenants.example.com/finalizer';

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

describe('children in other namespaces and cluster-scoped children of a namespaced parent', () => {
  let c: TestCluster;
  let host: OperonHost;
  const id = randomBytes(3).toString('hex');
  const tenantNs = `tenant-${id}`;
  const takenNs = `taken-${id}`;
  const binding = () => `tenant-${c.namespace}-acme-${id}-view`;

  const get = (path: string) => c.find(path);
  const tenantPath = (name: string) => `${TENANTS}/namespaces/${c.namespace}/tenants/${name}`;
  const namespace = (name: string) => get(`/api/v1/namespaces/${name}`);
  const quota = () => get(`/api/v1/namespaces/${tenantNs}/resourcequotas/tenant-quota`);
  const crb = () => get(`/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/${binding()}`);
  const synced = async (name: string) =>
    (
      (await get(tenantPath(name))) as { status?: { conditions?: Condition[] } } | undefined
    )?.status?.conditions?.find((x) => x.type === 'Synced');
  const createTenant = (name: string, spec: object) =>
    c.api.request<KubeObject>({
      method: 'POST',
      path: `${TENANTS}/namespaces/${c.namespace}/tenants`,
      body: { apiVersion: 'example.com/v1alpha1', kind: 'Tenant', metadata: { name }, spec },
    });
  const quietly = (p: Promise<unknown>) =>
    p.catch((e) => {
      if (!ApiError.isNotFound(e)) throw e;
    });

  before(async () => {
    c = await useTestCluster('tracked');
    await installOperatorCrds(c.kubeConfig, [TenantOperator]);
    const container = new Container({ defaultScope: 'Singleton' });
    container.bind(TenantOperator).toSelf();
    host = await Operon.run(container, { kubeConfig: c.kubeConfig, resyncIntervalMs: 0 });
  });
  after(async () => {
    await host?.stop();
    // Whatever a failed assertion left: the Tenants without their finalizer, then the children.
    for (const name of [`acme-${id}`, `squatter-${id}`]) {
      await quietly(
        c.api.request({
          method: 'PATCH',
          path: tenantPath(name),
          contentType: 'application/merge-patch+json',
          body: { metadata: { finalizers: null } },
        }),
      );
      await quietly(c.api.request({ method: 'DELETE', path: tenantPath(name) }));
    }
    for (const path of [
      `/api/v1/namespaces/${tenantNs}`,
      `/api/v1/namespaces/${takenNs}`,
      `/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/${binding()}`,
    ]) {
      await quietly(c.api.request({ method: 'DELETE', path }));
    }
    await c.cleanup();
  });

  it('creates, repairs, prunes and finally deletes the children it tracks, and only those', async () => {
    const tenant = await createTenant(`acme-${id}`, {
      namespace: tenantNs,
      admins: ['alice'],
      quota: { cpu: '4', memory: '8Gi' },
    });
    const uid = tenant.metadata?.uid;
    await eventually(async () => (await synced(`acme-${id}`))?.status === 'True', {
      what: 'the Tenant Synced',
    });
    const live = await get(tenantPath(`acme-${id}`));
    assert.deepEqual(live?.metadata?.finalizers, [FINALIZER], 'Operon added its finalizer');
    for (const child of [await namespace(tenantNs), await quota(), await crb()]) {
      assert.ok(child, 'every child exists');
      assert.equal(child.metadata?.ownerReferences, undefined, `${child.kind} has no owner reference`);
      assert.equal(
        child.metadata?.labels?.['operon.dev/parent-uid'],
        uid,
        `${child.kind} names the Tenant's UID`,
      );
      assert.equal(child.metadata?.annotations?.['operon.dev/parent'], `${c.namespace}/acme-${id}`);
    }

    // A tracked child deleted by someone comes back: its deletion event finds the Tenant.
    const before = (await quota())?.metadata?.uid;
    await c.api.request({
      method: 'DELETE',
      path: `/api/v1/namespaces/${tenantNs}/resourcequotas/tenant-quota`,
    });
    await eventually(
      async () => {
        const q = await quota();
        return q !== undefined && q.metadata?.uid !== before;
      },
      { what: 'the ResourceQuota created again' },
    );

    // A child sync stops returning is deleted, although no owner reference ties it to the Tenant.
    await c.api.request({
      method: 'PATCH',
      path: tenantPath(`acme-${id}`),
      contentType: 'application/merge-patch+json',
      body: { spec: { admins: [] } },
    });
    await eventually(async () => (await crb()) === undefined, { what: 'the ClusterRoleBinding deleted' });

    // Deleting the Tenant deletes what the garbage collector cannot: the ResourceQuota and the
    // Namespace (the namespace controller then empties it), and the Tenant goes once they are asked to.
    await c.api.request({ method: 'DELETE', path: tenantPath(`acme-${id}`) });
    await eventually(async () => (await get(tenantPath(`acme-${id}`))) === undefined, {
      what: 'the Tenant gone (finalizer removed)',
    });
    const ns = await namespace(tenantNs);
    assert.ok(
      ns === undefined || ns.metadata?.deletionTimestamp,
      'the Namespace is deleted or being deleted when the finalizer goes',
    );
    await eventually(async () => (await namespace(tenantNs)) === undefined, {
      what: 'the Namespace and its ResourceQuota gone',
      timeoutMs: 90_000,
    });
  });

  it('never touches a same-named object it does not track, and leaves it behind on deletion', async () => {
    await c.api.request({
      method: 'POST',
      path: '/api/v1/namespaces',
      body: {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: takenNs, labels: { owner: 'someone' } },
      },
    });
    await createTenant(`squatter-${id}`, {
      namespace: takenNs,
      admins: [],
      quota: { cpu: '1', memory: '1Gi' },
    });
    const condition = await eventually(
      async () => {
        const s = await synced(`squatter-${id}`);
        return s?.status === 'False' && s.reason === 'NameConflict' ? s : undefined;
      },
      { what: 'Synced=False with reason NameConflict' },
    );
    assert.match(
      condition.message ?? '',
      new RegExp(`Namespace "${takenNs}" already exists and is not controlled`),
    );
    const taken = await namespace(takenNs);
    assert.deepEqual(taken?.metadata?.labels, { owner: 'someone', 'kubernetes.io/metadata.name': takenNs });

    await c.api.request({ method: 'DELETE', path: tenantPath(`squatter-${id}`) });
    await eventually(async () => (await get(tenantPath(`squatter-${id}`))) === undefined, {
      what: 'the conflicting Tenant gone',
    });
    // The ResourceQuota it did create in that Namespace was its own, and went with it.
    await eventually(
      async () => (await get(`/api/v1/namespaces/${takenNs}/resourcequotas/tenant-quota`)) === undefined,
      { what: "the squatter's ResourceQuota deleted" },
    );
    const after = await namespace(takenNs);
    assert.ok(after && !after.metadata?.deletionTimestamp, 'the Namespace it did not track is untouched');
  });
});
