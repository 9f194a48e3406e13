// The reverse index from related objects to parents, and the watches that use it: a change to a
// related object queues exactly the parents whose selection names or matches it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { relatedRef } from '../../../src/config/related-ref.js';
import { InformerRegistry } from '../../../src/runtime/informers/informer-registry.js';
import { RelatedIndex } from '../../../src/runtime/related/related-index.js';
import { RelatedWatches } from '../../../src/runtime/related/related-watches.js';
import type { ResolvedSelection } from '../../../src/runtime/related/selection.js';
import { ConfigMap, Secret } from '../../../src/types/builtins.js';
import type { KubeObject } from '../../../src/types/kube-object.js';
import type { LabelSelector } from '../../../src/types/related.js';
import { type ResourceType, resourceTypeId } from '../../../src/types/resource-type.js';
import {
  cm,
  FakeApiServer,
  fast,
  page,
  sleepMs,
  status,
  until,
  type WatchConn,
} from '../informers/fake-api-server.js';

const SECRETS = resourceTypeId(Secret);
const CONFIGMAPS = resourceTypeId(ConfigMap);

const byName = (name: string, namespace = 'ns', type: ResourceType = Secret): ResolvedSelection => ({
  type,
  typeId: resourceTypeId(type),
  namespace,
  name,
});
const bySelector = (
  selector: LabelSelector,
  namespace = 'ns',
  type: ResourceType = Secret,
): ResolvedSelection => ({
  type,
  typeId: resourceTypeId(type),
  namespace,
  selector,
});
const obj = (name: string, namespace = 'ns', labels?: Record<string, string>): KubeObject => ({
  metadata: { name, namespace, ...(labels ? { labels } : {}) },
});
const parents = (index: RelatedIndex, typeId: string, o: KubeObject) =>
  [...index.parentsOf(typeId, o)].sort();

describe('RelatedIndex', () => {
  it('maps a named object to exactly the parents naming it, per type and namespace', () => {
    const index = new RelatedIndex();
    index.set('ns/a', [byName('pw')]);
    index.set('ns/b', [byName('pw'), byName('tls')]);
    index.set('ns/c', [byName('other')]);
    assert.deepEqual(parents(index, SECRETS, obj('pw')), ['ns/a', 'ns/b']);
    assert.deepEqual(parents(index, SECRETS, obj('tls')), ['ns/b']);
    assert.deepEqual(parents(index, SECRETS, obj('unrelated')), []);
    assert.deepEqual(parents(index, SECRETS, obj('pw', 'elsewhere')), [], 'another namespace');
    assert.deepEqual(parents(index, CONFIGMAPS, obj('pw')), [], 'another type');
  });

  it('evaluates selectors only for the object’s namespace, on its labels', () => {
    const index = new RelatedIndex();
    index.set('ns/a', [bySelector({ matchLabels: { team: 'a' } })]);
    index.set('ns/b', [bySelector({ matchExpressions: [{ key: 'team', operator: 'Exists' }] })]);
    index.set('other/c', [bySelector({ matchLabels: { team: 'a' } }, 'other')]);
    assert.deepEqual(parents(index, SECRETS, obj('x', 'ns', { team: 'a' })), ['ns/a', 'ns/b']);
    assert.deepEqual(parents(index, SECRETS, obj('x', 'ns', { team: 'b' })), ['ns/b']);
    assert.deepEqual(parents(index, SECRETS, obj('x', 'ns')), []);
    assert.deepEqual(parents(index, SECRETS, obj('x', 'other', { team: 'a' })), ['other/c']);
  });

  it('replaces a parent’s selection as a whole, and forgets it', () => {
    const index = new RelatedIndex();
    index.set('ns/a', [byName('old'), bySelector({ matchLabels: { v: '1' } })]);
    index.set('ns/a', [byName('new')]);
    assert.deepEqual(parents(index, SECRETS, obj('old')), []);
    assert.deepEqual(parents(index, SECRETS, obj('x', 'ns', { v: '1' })), []);
    assert.deepEqual(parents(index, SECRETS, obj('new')), ['ns/a']);
    assert.equal(index.size, 1);
    index.set('ns/a', []);
    assert.equal(index.size, 0, 'selecting nothing keeps nothing');
    index.set('ns/a', [byName('new')]);
    index.forget('ns/a');
    index.forget('ns/never-known');
    assert.deepEqual(parents(index, SECRETS, obj('new')), []);
    assert.equal(index.size, 0);
    assert.deepEqual(index.selectionsOf('ns/a'), []);
  });

  it('keys cluster-scoped objects without a namespace', () => {
    const index = new RelatedIndex();
    index.set('ns/a', [{ ...byName('shop'), namespace: undefined }]);
    assert.deepEqual(parents(index, SECRETS, { metadata: { name: 'shop' } }), ['ns/a']);
  });
});

/**
 * Answers the LIST of ConfigMaps with `items`, and a GET of one of them (a relation reading a
 * selected object in full) with that item.
 */
function serve(server: FakeApiServer, items: KubeObject[]): void {
  server.onList = () => {
    const name = /\/configmaps\/([^/]+)$/.exec(server.requests.at(-1)?.path ?? '')?.[1];
    if (name === undefined) return page('10', items);
    const found = items.find((o) => o.metadata?.name === name);
    return found ? { body: found } : { status: 404, body: status(404, 'NotFound', `${name} not found`) };
  };
}

