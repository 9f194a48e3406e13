import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addFinalizerPatch, removeFinalizerPatch } from '../../../src/runtime/reconcile/finalizer-patch.js';
import type { OperatorCache } from '../../../src/runtime/reconcile/operator-cache.js';
import { OwnWrites } from '../../../src/runtime/reconcile/own-writes.js';
import {
  MAX_REWRITES,
  REWRITE_WINDOW_MS,
  RewriteGuard,
} from '../../../src/runtime/reconcile/rewrite-guard.js';
import { failedConditionPatch } from '../../../src/runtime/reconcile/status.js';
import { ConfigMap } from '../../../src/types/builtins.js';
import type { KubeObject } from '../../../src/types/kube-object.js';

const PARENT_UID = 'p-1';

function cm(name: string, resourceVersion: string, extra: Partial<KubeObject['metadata']> = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name,
      namespace: 'ns',
      uid: `uid-${name}-${resourceVersion}`,
      resourceVersion,
      ownerReferences: [{ apiVersion: 'x/v1', kind: 'P', name: 'p', uid: PARENT_UID, controller: true }],
      ...extra,
    },
  };
}

function cacheOf(objects: KubeObject[]): OperatorCache & { objects: KubeObject[] } {
  const c = {
    objects,
    parent: () => undefined,
    childrenOf: () => c.objects.filter((o) => o.metadata?.ownerReferences?.[0]?.uid === PARENT_UID),
    child: (_t: unknown, ns: string | undefined, name: string) =>
      c.objects.find((o) => o.metadata?.namespace === ns && o.metadata?.name === name),
  };
  return c;
}

describe('OwnWrites (read your own writes)', () => {
  it('shows a created child until the cache has it, then trusts the cache', () => {
    const cache = cacheOf([]);
    const writes = new OwnWrites().of('ns/p', PARENT_UID);
    writes.rememberChild(ConfigMap, { namespace: 'ns', name: 'a' }, cm('a', '5'), undefined);
    assert.deepEqual(
      writes
        .view(cache)
        .childrenOf(ConfigMap, PARENT_UID)
        .map((c) => c.metadata?.resourceVersion),
      ['5'],
    );
    cache.objects = [cm('a', '6', { labels: { later: 'yes' } })];
    const seen = writes.view(cache).child(ConfigMap, 'ns', 'a');
    assert.equal(seen?.metadata?.resourceVersion, '6', 'the cache moved: it wins from now on');
  });

  it('trusts the cache again once it saw a created child come and go (deleted by someone else)', () => {
    const cache = cacheOf([]);
    const writes = new OwnWrites().of('ns/p', PARENT_UID);
    const created = cm('a', '5');
    writes.rememberChild(ConfigMap, { namespace: 'ns', name: 'a' }, created, undefined);
    // The cache got ADDED, then DELETED: absent again, as before the create, but with a tombstone.
    const withTombstone = { ...cache, deletedChild: () => created.metadata?.uid };
    assert.equal(writes.view(withTombstone).child(ConfigMap, 'ns', 'a'), undefined);
    assert.deepEqual(writes.view(withTombstone).childrenOf(ConfigMap, PARENT_UID), []);
  });

  it('hides a deleted child while the cache still holds the version it deleted', () => {
    const cache = cacheOf([cm('a', '3'), cm('b', '3')]);
    const writes = new OwnWrites().of('ns/p', PARENT_UID);
    writes.rememberChild(ConfigMap, { namespace: 'ns', name: 'a' }, null, cache.objects[0]);
    assert.deepEqual(
      writes
        .view(cache)
        .childrenOf(ConfigMap, PARENT_UID)
        .map((c) => c.metadata?.name),
      ['b'],
    );
    assert.equal(writes.view(cache).child(ConfigMap, 'ns', 'a'), undefined);
  });

  it('compares the status with its own last write until the cached parent moves', () => {
    const writes = new OwnWrites().of('ns/p', PARENT_UID);
    const cached = { metadata: { resourceVersion: '10' }, status: { ok: 'old' } } as KubeObject;
    writes.rememberStatus({ ok: 'new' }, cached);
    assert.deepEqual(writes.currentStatus(cached), { ok: 'new' });
    const caughtUp = { metadata: { resourceVersion: '11' }, status: { ok: 'new' } } as KubeObject;
    assert.deepEqual(writes.currentStatus(caughtUp), { ok: 'new' });
    assert.deepEqual(writes.currentStatus(cached), { ok: 'old' }, 'forgotten once the cache moved');
  });

  it('starts afresh when the key names a new object, and forgets a parent that is gone', () => {
    const own = new OwnWrites();
    own.of('ns/p', 'uid-1').finalized = true;
    assert.equal(own.of('ns/p', 'uid-1').finalized, true);
    assert.equal(own.of('ns/p', 'uid-2').finalized, false);
    own.forget('ns/p');
    assert.equal(own.size, 0);
  });
});

