import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InformerRegistry } from '../../../src/runtime/informers/informer-registry.js';
import { ConfigMap, Namespace, Pod } from '../../../src/types/builtins.js';
import {
  cm,
  FakeApiServer,
  fast,
  page,
  recorder,
  sleepMs,
  until,
  type WatchConn,
} from './fake-api-server.js';

describe('InformerRegistry', () => {
  it('returns one informer per type and normalized scope', async () => {
    const server = await new FakeApiServer().start();
    const registry = new InformerRegistry(server.client(), fast);
    try {
      const a = registry.informerFor(ConfigMap, { namespace: 'ns', labelSelector: 'b=2,a=1' });
      assert.equal(registry.informerFor(ConfigMap, { namespace: 'ns', labelSelector: 'a=1, b=2' }), a);
      assert.notEqual(registry.informerFor(ConfigMap, { namespace: 'other', labelSelector: 'a=1,b=2' }), a);
      assert.notEqual(registry.informerFor(ConfigMap, { namespace: 'ns' }), a);
      assert.notEqual(registry.informerFor(Pod, { namespace: 'ns', labelSelector: 'a=1,b=2' }), a);
      assert.equal(
        registry.informerFor(Namespace),
        registry.informerFor(Namespace, { namespace: 'ignored' }),
      );
      assert.equal(registry.informers().length, 5);
    } finally {
      await registry.stop();
      await server.close();
    }
  });

  it('opens one watch for two users of the same informer, and feeds both', async () => {
    const server = await new FakeApiServer().start();
    const registry = new InformerRegistry(server.client(), fast);
    let conn: WatchConn | undefined;
    try {
      server.onList = () => page('10', [cm('a', '1')]);
      server.onWatch = (c) => {
        conn = c;
        c.open();
      };
      const first = recorder();
      const second = recorder();
      registry.informerFor(ConfigMap, { namespace: 'ns' }).addHandler(first.handler);
      registry.informerFor(ConfigMap, { namespace: 'ns' }).addHandler(second.handler);
      registry.start();
      await registry.waitForSync();
      await until(() => conn !== undefined, 'the watch');
      conn?.event('ADDED', { ...cm('b', '11'), apiVersion: 'v1', kind: 'ConfigMap' });
      await until(() => second.events.length === 2, 'the event');
      await sleepMs(50);
      assert.equal(server.lists().length, 1);
      assert.equal(server.watches().length, 1);
      assert.deepEqual(first.events, ['add a@1', 'add b@11']);
      assert.deepEqual(second.events, ['add a@1', 'add b@11']);
    } finally {
      await registry.stop();
      await server.close();
    }
  });

  it('starts informers created after start, waits for all, and refuses new ones once stopped', async () => {
    const server = await new FakeApiServer().start();
    const registry = new InformerRegistry(server.client(), fast);
    try {
      server.onList = () => page('10', []);
      const before = registry.informerFor(ConfigMap, { namespace: 'a' });
      registry.start();
      registry.start();
      const after = registry.informerFor(ConfigMap, { namespace: 'b' });
      await registry.waitForSync();
      assert.ok(before.hasSynced() && after.hasSynced());
      assert.deepEqual(
        server
          .lists()
          .map((r) => r.path)
          .sort(),
        ['/api/v1/namespaces/a/configmaps', '/api/v1/namespaces/b/configmaps'],
      );
      await registry.stop();
      assert.equal(before.health().watching, false);
      assert.throws(() => registry.informerFor(ConfigMap), /registry is stopped/);
    } finally {
      await registry.stop();
      await server.close();
    }
  });
});
