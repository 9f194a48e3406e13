import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PatchType } from '../../src/runtime/api/api-client.js';
import { InformerRegistry } from '../../src/runtime/informers/informer-registry.js';
import type { InformerHandler } from '../../src/runtime/informers/shared-informer.js';
import { ConfigMap, Secret } from '../../src/types/builtins.js';
import type { KubeObject } from '../../src/types/kube-object.js';
import { eventually, type TestCluster, useTestCluster } from '../support/cluster.js';

/** Records `add name`, `update name`, `delete name` for objects whose name starts with `prefix`. */
function recorder(prefix: string): { events: string[]; handler: InformerHandler<KubeObject> } {
  const events: string[] = [];
  const mine = (o: KubeObject): boolean => o.metadata?.name?.startsWith(prefix) === true;
  return {
    events,
    handler: {
      onAdd: (o) => {
        if (mine(o)) events.push(`add ${o.metadata?.name}`);
      },
      onUpdate: (_old, o) => {
        if (mine(o)) events.push(`update ${o.metadata?.name}`);
      },
      onDelete: (o) => {
        if (mine(o)) events.push(`delete ${o.metadata?.name}`);
      },
    },
  };
}

describe('informers on a real API server', () => {
  let c: TestCluster;
  let registry: InformerRegistry;
  const cmPath = (name = ''): string =>
    `/api/v1/namespaces/${c.namespace}/configmaps${name ? `/${name}` : ''}`;
  const createCm = (name: string, labels: Record<string, string> = {}): Promise<unknown> =>
    c.api.request({
      method: 'POST',
      path: cmPath(),
      body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels }, data: { v: '1' } },
    });

  before(async () => {
    c = await useTestCluster('inf');
    registry = new InformerRegistry(c.api, { stallTimeoutMs: 90_000 });
    registry.start();
  });
  after(async () => {
    await registry.stop();
    await c.cleanup();
  });

  it('lists what exists, then sees add, update and delete in its namespace', async () => {
    await createCm('t-pre');
    const informer = registry.informerFor(ConfigMap, { namespace: c.namespace });
    const rec = recorder('t-');
    informer.addHandler(rec.handler);
    await informer.waitForSync(AbortSignal.timeout(15_000));
    assert.deepEqual(rec.events, ['add t-pre']);

    await createCm('t-one');
    await eventually(() => rec.events.includes('add t-one'), { what: 'the add', timeoutMs: 10_000 });
    await c.api.request({
      method: 'PATCH',
      path: cmPath('t-one'),
      body: { data: { v: '2' } },
      contentType: PatchType.merge,
    });
    await eventually(() => rec.events.includes('update t-one'), { what: 'the update', timeoutMs: 10_000 });
    const cached = informer.store.get(`${c.namespace}/t-one`) as KubeObject & {
      data?: Record<string, string>;
    };
    assert.equal(cached.data?.v, '2');
    assert.equal(cached.kind, 'ConfigMap');
    assert.equal(cached.metadata?.managedFields, undefined, 'managedFields are stripped');
    const listed = informer.store.get(`${c.namespace}/t-pre`);
    assert.equal(listed?.kind, 'ConfigMap', 'list items get their kind too');

    await c.api.request({ method: 'DELETE', path: cmPath('t-one') });
    await eventually(() => rec.events.includes('delete t-one'), { what: 'the delete', timeoutMs: 10_000 });
    assert.equal(informer.store.get(`${c.namespace}/t-one`), undefined);
    assert.deepEqual(rec.events, ['add t-pre', 'add t-one', 'update t-one', 'delete t-one']);
    const h = informer.health();
    assert.equal(h.errors, 0);
    assert.equal(h.lists, 1);
    assert.equal(h.watching, true);
  });

  it('gives two callers asking for the same type and scope one informer and one watch', async () => {
    const secretsPath = `/api/v1/namespaces/${c.namespace}/secrets`;
    const seen: string[] = [];
    const off = c.api.onRequest((r) => {
      if (r.path === secretsPath) seen.push(r.verb);
    });
    try {
      const a = registry.informerFor(Secret, { namespace: c.namespace });
      const b = registry.informerFor(Secret, { namespace: c.namespace });
      assert.equal(a, b);
      await b.waitForSync(AbortSignal.timeout(15_000));
      await eventually(() => a.health().watching, { what: 'the watch to open', timeoutMs: 10_000 });
      assert.deepEqual(seen, ['list', 'watch']);
    } finally {
      off();
    }
  });

  it('a labelSelector-scoped informer holds only matching objects, and sees one leave when relabelled', async () => {
    const informer = registry.informerFor(ConfigMap, { namespace: c.namespace, labelSelector: 'pick=yes' });
    const rec = recorder('s-');
    informer.addHandler(rec.handler);
    await informer.waitForSync(AbortSignal.timeout(15_000));
    await createCm('s-other', { pick: 'no' });
    await createCm('s-picked', { pick: 'yes' });
    await eventually(() => rec.events.includes('add s-picked'), {
      what: 'the labelled add',
      timeoutMs: 10_000,
    });
    assert.deepEqual(
      informer.store.list().map((o) => o.metadata?.name),
      ['s-picked'],
    );

    await c.api.request({
      method: 'PATCH',
      path: cmPath('s-picked'),
      body: { metadata: { labels: { pick: 'no' } } },
      contentType: PatchType.merge,
    });
    await eventually(() => rec.events.includes('delete s-picked'), {
      what: 'the object to leave',
      timeoutMs: 10_000,
    });
    assert.equal(informer.store.size, 0);
    assert.deepEqual(rec.events, ['add s-picked', 'delete s-picked']);
    assert.notEqual(informer, registry.informerFor(ConfigMap, { namespace: c.namespace }));
  });
});