describe('RelatedWatches', () => {
  const configMap = (name: string, rv: string, labels?: Record<string, string>): KubeObject => {
    const base = cm(name, rv);
    return {
      ...base,
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { ...base.metadata, ...(labels ? { labels } : {}) },
    };
  };

  it('queues exactly the parents a change concerns, over one shared watch', async () => {
    const server = await new FakeApiServer().start();
    const registry = new InformerRegistry(server.client(), fast);
    let conn: WatchConn | undefined;
    const queuedA: string[] = [];
    const queuedB: string[] = [];
    const settings = relatedRef(ConfigMap, () => undefined, 'settings');
    const parentType = Secret; // any type other than ConfigMap
    try {
      serve(server, [configMap('a', '1'), configMap('labelled', '2', { team: 'x' })]);
      server.onWatch = (c) => {
        conn = c;
        c.open();
      };
      // Two operators relating to ConfigMaps in one namespace.
      const a = new RelatedWatches(registry, [settings], ['ns'], parentType, (k) => queuedA.push(k));
      const b = new RelatedWatches(
        registry,
        [settings, { ...settings, property: 'more' }],
        ['ns'],
        parentType,
        (k) => queuedB.push(k),
      );
      registry.start();
      await registry.waitForSync();
      await until(() => conn !== undefined, 'the watch');
      assert.equal(registry.informers().length, 1, 'one informer for both operators and both relations');
      assert.equal(server.watches().length, 1);
      assert.deepEqual([...queuedA, ...queuedB], [], 'nothing is queued before a parent selected anything');

      a.track('ns/p1', [byName('a', 'ns', ConfigMap)]);
      a.track('ns/p2', [bySelector({ matchLabels: { team: 'x' } }, 'ns', ConfigMap)]);
      a.track('ns/p3', [byName('zzz', 'ns', ConfigMap)]);
      b.track('ns/q1', [byName('a', 'ns', ConfigMap)]);

      // Reads come from the shared cache.
      assert.deepEqual(
        (await a.objects(byName('a', 'ns', ConfigMap))).map((o) => o.metadata?.name),
        ['a'],
      );
      assert.deepEqual(
        (await a.objects(bySelector({ matchLabels: { team: 'x' } }, 'ns', ConfigMap))).map(
          (o) => o.metadata?.name,
        ),
        ['labelled'],
      );
      assert.deepEqual(await a.objects(byName('a', 'elsewhere', ConfigMap)), []);

      conn?.event('MODIFIED', configMap('a', '11'));
      await until(() => queuedA.length === 1 && queuedB.length === 1, 'the events');
      assert.deepEqual(queuedA, ['ns/p1']);
      assert.deepEqual(queuedB, ['ns/q1']);

      conn?.event('MODIFIED', configMap('unrelated', '12'));
      conn?.event('ADDED', configMap('new', '13', { team: 'x' }));
      await until(() => queuedA.length === 2, 'the selector match');
      // The label goes: the parent whose selector matched the old state must run too.
      conn?.event('MODIFIED', configMap('new', '14'));
      await until(() => queuedA.length === 3, 'the selector un-match');
      conn?.event('MODIFIED', configMap('new', '15', { team: 'y' })); // matches neither before nor after
      conn?.event('MODIFIED', configMap('new', '16', { team: 'x' })); // starts matching
      await until(() => queuedA.length === 4, 'the selector match by the new state');
      conn?.event('DELETED', configMap('a', '17'));
      await until(() => queuedA.length === 5, 'the delete');
      await sleepMs(50);
      assert.deepEqual(queuedA, ['ns/p1', 'ns/p2', 'ns/p2', 'ns/p2', 'ns/p1']);
      assert.deepEqual(queuedB, ['ns/q1', 'ns/q1']);

      // A forgotten parent is not queued again; stopping removes the handlers.
      a.forget('ns/p1');
      b.stop();
      conn?.event('ADDED', configMap('a', '18'));
      await sleepMs(50);
      assert.deepEqual(queuedA.length, 5);
      assert.deepEqual(queuedB.length, 2);
      a.stop();
    } finally {
      await registry.stop();
      await server.close();
    }
  });

  it('never queues a parent for a change to itself through a relation to its own type', async () => {
    const server = await new FakeApiServer().start();
    const registry = new InformerRegistry(server.client(), fast);
    let conn: WatchConn | undefined;
    const queued: string[] = [];
    try {
      serve(server, [cm('self', '1'), cm('primary', '2')]);
      server.onWatch = (c) => {
        conn = c;
        c.open();
      };
      const peers = relatedRef(ConfigMap, () => undefined, 'peers');
      // The parent type is ConfigMap itself, watched in all namespaces.
      const watches = new RelatedWatches(registry, [peers], [undefined], ConfigMap, (k) => queued.push(k));
      registry.start();
      await registry.waitForSync();
      await until(() => conn !== undefined, 'the watch');
      watches.track('ns/self', [bySelector({}, 'ns', ConfigMap)]);
      watches.track('ns/primary', [byName('self', 'ns', ConfigMap)]);
      assert.deepEqual(
        (await watches.objects(bySelector({}, 'ns', ConfigMap))).map((o) => o.metadata?.name).sort(),
        ['primary', 'self'],
        'a namespace of an all-namespace informer is read through its index',
      );
      conn?.event('MODIFIED', configMap('self', '11'));
      await until(() => queued.length >= 1, 'the event');
      await sleepMs(50);
      assert.deepEqual(queued, ['ns/primary']);
    } finally {
      await registry.stop();
      await server.close();
    }
  });
});
