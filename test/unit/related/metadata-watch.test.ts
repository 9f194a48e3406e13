// A related type is watched metadata-only and shared: the watch asks the API server for
// PartialObjectMetadata and caches nothing else, one informer serves every user of a type and scope
// (a full-object one where some user needs whole objects), and only the selected objects are read
// and held whole.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { relatedRef } from '../../../src/config/related-ref.js';
import type { ApiClient, ApiRequest } from '../../../src/runtime/api/api-client.js';
import { InformerRegistry } from '../../../src/runtime/informers/informer-registry.js';
import { RelatedWatches } from '../../../src/runtime/related/related-watches.js';
import type { ResolvedSelection } from '../../../src/runtime/related/selection.js';
import { ConfigMap, Secret } from '../../../src/types/builtins.js';
import type { KubeObject } from '../../../src/types/kube-object.js';
import { resourceTypeId } from '../../../src/types/resource-type.js';
import { FakeApiServer, fast, page, status, until, type WatchConn } from '../informers/fake-api-server.js';

/** A Secret as a LIST answers it without `as=PartialObjectMetadata` (data and all). */
const secret = (name: string, rv: string, labels?: Record<string, string>): KubeObject =>
  ({
    metadata: {
      name,
      namespace: 'ns',
      resourceVersion: rv,
      uid: `uid-${name}`,
      ...(labels ? { labels } : {}),
    },
    type: 'Opaque',
    data: { password: Buffer.from(`${name}@${rv}`).toString('base64') },
  }) as KubeObject;
const byName = (name: string): ResolvedSelection => ({
  type: Secret,
  typeId: resourceTypeId(Secret),
  namespace: 'ns',
  name,
});
const password = (o: KubeObject | undefined) => {
  const data = (o as { data?: { password?: string } } | undefined)?.data?.password;
  return data === undefined ? undefined : Buffer.from(data, 'base64').toString();
};

/** Records the `Accept` and path of every request the client sends (LIST, GET, WATCH). */
function recordRequests(api: ApiClient): { path: string; accept: string | undefined; watch: boolean }[] {
  const seen: { path: string; accept: string | undefined; watch: boolean }[] = [];
  const request = api.request.bind(api);
  const stream = api.stream.bind(api);
  api.request = <T>(req: ApiRequest) => {
    seen.push({ path: req.path, accept: req.accept, watch: false });
    return request<T>(req);
  };
  api.stream = (req) => {
    seen.push({ path: req.path, accept: req.accept, watch: true });
    return stream(req);
  };
  return seen;
}

/** The LIST answers `items`; a GET of one Secret answers it (or 404). Full objects, always. */
function serve(server: FakeApiServer, items: () => KubeObject[]): void {
  server.onList = () => {
    const name = /\/secrets\/([^/]+)$/.exec(server.requests.at(-1)?.path ?? '')?.[1];
    if (name === undefined) return page('10', items());
    const found = items().find((o) => o.metadata?.name === name);
    return found ? { body: found } : { status: 404, body: status(404, 'NotFound', `${name} not found`) };
  };
}

