import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SharedInformer } from '../../../src/runtime/informers/shared-informer.js';
import { OWNER_UID_INDEX } from '../../../src/runtime/informers/store.js';
import { parentUidIndex as ownerUidIndex } from '../../../src/runtime/planner/ownership.js';
import { ConfigMap } from '../../../src/types/builtins.js';
import type { KubeObject } from '../../../src/types/kube-object.js';
import type { ResourceType } from '../../../src/types/resource-type.js';
import { cm, FakeApiServer, fast, page, recorder, status, until, type WatchConn } from './fake-api-server.js';

const CM = ConfigMap as ResourceType<KubeObject>;

const full = (name: string, rv: string, extra: Record<string, unknown> = {}): KubeObject => ({
  ...cm(name, rv, extra),
  apiVersion: 'v1',
  kind: 'ConfigMap',
});

describe('SharedInformer', () => {
  it('isolates handler failures (thrown or rejected) from the informer and other handlers', async () => {
    const server = await new FakeApiServer().start();
    const informer = new SharedInformer(server.client(), CM, { namespace: 'ns' }, fast);
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown): void => {
      unhandled.push(e);
    };
    process.on('unhandledRejection', onUnhandled);
    let conn: WatchConn | undefined;
    try {
      server.onList = () => page('10', [cm('a', '1')]);
      server.onWatch = (c) => {
        conn = c;
        c.open();
      };
      let thrown = 0;
      let rejected = 0;
      informer.addHandler({
        onAdd: () => {
          thrown++;
          throw new Error('handler bug');
        },
      });
      informer.addHandler({
        onAdd: async () => {
          rejected++;
          throw new Error('async handler bug');
        },
      });
      const rec = recorder();
      informer.addHandler(rec.handler);
      informer.start();
      await informer.waitForSync();
      await until(() => conn !== undefined, 'the watch');
      conn?.event('ADDED', full('b', '11'));
      await until(() => rec.events.length === 2, 'the second add');
      assert.deepEqual(rec.events, ['add a@1', 'add b@11']);
      assert.equal(thrown, 2);
      assert.equal(rejected, 2);
      await new Promise((r) => setImmediate(r));
      assert.deepEqual(unhandled, []);
      assert.equal(informer.health().errors, 0, 'handler failures are not watch failures');
      assert.equal(informer.health().watches, 1, 'the watch was not restarted');
    } finally {
      process.off('unhandledRejection', onUnhandled);
      await informer.stop();
      await server.close();
    }
  });

  it('replays current objects to a handler added after sync, then streams changes; unsubscribe stops delivery', async () => {
    const server = await new FakeApiServer().start();
    const informer = new SharedInformer(server.client(), CM, { namespace: 'ns' }, fast);
    let conn: WatchConn | undefined;
    try {
      server.onList = () => page('10', [cm('a', '1'), cm('b', '1')]);
      server.onWatch = (c) => {
        conn = c;
        c.open();
      };
      const early = recorder();
      const removeEarly = informer.addHandler(early.handler);
      informer.start();
      await informer.waitForSync();
      await until(() => conn !== undefined, 'the watch');

      const late = recorder();
      informer.addHandler(late.handler);
      assert.deepEqual(late.events.sort(), ['add a@1', 'add b@1']);
      assert.equal(informer.health().handlers, 2);

      conn?.event('MODIFIED', full('a', '2'));
      await until(() => late.events.length === 3, 'the update');
      assert.equal(late.events[2], 'update a@1->2');

      removeEarly();
      removeEarly();
      conn?.event('DELETED', full('b', '3'));
      await until(() => late.events.length === 4, 'the delete');
      assert.equal(late.events[3], 'delete b@3');
      assert.deepEqual(
        early.events,
        ['add a@1', 'add b@1', 'update a@1->2'],
        'removed handler gets nothing more',
      );
      assert.equal(informer.health().handlers, 1);
      assert.equal(informer.health().objects, 1);
    } finally {
      await informer.stop();
      await server.close();
    }
  });

  it('marks synced only after handlers were told about the first list', async () => {
    const server = await new FakeApiServer().start();
    const informer = new SharedInformer(server.client(), CM, { namespace: 'ns' }, fast);
    try {
      server.onList = () => page('10', [cm('a', '1'), cm('b', '1')]);
      const syncedDuringAdds: boolean[] = [];
      informer.addHandler({ onAdd: () => syncedDuringAdds.push(informer.hasSynced()) });
      assert.equal(informer.hasSynced(), false);
      informer.start();
      await informer.waitForSync();
      assert.deepEqual(syncedDuringAdds, [false, false]);
      assert.equal(informer.hasSynced(), true);
      await informer.waitForSync();
    } finally {
      await informer.stop();
      await server.close();
    }
  });

  it('waitForSync rejects on abort and when stopped before syncing', async () => {
    const server = await new FakeApiServer().start();
    const informer = new SharedInformer(server.client(), CM, { namespace: 'ns' }, fast);
    try {
      server.onList = () => ({ status: 500, body: status(500, 'InternalError', 'down') });
      const aborted = new AbortController();
      aborted.abort(new Error('gave up'));
      await assert.rejects(informer.waitForSync(aborted.signal), /gave up/);
      informer.start();
      const pending = informer.waitForSync();
      await until(() => server.lists().length >= 1, 'a list attempt');
      await informer.stop();
      await assert.rejects(pending, /ConfigMap \(v1\) in namespace ns was stopped before it synced/);
    } finally {
      await informer.stop();
      await server.close();
    }
  });

  it('keeps indexes added to the read-only store current', async () => {
    const server = await new FakeApiServer().start();
    const informer = new SharedInformer(server.client(), CM, { namespace: 'ns' }, fast);
    let conn: WatchConn | undefined;
    const owner = (uid: string) => ({
      metadata: {
        name: '',
        ownerReferences: [{ apiVersion: 'x/v1', kind: 'P', name: 'p', uid, controller: true }],
      },
    });
    const child = (name: string, rv: string, uid: string): KubeObject => ({
      ...full(name, rv),
      metadata: { ...owner(uid).metadata, name, namespace: 'ns', resourceVersion: rv },
    });
    try {
      server.onList = () => page('10', [child('c1', '1', 'p1')]);
      server.onWatch = (c) => {
        conn = c;
        c.open();
      };
      informer.start();
      await informer.waitForSync();
      informer.store.addIndex(OWNER_UID_INDEX, ownerUidIndex);
      assert.deepEqual(
        informer.store.byIndex(OWNER_UID_INDEX, 'p1').map((o) => o.metadata?.name),
        ['c1'],
      );
      await until(() => conn !== undefined, 'the watch');
      conn?.event('ADDED', child('c2', '11', 'p1'));
      conn?.event('MODIFIED', child('c1', '12', 'p2'));
      await until(() => informer.store.get('ns/c1')?.metadata?.resourceVersion === '12', 'the update');
      assert.deepEqual(
        informer.store.byIndex(OWNER_UID_INDEX, 'p1').map((o) => o.metadata?.name),
        ['c2'],
      );
      assert.deepEqual(
        informer.store.byIndex(OWNER_UID_INDEX, 'p2').map((o) => o.metadata?.name),
        ['c1'],
      );
    } finally {
      await informer.stop();
      await server.close();
    }
  });
});
