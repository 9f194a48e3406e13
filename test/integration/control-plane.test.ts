import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { KubeConfig } from '@kubernetes/client-node';
import { ApiClient } from '../../src/runtime/api/api-client.js';
import { ApiError } from '../../src/runtime/api/api-error.js';
import { serviceAccountKubeConfig, startControlPlane } from '../../src/testkit/control-plane.js';
import { eventually, type TestCluster, useTestCluster } from '../support/cluster.js';

const local = process.env.OPERON_TEST_LOCAL === '1';
const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

describe('the local control plane', () => {
  let c: TestCluster;
  before(async () => {
    c = await useTestCluster('cp');
  });
  after(() => c.cleanup());

  it('reports the Kubernetes version it was built from on /version', async () => {
    const v = await c.api.request<{ gitVersion: string; major: string; minor: string }>({
      method: 'GET',
      path: '/version',
    });
    assert.match(v.gitVersion, /^v1\.\d+\.\d+/);
    if (local) {
      const goMod = readFileSync(join(repoRoot, 'controlplane', 'go.mod'), 'utf8');
      const built = /k8s\.io\/kubernetes (v[\d.]+)/.exec(goMod)?.[1];
      assert.equal(v.gitVersion, built);
    }
  });

  it('serves a CRD: create, list, watch (ADDED, MODIFIED, DELETED), status subresource, delete', async () => {
    const group = `${c.namespace}.operon.test`;
    const crdName = `widgets.${group}`;
    await c.api.request({
      method: 'POST',
      path: '/apis/apiextensions.k8s.io/v1/customresourcedefinitions',
      body: {
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name: crdName },
        spec: {
          group,
          scope: 'Namespaced',
          names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
          versions: [
            {
              name: 'v1',
              served: true,
              storage: true,
              subresources: { status: {} },
              schema: {
                openAPIV3Schema: {
                  type: 'object',
                  properties: {
                    spec: { type: 'object', properties: { size: { type: 'integer' } } },
                    status: { type: 'object', properties: { phase: { type: 'string' } } },
                  },
                },
              },
            },
          ],
        },
      },
    });
    try {
      const base = `/apis/${group}/v1/namespaces/${c.namespace}/widgets`;
      await eventually(
        async () => {
          const crd = await c.api.request<{ status?: { conditions?: { type: string; status: string }[] } }>({
            method: 'GET',
            path: `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crdName}`,
          });
          return crd.status?.conditions?.some((x) => x.type === 'Established' && x.status === 'True');
        },
        { what: 'the CRD to be established' },
      );
      const list0 = await eventually(
        () => c.api.request<{ metadata: { resourceVersion: string } }>({ method: 'GET', path: base }),
        { what: 'the CRD to be served' },
      );

      const seen: string[] = [];
      const ac = new AbortController();
      const res = await c.api.stream({
        path: base,
        query: { watch: 1, resourceVersion: list0.metadata.resourceVersion },
        signal: ac.signal,
      });
      let buf = '';
      res.on('data', (d: Buffer) => {
        buf += d.toString();
        for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
          seen.push((JSON.parse(buf.slice(0, i)) as { type: string }).type);
          buf = buf.slice(i + 1);
        }
      });
      res.on('error', () => {});

      await c.api.request({
        method: 'POST',
        path: base,
        body: { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'w1' }, spec: { size: 1 } },
      });
      const listed = await c.api.request<{ items: { metadata: { name: string } }[] }>({
        method: 'GET',
        path: base,
      });
      assert.deepEqual(
        listed.items.map((i) => i.metadata.name),
        ['w1'],
      );

      await c.api.request({
        method: 'PATCH',
        path: `${base}/w1/status`,
        contentType: 'application/merge-patch+json',
        body: { status: { phase: 'Ready' } },
      });
      // A status write through the main resource is ignored when the subresource is enabled.
      await c.api.request({
        method: 'PATCH',
        path: `${base}/w1`,
        contentType: 'application/merge-patch+json',
        body: { status: { phase: 'Ignored' }, spec: { size: 2 } },
      });
      const w1 = await c.api.request<{ spec: { size: number }; status: { phase: string } }>({
        method: 'GET',
        path: `${base}/w1`,
      });
      assert.equal(w1.status.phase, 'Ready');
      assert.equal(w1.spec.size, 2);

      await c.api.request({ method: 'DELETE', path: `${base}/w1` });
      await eventually(() => seen.includes('DELETED'), { what: 'a DELETED watch event' });
      ac.abort();
      assert.deepEqual(seen, ['ADDED', 'MODIFIED', 'MODIFIED', 'DELETED']);
    } finally {
      await c.api.request({
        method: 'DELETE',
        path: `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crdName}`,
      });
    }
  });

  it('enforces RBAC for a service account', async () => {
    const other = await useTestCluster('cp-other');
    try {
      for (const ns of [c.namespace, other.namespace]) {
        await c.api.request({
          method: 'POST',
          path: `/api/v1/namespaces/${ns}/configmaps`,
          body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' } },
        });
      }
      const kc = await serviceAccountKubeConfig(c.kubeConfig, {
        namespace: c.namespace,
        name: 'reader',
        rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }],
      });
      const sa = new ApiClient(kc);
      try {
        const cm = await sa.request<{ metadata: { name: string } }>({
          method: 'GET',
          path: `/api/v1/namespaces/${c.namespace}/configmaps/cm`,
        });
        assert.equal(cm.metadata.name, 'cm');
        await assert.rejects(
          sa.request({ method: 'GET', path: `/api/v1/namespaces/${c.namespace}/configmaps` }),
          (e) => e instanceof ApiError && e.status === 403,
        );
        await assert.rejects(
          sa.request({ method: 'GET', path: `/api/v1/namespaces/${other.namespace}/configmaps/cm` }),
          (e) => e instanceof ApiError && e.status === 403,
        );
      } finally {
        sa.close();
      }
    } finally {
      await other.cleanup();
    }
  });

  it('garbage-collects a dependent when its owner is deleted', async () => {
    const base = `/api/v1/namespaces/${c.namespace}/configmaps`;
    const owner = await c.api.request<{ metadata: { uid: string } }>({
      method: 'POST',
      path: base,
      body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'owner' } },
    });
    await c.api.request({
      method: 'POST',
      path: base,
      body: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: {
          name: 'dependent',
          ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata.uid }],
        },
      },
    });
    await c.api.request({ method: 'DELETE', path: `${base}/owner` });
    await eventually(
      async () => {
        try {
          await c.api.request({ method: 'GET', path: `${base}/dependent` });
          return false;
        } catch (e) {
          return ApiError.isNotFound(e);
        }
      },
      { timeoutMs: 30_000, what: 'the garbage collector to delete the dependent' },
    );
  });

  it('completes the deletion of a namespace', async () => {
    const t = await useTestCluster('cp-ns');
    await t.api.request({
      method: 'POST',
      path: `/api/v1/namespaces/${t.namespace}/configmaps`,
      body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } },
    });
    await t.cleanup();
    await eventually(
      async () => {
        try {
          await c.api.request({ method: 'GET', path: `/api/v1/namespaces/${t.namespace}` });
          return false;
        } catch (e) {
          return ApiError.isNotFound(e);
        }
      },
      { timeoutMs: 60_000, what: `namespace ${t.namespace} to be deleted` },
    );
  });
});