describe('metadata-only related watches', () => {
  it('asks for PartialObjectMetadata, caches only metadata, and holds only selected Secrets whole', async () => {
    const server = await new FakeApiServer().start();
    const api = server.client();
    const seen = recordRequests(api);
    const registry = new InformerRegistry(api, fast);
    let conn: WatchConn | undefined;
    const items = Array.from({ length: 50 }, (_, i) => secret(`s${i}`, '1'));
    // `kubectl apply` leaves the whole Secret, data included, in an annotation.
    const applied = secret('applied', '1');
    items.push({
      ...applied,
      metadata: {
        ...applied.metadata,
        annotations: {
          'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify(applied),
          'example.com/kept': 'yes',
        },
      },
    });
    try {
      serve(server, () => items);
      server.onWatch = (c) => {
        conn = c;
        c.open();
      };
      const ref = relatedRef(Secret, () => undefined, 'password');
      const queued: string[] = [];
      const a = new RelatedWatches(registry, [ref], ['ns'], ConfigMap, (k) => queued.push(k));
      const b = new RelatedWatches(registry, [ref], ['ns'], ConfigMap, (k) => queued.push(k));
      registry.start();
      await registry.waitForSync();
      await until(() => conn !== undefined, 'the watch');

      const [informer, ...others] = registry.informers();
      assert.equal(others.length, 0, 'one informer for both operators');
      assert.equal(informer?.metadataOnly, true);
      assert.deepEqual(
        seen.map((r) => [r.watch ? 'watch' : 'list', r.accept]),
        [
          ['list', 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json'],
          ['watch', 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json'],
        ],
      );
      // The fake answered with whole Secrets (as a server without the meta.k8s.io representation
      // would): the cache still holds metadata only.
      assert.equal(informer?.store.size, 51);
      assert.ok(
        informer?.store.list().every((o) => Object.keys(o).sort().join() === 'apiVersion,kind,metadata'),
      );
      assert.deepEqual(informer?.store.get('ns/s1'), {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 's1', namespace: 'ns', resourceVersion: '1', uid: 'uid-s1' },
      });
      assert.deepEqual(
        informer?.store.get('ns/applied')?.metadata?.annotations,
        { 'example.com/kept': 'yes' },
        'no copy of the data in the last-applied annotation',
      );

      // Operators A and B select s1; A also s2. Only those are read, once each.
      a.track('ns/p1', [byName('s1')]);
      a.track('ns/p2', [byName('s2')]);
      b.track('ns/q1', [byName('s1')]);
      assert.equal(password((await a.objects(byName('s1')))[0]), 's1@1');
      assert.equal(password((await b.objects(byName('s1')))[0]), 's1@1');
      assert.equal(password((await a.objects(byName('s2')))[0]), 's2@1');
      assert.deepEqual(await a.objects(byName('missing')), []);
      const gets = () => seen.filter((r) => !r.watch && /\/secrets\/./.test(r.path)).map((r) => r.path);
      assert.deepEqual(gets(), ['/api/v1/namespaces/ns/secrets/s1', '/api/v1/namespaces/ns/secrets/s2']);
      assert.equal(a.fetchedCopies(), 2, 'two whole Secrets in memory, for both operators');
      assert.ok(
        seen.filter((r) => !r.watch && /\/secrets\/./.test(r.path)).every((r) => r.accept === undefined),
        'a GET asks for the whole object',
      );

      // A change queues the parents and makes the copy stale; the next read fetches the new one.
      const changed = secret('s1', '2');
      items[1] = changed;
      conn?.event('MODIFIED', { ...changed, apiVersion: 'v1', kind: 'Secret' });
      await until(() => queued.length === 2, 'the change');
      assert.deepEqual(queued.sort(), ['ns/p1', 'ns/q1']);
      assert.equal(a.fetchedCopies(), 1, 'the stale copy went');
      assert.equal(password((await a.objects(byName('s1')))[0]), 's1@2');
      assert.equal(gets().length, 3);

      // p2 selects something else: s2 is held by nobody and goes. p1 goes: B still holds s1.
      a.track('ns/p2', [byName('s3')]);
      assert.equal(a.fetchedCopies(), 1);
      a.forget('ns/p1');
      assert.equal(a.fetchedCopies(), 1, 'operator B still selects s1');
      b.forget('ns/q1');
      assert.equal(a.fetchedCopies(), 0);

      // A deleted Secret reads as undefined at once, even if the GET would still find it.
      a.track('ns/p3', [byName('s4')]);
      assert.equal((await a.objects(byName('s4'))).length, 1);
      conn?.event('DELETED', { ...secret('s4', '3'), apiVersion: 'v1', kind: 'Secret' });
      await until(() => informer?.store.get('ns/s4') === undefined, 'the delete');
      assert.equal(a.fetchedCopies(), 0);
      assert.deepEqual(await a.objects(byName('s4')), []);
      a.stop();
      b.stop();
    } finally {
      await registry.stop();
      await server.close();
    }
  });

  it('shares one informer per type and scope whatever the order users come in', async () => {
    const server = await new FakeApiServer().start();
    const registry = new InformerRegistry(server.client(), fast);
    try {
      serve(server, () => [secret('s1', '1')]);
      // A full-object user first: a metadata user gets it.
      const full = registry.informerFor(ConfigMap, { namespace: 'ns' });
      assert.equal(registry.metadataInformerFor(ConfigMap, { namespace: 'ns' }), full);
      assert.equal(full.metadataOnly, false);

      // A metadata user first: a full-object user before start widens the same informer.
      const meta = registry.metadataInformerFor(Secret, { namespace: 'ns' });
      assert.equal(meta.metadataOnly, true);
      assert.equal(registry.informerFor(Secret, { namespace: 'ns' }), meta);
      assert.equal(meta.metadataOnly, false);
      assert.equal(registry.informers().length, 2);

      // After start, a full-object user of a running metadata-only informer gets a second one.
      const late = registry.metadataInformerFor(Secret, { namespace: 'other' });
      registry.start();
      const second = registry.informerFor(Secret, { namespace: 'other' });
      assert.notEqual(second, late);
      assert.equal(late.metadataOnly, true);
      assert.equal(second.metadataOnly, false);
      assert.equal(registry.metadataInformerFor(Secret, { namespace: 'other' }), second);
      assert.equal(registry.informers().length, 4, 'both are listed (and stopped with the registry)');
      await registry.waitForSync();
      assert.equal(
        (meta.store.get('ns/s1') as { data?: unknown } | undefined)?.data !== undefined,
        true,
        'the widened informer holds whole objects',
      );
    } finally {
      await registry.stop();
      await server.close();
    }
  });

  it('reads a relation served by a full-object informer from its cache, with no GET', async () => {
    const server = await new FakeApiServer().start();
    const api = server.client();
    const seen = recordRequests(api);
    const registry = new InformerRegistry(api, fast);
    try {
      serve(server, () => [secret('s1', '1')]);
      const ref = relatedRef(Secret, () => undefined, 'password');
      const watches = new RelatedWatches(registry, [ref], ['ns'], ConfigMap, () => undefined);
      // Another operator's parents are Secrets (registered later, before start).
      registry.informerFor(Secret, { namespace: 'ns' });
      registry.start();
      await registry.waitForSync();
      watches.track('ns/p', [byName('s1')]);
      assert.equal(password((await watches.objects(byName('s1')))[0]), 's1@1');
      assert.deepEqual(
        seen.map((r) => `${r.watch ? 'watch' : 'list'} ${r.accept ?? 'json'}`),
        ['list json', 'watch json'],
        'one full-object watch, no GET',
      );
      assert.equal(watches.fetchedCopies(), 0);
      watches.stop();
    } finally {
      await registry.stop();
      await server.close();
    }
  });
});
