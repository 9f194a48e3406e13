// startOperator runs an operator against the test cluster in a fresh namespace, with its CRD
// installed, and stops cleanly: the parents are finalized while it still runs, then the host stops
// and the namespace goes.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { V1Namespace, V1Pod, V1Service } from '@kubernetes/client-node';
import { Container } from 'inversify';
import { EchoImage, EchoServerOperator } from '../../examples/echo-server/echo-server.js';
import { ApiClient } from '../../src/runtime/api/api-client.js';
import { ApiError } from '../../src/runtime/api/api-error.js';
import { eventually } from '../../src/testkit/eventually.js';
import { type OperatorFixture, startOperator } from '../../src/testkit/start-operator.js';
import { conditionTrue } from '../../src/types/conditions.js';
import type { KubeObject } from '../../src/types/kube-object.js';

const echo = (name: string, spec: object) => ({
  apiVersion: 'example.com/v1alpha1',
  kind: 'EchoServer',
  metadata: { name },
  spec,
});

describe('startOperator', () => {
  let op: OperatorFixture;
  let finalized = 0;
  before(async () => {
    const operator = new EchoServerOperator(new EchoImage());
    const finalize = operator.finalize.bind(operator);
    operator.finalize = (req) => {
      finalized++;
      return finalize(req);
    };
    op = await startOperator(operator, { resyncIntervalMs: 0 });
  });
  after(() => op?.stop());

  it('runs the operator in a fresh namespace of its own, with the CRD installed', async () => {
    assert.match(op.namespace, /^echo-server-[0-9a-f]{8}$/);
    const ns = await op.get<V1Namespace>(`/api/v1/namespaces/${op.namespace}`);
    assert.equal(ns.metadata?.labels?.['operon.dev/test'], 'true');
    assert.equal(op.host.ready, true);
    assert.deepEqual(op.host.operators, ['echo-server']);
  });

  it('creates objects in its namespace and reads them by object or path, until they converge', async () => {
    const created = await op.create(echo('web', { message: 'hi', replicas: 2 }));
    assert.equal(created.metadata?.namespace, op.namespace);
    const service = await eventually(
      () => op.get<V1Service>({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' } }),
      { what: 'the Service web' },
    );
    assert.equal(service.metadata?.ownerReferences?.[0]?.uid, created.metadata?.uid);
    await eventually(
      async () => {
        const parent = await op.get(created);
        assert.ok(conditionTrue(parent, 'Synced'), JSON.stringify((parent as { status?: unknown }).status));
        return true;
      },
      { what: 'web to be Synced' },
    );
    const pods = await op.api.request<{ items: V1Pod[] }>({
      method: 'GET',
      path: `/api/v1/namespaces/${op.namespace}/pods`,
      query: { labelSelector: 'example.com/echo-server=web' },
    });
    assert.equal(pods.items.length, 2);
  });

  it('reads objects of any kind through discovery, and rejects with a 404 for a missing one', async () => {
    const sa = await op.get({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default' } });
    assert.equal(sa.metadata?.namespace, op.namespace);
    await assert.rejects(op.get({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'nope' } }), (e) =>
      ApiError.isNotFound(e),
    );
  });

  it('stops cleanly: parents finalized while the operator runs, host stopped, namespace deleted', async () => {
    const { api, namespace, host } = op;
    const before = finalized;
    await op.stop();
    assert.ok(finalized > before, 'finalize ran for the parent before the host stopped');
    assert.equal(host.ready, false);
    const ns = await api
      .request<V1Namespace>({ method: 'GET', path: `/api/v1/namespaces/${namespace}` })
      .catch((e: unknown) => (ApiError.isNotFound(e) ? undefined : Promise.reject(e)));
    assert.ok(ns === undefined || ns.metadata?.deletionTimestamp, 'the namespace is being deleted');
    await op.stop(); // twice is fine
  });
});

describe('startOperator with an InversifyJS container', () => {
  it('runs the operators bound in it, and leaves nothing behind when stopped', async () => {
    const container = new Container({ defaultScope: 'Singleton' });
    container.bind(EchoImage).toSelf();
    container.bind(EchoServerOperator).toSelf();
    const op = await startOperator(container, { namespacePrefix: 'Echo Container', installCrds: false });
    let namespace = '';
    try {
      namespace = op.namespace;
      assert.match(namespace, /^echo-container-[0-9a-f]{8}$/);
      const parent = await op.create(echo('solo', { message: 'x' }));
      await eventually(async () => conditionTrue(await op.get(parent), 'Synced'), {
        what: 'solo to be Synced',
      });
    } finally {
      await op.stop();
    }
    const api = new ApiClient(op.kubeConfig, 'operon-tests');
    await eventually(
      async () => {
        const list = await api
          .request<{ items: KubeObject[] }>({
            method: 'GET',
            path: `/apis/example.com/v1alpha1/namespaces/${namespace}/echoservers`,
          })
          .catch(() => ({ items: [] }));
        return list.items.length === 0;
      },
      { what: 'the parents to be gone', timeoutMs: 5_000 },
    );
    api.close();
  });
});