describe('RewriteGuard (the loop breaker)', () => {
  it(`allows ${MAX_REWRITES} rewrites per desired state in the window, then refuses`, () => {
    let now = 0;
    const guard = new RewriteGuard(() => now);
    for (let i = 0; i < MAX_REWRITES; i++) {
      assert.equal(guard.allows('pod', 'h1'), true);
      guard.record('pod', 'h1');
    }
    assert.equal(guard.allows('pod', 'h1'), false);
    assert.equal(guard.allows('pod', 'h2'), true, 'a new desired state starts a new count');
    assert.equal(guard.allows('other', 'h1'), true);
    now += REWRITE_WINDOW_MS + 1;
    assert.equal(guard.allows('pod', 'h1'), true, 'old rewrites age out');
  });
});

describe('finalizer patches', () => {
  it('adds with a test of the whole list, or of its absence', () => {
    assert.deepEqual(addFinalizerPatch(undefined, 'x/f'), [
      { op: 'test', path: '/metadata/finalizers', value: null },
      { op: 'add', path: '/metadata/finalizers', value: ['x/f'] },
    ]);
    assert.deepEqual(addFinalizerPatch(['a/b'], 'x/f'), [
      { op: 'test', path: '/metadata/finalizers', value: ['a/b'] },
      { op: 'add', path: '/metadata/finalizers/-', value: 'x/f' },
    ]);
    assert.equal(addFinalizerPatch(['x/f'], 'x/f'), undefined);
  });

  it('removes by index with a test of that entry', () => {
    assert.deepEqual(removeFinalizerPatch(['a/b', 'x/f'], 'x/f'), [
      { op: 'test', path: '/metadata/finalizers/1', value: 'x/f' },
      { op: 'remove', path: '/metadata/finalizers/1' },
    ]);
    assert.equal(removeFinalizerPatch(['a/b'], 'x/f'), undefined);
    assert.equal(removeFinalizerPatch(undefined, 'x/f'), undefined);
  });
});

describe('failedConditionPatch', () => {
  const now = () => '2026-11-30T00:00:00Z';
  const outcome = { reason: 'SyncFailed', message: 'boom' };

  it('replaces only the Synced entry, testing what it replaces, and leaves other fields alone', () => {
    const live = {
      owner: 'someone else',
      conditions: [
        { type: 'Ready', status: 'True', reason: 'R', message: '', lastTransitionTime: 't0' },
        { type: 'Synced', status: 'True', reason: 'Synced', message: 'ok', lastTransitionTime: 't0' },
      ],
    };
    const ops = failedConditionPatch(live, 2, outcome, now);
    assert.deepEqual(ops, [
      { op: 'test', path: '/status/conditions/1', value: live.conditions[1] },
      {
        op: 'replace',
        path: '/status/conditions/1',
        value: {
          type: 'Synced',
          status: 'False',
          reason: 'SyncFailed',
          message: 'boom',
          observedGeneration: 2,
          lastTransitionTime: '2026-11-30T00:00:00Z',
        },
      },
    ]);
  });

  it('writes nothing when the condition already says so', () => {
    const synced = {
      type: 'Synced',
      status: 'False',
      reason: 'SyncFailed',
      message: 'boom',
      observedGeneration: 2,
      lastTransitionTime: 't0',
    };
    assert.equal(failedConditionPatch({ conditions: [synced] }, 2, outcome, now), undefined);
  });

  it('adds the status or the list when missing', () => {
    assert.equal(failedConditionPatch(undefined, 1, outcome, now)?.[1]?.path, '/status');
    assert.equal(failedConditionPatch({ a: 1 }, 1, outcome, now)?.[1]?.path, '/status/conditions');
    assert.equal(
      failedConditionPatch({ conditions: [] }, 1, outcome, now)?.[1]?.path,
      '/status/conditions/-',
    );
  });
});
