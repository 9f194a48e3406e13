import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OWNER_UID_INDEX, Store } from '../../../src/runtime/informers/store.js';
import { parentUidIndex as ownerUidIndex } from '../../../src/runtime/planner/ownership.js';
import type { KubeObject } from '../../../src/types/kube-object.js';

function obj(
  name: string,
  rv: string,
  extra: Partial<NonNullable<KubeObject['metadata']>> = {},
  ns = 'ns',
): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: ns, resourceVersion: rv, ...extra },
  };
}

function owned(name: string, rv: string, ownerUid: string, controller = true): KubeObject {
  return obj(name, rv, {
    ownerReferences: [{ apiVersion: 'x/v1', kind: 'P', name: 'p', uid: ownerUid, controller }],
  });
}

const names = (objs: KubeObject[]): string[] => objs.map((o) => o.metadata?.name ?? '').sort();

describe('Store', () => {
  it('keys objects by namespace/name, or name when cluster-scoped', () => {
    const s = new Store<KubeObject>();
    s.upsert(obj('a', '1'));
    s.upsert(obj('n1', '1', {}, ''));
    assert.equal(s.size, 2);
    assert.deepEqual(s.keys().sort(), ['n1', 'ns/a']);
    assert.equal(s.get('ns/a')?.metadata?.name, 'a');
    assert.equal(s.get('n1')?.metadata?.name, 'n1');
    assert.equal(s.get('ns/missing'), undefined);
    assert.deepEqual(names(s.list()), ['a', 'n1']);
  });

  it('strips managedFields without touching the caller’s metadata, and freezes the stored copy', () => {
    const s = new Store<KubeObject & { data?: Record<string, string> }>();
    const input = {
      ...obj('a', '1', { managedFields: [{ manager: 'kubectl', operation: 'Apply' }] }),
      data: { k: 'v' },
    };
    const { stored } = s.upsert(input);
    assert.equal(stored.metadata?.managedFields, undefined);
    assert.equal(s.get('ns/a')?.metadata?.managedFields, undefined);
    assert.equal(input.metadata?.managedFields?.length, 1, 'the input metadata object is not modified');
    assert.ok(Object.isFrozen(stored) && Object.isFrozen(stored.metadata) && Object.isFrozen(stored.data));
    assert.throws(() => {
      (stored.data as Record<string, string>).k = 'changed';
    }, TypeError);
  });

  it('upsert reports the previous object; remove returns what it removed', () => {
    const s = new Store<KubeObject>();
    assert.equal(s.upsert(obj('a', '1')).previous, undefined);
    assert.equal(s.upsert(obj('a', '2')).previous?.metadata?.resourceVersion, '1');
    assert.equal(s.remove('ns/a')?.metadata?.resourceVersion, '2');
    assert.equal(s.remove('ns/a'), undefined);
    assert.equal(s.size, 0);
  });

  it('indexes by controller owner UID, ignoring non-controller owners', () => {
    const s = new Store<KubeObject>();
    s.addIndex(OWNER_UID_INDEX, ownerUidIndex);
    s.upsert(owned('c1', '1', 'p1'));
    s.upsert(owned('c2', '1', 'p1'));
    s.upsert(owned('c3', '1', 'p1', false));
    s.upsert(obj('plain', '1'));
    assert.deepEqual(names(s.byIndex(OWNER_UID_INDEX, 'p1')), ['c1', 'c2']);
    assert.deepEqual(s.byIndex(OWNER_UID_INDEX, 'nobody'), []);
  });

  it('files objects already present when an index is added later', () => {
    const s = new Store<KubeObject>();
    s.upsert(owned('c1', '1', 'p1'));
    s.upsert(owned('c2', '1', 'p2'));
    s.addIndex(OWNER_UID_INDEX, ownerUidIndex);
    assert.deepEqual(names(s.byIndex(OWNER_UID_INDEX, 'p1')), ['c1']);
    assert.deepEqual(names(s.byIndex(OWNER_UID_INDEX, 'p2')), ['c2']);
  });

  it('moves index entries on update and drops them on delete', () => {
    const s = new Store<KubeObject>();
    s.addIndex(OWNER_UID_INDEX, ownerUidIndex);
    s.upsert(owned('c1', '1', 'p1'));
    s.upsert(owned('c1', '2', 'p2'));
    assert.deepEqual(s.byIndex(OWNER_UID_INDEX, 'p1'), []);
    assert.deepEqual(names(s.byIndex(OWNER_UID_INDEX, 'p2')), ['c1']);
    s.remove('ns/c1');
    assert.deepEqual(s.byIndex(OWNER_UID_INDEX, 'p2'), []);
  });

  it('supports multi-valued indexes', () => {
    const s = new Store<KubeObject>();
    s.addIndex('label-values', (o) => Object.values(o.metadata?.labels ?? {}));
    s.upsert(obj('a', '1', { labels: { x: 'red', y: 'blue' } }));
    s.upsert(obj('b', '1', { labels: { x: 'red' } }));
    assert.deepEqual(names(s.byIndex('label-values', 'red')), ['a', 'b']);
    assert.deepEqual(names(s.byIndex('label-values', 'blue')), ['a']);
    s.upsert(obj('a', '2', { labels: { x: 'green' } }));
    assert.deepEqual(names(s.byIndex('label-values', 'red')), ['b']);
    assert.deepEqual(s.byIndex('label-values', 'blue'), []);
  });

  it('rejects queries of unknown indexes and conflicting index definitions', () => {
    const s = new Store<KubeObject>();
    assert.throws(() => s.byIndex('nope', 'x'), /No index named "nope"/);
    s.addIndex(OWNER_UID_INDEX, ownerUidIndex);
    s.addIndex(OWNER_UID_INDEX, ownerUidIndex);
    assert.throws(() => s.addIndex(OWNER_UID_INDEX, () => []), /already exists/);
  });

  it('survives an index function that throws', () => {
    const s = new Store<KubeObject>();
    s.addIndex('fragile', (o) => {
      if (o.metadata?.name === 'bad') throw new Error('boom');
      return ['v'];
    });
    s.upsert(obj('bad', '1'));
    s.upsert(obj('good', '1'));
    assert.equal(s.size, 2);
    assert.deepEqual(names(s.byIndex('fragile', 'v')), ['good']);
    s.remove('ns/bad');
    assert.equal(s.size, 1);
  });

  it('replace reports adds, real updates and deletes, and keeps unchanged instances', () => {
    const s = new Store<KubeObject>();
    s.addIndex(OWNER_UID_INDEX, ownerUidIndex);
    s.upsert(owned('same', '1', 'p1'));
    s.upsert(owned('changed', '1', 'p1'));
    s.upsert(owned('gone', '1', 'p1'));
    const before = s.get('ns/same');

    const diff = s.replace([owned('same', '1', 'p1'), owned('changed', '5', 'p2'), owned('new', '6', 'p1')]);

    assert.deepEqual(names(diff.added), ['new']);
    assert.deepEqual(
      diff.updated.map(
        (u) =>
          `${u.oldObj.metadata?.name}:${u.oldObj.metadata?.resourceVersion}->${u.newObj.metadata?.resourceVersion}`,
      ),
      ['changed:1->5'],
    );
    assert.deepEqual(names(diff.deleted), ['gone']);
    assert.equal(s.get('ns/same'), before, 'an unchanged object keeps its instance');
    assert.deepEqual(s.keys().sort(), ['ns/changed', 'ns/new', 'ns/same']);
    assert.deepEqual(names(s.byIndex(OWNER_UID_INDEX, 'p1')), ['new', 'same']);
    assert.deepEqual(names(s.byIndex(OWNER_UID_INDEX, 'p2')), ['changed']);
  });

  it('replace with nothing empties the store', () => {
    const s = new Store<KubeObject>();
    s.upsert(obj('a', '1'));
    const diff = s.replace([]);
    assert.deepEqual(names(diff.deleted), ['a']);
    assert.equal(s.size, 0);
  });
});

describe('Store tombstones', () => {
  it('remembers the UID of a removed object until something is stored under its key again', () => {
    const store = new Store<KubeObject>();
    store.upsert({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: 'n', name: 'a', uid: 'u1' } });
    assert.equal(store.deletedUid('n/a'), undefined);
    store.remove('n/a');
    assert.equal(store.deletedUid('n/a'), 'u1');
    store.upsert({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: 'n', name: 'a', uid: 'u2' } });
    assert.equal(store.deletedUid('n/a'), undefined);
  });
});
