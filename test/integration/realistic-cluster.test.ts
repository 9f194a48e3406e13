// The local cluster behaves like a real one: workload controllers, a scheduler, kubelets (KWOK)
// that run Pods and end them over their grace period, and the API server's default admission.
// Each test uses plain API calls, as kubectl would; nothing of Operon's runtime is involved.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { V1Deployment, V1Pod, V1PodList } from '@kubernetes/client-node';
import { ApiError } from '../../src/runtime/api/api-error.js';
import { eventually, type TestCluster, useTestCluster } from '../support/cluster.js';

const local = process.env.OPERON_TEST_LOCAL === '1';

function pod(name: string, extra: Partial<V1Pod['spec']> = {}): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app: name } },
    spec: { containers: [{ name: 'app', image: 'registry.k8s.io/pause:3.10' }], ...extra },
  };
}

describe('a realistic cluster', () => {
  let c: TestCluster;
  before(async () => {
    c = await useTestCluster('real');
  });
  after(() => c.cleanup());

  it('runs a Deployment to readyReplicas == replicas within 30 s, and replaces a deleted Pod', async () => {
    const path = `/apis/apps/v1/namespaces/${c.namespace}/deployments`;
    const deployment: V1Deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { containers: [{ name: 'app', image: 'registry.k8s.io/pause:3.10' }] },
        },
      },
    };
    await c.api.request({ method: 'POST', path, body: deployment });
    await eventually(
      async () => {
        const d = await c.api.request<V1Deployment>({ method: 'GET', path: `${path}/web` });
        return d.status?.readyReplicas === 2;
      },
      { timeoutMs: 30_000, what: 'Deployment web to have 2 ready replicas' },
    );

    const pods = async () =>
      (
        await c.api.request<V1PodList>({
          method: 'GET',
          path: `/api/v1/namespaces/${c.namespace}/pods`,
          query: { labelSelector: 'app=web' },
        })
      ).items;
    const before = await pods();
    assert.equal(before.length, 2);
    for (const p of before) {
      assert.equal(p.status?.phase, 'Running');
      assert.ok(p.spec?.nodeName?.startsWith('kwok-node-'), 'scheduled onto a simulated Node');
      assert.match(p.status?.podIP ?? '', /^10\.244\./, 'an IP from the Node podCIDR');
    }
    const victim = before[0]!.metadata!.name!;
    await c.api.request({
      method: 'DELETE',
      path: `/api/v1/namespaces/${c.namespace}/pods/${victim}`,
      body: { apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 0 },
    });
    const replacement = await eventually(
      async () => {
        const now = await pods();
        return now.find(
          (p) =>
            !before.some((b) => b.metadata?.uid === p.metadata?.uid) &&
            p.status?.conditions?.some((cond) => cond.type === 'Ready' && cond.status === 'True'),
        );
      },
      { timeoutMs: 30_000, what: 'a Ready replacement Pod' },
    );
    assert.notEqual(replacement.metadata?.name, victim);
  });

  it('admits a Pod in a fresh namespace with its token volume and the two default tolerations', async () => {
    const created = await c.api.request<V1Pod>({
      method: 'POST',
      path: `/api/v1/namespaces/${c.namespace}/pods`,
      body: pod('admitted', { tolerations: [{ key: 'example.com/special', operator: 'Exists' }] }),
    });
    assert.equal(created.spec?.serviceAccountName, 'default');
    const tokenVolume = created.spec?.volumes?.find((v) => v.name.startsWith('kube-api-access-'));
    assert.ok(tokenVolume?.projected, 'a projected kube-api-access-* volume');
    assert.ok(
      created.spec?.containers[0]?.volumeMounts?.some(
        (m) => m.name === tokenVolume.name && m.mountPath === '/var/run/secrets/kubernetes.io/serviceaccount',
      ),
    );
    const tolerations = created.spec?.tolerations ?? [];
    assert.equal(tolerations.length, 3, 'the Pod own toleration plus two from DefaultTolerationSeconds');
    for (const key of ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable']) {
      assert.ok(
        tolerations.some((t) => t.key === key && t.effect === 'NoExecute' && t.tolerationSeconds === 300),
        `toleration ${key}`,
      );
    }
  });

  it('keeps a deleted Pod Terminating over its grace period before it disappears, like a kubelet', async () => {
    const path = `/api/v1/namespaces/${c.namespace}/pods`;
    await c.api.request({
      method: 'POST',
      path,
      body: pod('graceful', { terminationGracePeriodSeconds: 8 }),
    });
    await eventually(
      async () =>
        (await c.api.request<V1Pod>({ method: 'GET', path: `${path}/graceful` })).status?.phase === 'Running',
      { what: 'Pod graceful to run' },
    );
    const deletedAt = Date.now();
    await c.api.request({ method: 'DELETE', path: `${path}/graceful` }); // the Pod's own grace period
    const terminating = await c.api.request<V1Pod>({ method: 'GET', path: `${path}/graceful` });
    assert.ok(terminating.metadata?.deletionTimestamp, 'deletionTimestamp is set');
    await new Promise((r) => setTimeout(r, 3_000));
    const still = await c.api.request<V1Pod>({ method: 'GET', path: `${path}/graceful` });
    assert.equal(still.metadata?.uid, terminating.metadata?.uid, 'still there 3 s into an 8 s grace period');
    await eventually(
      async () => {
        try {
          await c.api.request({ method: 'GET', path: `${path}/graceful` });
          return false;
        } catch (e) {
          return ApiError.isNotFound(e);
        }
      },
      { timeoutMs: 30_000, what: 'Pod graceful to disappear' },
    );
    const seconds = (Date.now() - deletedAt) / 1000;
    assert.ok(seconds >= 5, `gone after ${seconds} s, not before its grace period ran out`);
  });

  it('gives every namespace its default ServiceAccount and the kube-root-ca.crt ConfigMap', async () => {
    await eventually(async () => {
      await c.api.request({
        method: 'GET',
        path: `/api/v1/namespaces/${c.namespace}/serviceaccounts/default`,
      });
      await c.api.request({
        method: 'GET',
        path: `/api/v1/namespaces/${c.namespace}/configmaps/kube-root-ca.crt`,
      });
      return true;
    });
  });

  it('has room for more than 254 ClusterIP Services', {
    skip: !local && 'sizes the local cluster only',
  }, async () => {
    const path = `/api/v1/namespaces/${c.namespace}/services`;
    const names = Array.from({ length: 300 }, (_, i) => `svc-${i}`);
    for (let i = 0; i < names.length; i += 20) {
      await Promise.all(
        names.slice(i, i + 20).map((name) =>
          c.api.request({
            method: 'POST',
            path,
            body: {
              apiVersion: 'v1',
              kind: 'Service',
              metadata: { name },
              spec: { selector: { app: name }, ports: [{ port: 80 }] },
            },
          }),
        ),
      );
    }
    const list = await c.api.request<{ items: unknown[] }>({ method: 'GET', path });
    assert.equal(list.items.length, 300);
  });
});