describe('startControlPlane', {
  skip: local ? false : 'the tests run against an external cluster, not the local control plane',
}, () => {
  it('runs two control planes at once, and stop() leaves no process and no folder', async () => {
    const [a, b] = await Promise.all([
      startControlPlane({ useExistingCluster: false }),
      startControlPlane({ useExistingCluster: false }),
    ]);
    const dirs = [a.dir!, b.dir!];
    try {
      assert.notEqual(a.kubeconfigPath, b.kubeconfigPath);
      for (const cp of [a, b]) {
        const api = new ApiClient(cp.kubeConfig);
        const ns = await api.request<{ items: unknown[] }>({ method: 'GET', path: '/api/v1/namespaces' });
        assert.ok(ns.items.length > 0);
        api.close();
      }
      // etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok
      assert.ok(processesIn(dirs[0]) >= 5 && processesIn(dirs[1]) >= 5);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
    for (const d of dirs) {
      assert.equal(existsSync(d), false, `${d} should be removed`);
      assert.equal(processesIn(d), 0, `no process of ${d} should be left`);
    }
  });
});

describe('npx operon cluster', {
  skip: local ? false : 'the tests run against an external cluster, not the local control plane',
}, () => {
  it('up starts a control plane in the background and prints its kubeconfig; down stops it', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'operon-cli-')), 'cluster');
    const cli = (...args: string[]) =>
      execFileSync(process.execPath, [join(repoRoot, 'bin', 'operon.js'), 'cluster', ...args, '--dir', dir], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      }).trim();
    try {
      const kubeconfig = cli('up');
      assert.equal(kubeconfig, join(dir, 'admin.kubeconfig'));
      assert.equal(cli('status'), kubeconfig);
      const kc = new KubeConfig();
      kc.loadFromFile(kubeconfig);
      const api = new ApiClient(kc);
      const ns = await api.request<{ items: unknown[] }>({ method: 'GET', path: '/api/v1/namespaces' });
      api.close();
      assert.ok(ns.items.length > 0);
      assert.ok(processesIn(dir) >= 3, 'the control plane keeps running after `up` returns');
    } finally {
      cli('down');
    }
    assert.equal(existsSync(dir), false);
    assert.equal(processesIn(dir), 0);
  });
});

function processesIn(dir: string): number {
  try {
    return execFileSync('pgrep', ['-f', dir]).toString().trim().split('\n').filter(Boolean).length;
  } catch {
    return 0;
  }
}
