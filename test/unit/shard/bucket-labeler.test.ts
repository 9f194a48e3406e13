// BucketLabeler: its unrouted-objects watch runs on a registry backed by the fake API server; its
// label writes go to a recording fake `api` (the fake server answers only LIST and WATCH).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ApiRequest } from '../../../src/runtime/api/api-client.js';
import { ApiError } from '../../../src/runtime/api/api-error.js';
import { InformerRegistry } from '../../../src/runtime/informers/informer-registry.js';
import type { SharedInformer } from '../../../src/runtime/informers/shared-informer.js';
import {
  BucketLabeler,
  type BucketRing,
  type ParentOf,
  SHARD_BUCKET_LABEL,
  UNROUTED_SELECTOR,
} from '../../../src/runtime/shard/index.js';
import { ConfigMap } from '../../../src/types/builtins.js';
import type { KubeObject } from '../../../src/types/kube-object.js';
import { FakeApiServer, fast, page, sleepMs, until, type WatchConn } from '../informers/fake-api-server.js';

const OWNER = 'op';
/** Each parent key's bucket, as the fake ring places it. */
const BUCKETS: Record<string, number> = { 'ns/p1': 11, 'ns/p2': 22, 'ns/p3': 33 };

/** A ConfigMap in `ns`; `parent` makes it a child of `ns/<parent>` (else it is a parent itself). */
function obj(name: string, labels: Record<string, string> = {}, rv = '1'): KubeObject {
  return {
    metadata: { name, namespace: 'ns', resourceVersion: rv, uid: `uid-${name}`, labels },
  };
}

/** As a watch event carries it. */
function typed(o: KubeObject): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', ...o };
}

const parentOf = (o: KubeObject): ParentOf | undefined => {
  const name = o.metadata?.name;
  if (!name) return undefined;
  const parent = o.metadata?.labels?.parent;
  return { owner: OWNER, key: `ns/${parent ?? name}` };
};

interface Fixture {
  server: FakeApiServer;
  registry: InformerRegistry;
  labeler: BucketLabeler;
  /** Keys the fake ring lets this replica reconcile. */
  owned: Set<string>;
  /** Every request the labeler sent to the fake `api`. */
  calls: ApiRequest[];
  /** How the fake `api` answers; resolves by default. */
  respond: (req: ApiRequest, n: number) => Promise<unknown>;
  routed: ParentOf[];
  informer: SharedInformer<KubeObject>;
  /** The open watch of the unrouted objects, once there is one. */
  conn: () => WatchConn | undefined;
  close: () => Promise<void>;
}

/**
 * A started labeler watching ConfigMaps in `ns` whose unrouted LIST returns `unrouted`.
 * @param startLabeler - false leaves its queue unstarted (keys wait for `labeler.start()`).
 */
async function fixture(unrouted: KubeObject[], owned: string[], startLabeler = true): Promise<Fixture> {
  const server = await new FakeApiServer().start();
  // The unrouted selector lists all 4096 buckets: a LIST's URL is about 28 kB, past Node's default
  // 16 kB header limit (the API server takes 1 MB). Raise the fake's limit without editing it.
  (server as unknown as { server: { maxHeaderSize: number } }).server.maxHeaderSize = 1 << 20;
  let conn: WatchConn | undefined;
  server.onList = () => page('10', unrouted);
  server.onWatch = (c) => {
    conn = c;
    c.open();
  };
  const registry = new InformerRegistry(server.client(), fast);
  const ring: BucketRing = {
    bucketOf: (key) => BUCKETS[key] ?? 4000,
    mayReconcile: (key) => f.owned.has(key),
  };
  const calls: ApiRequest[] = [];
  const api = {
    request: <T>(req: ApiRequest): Promise<T> => {
      calls.push(req);
      return f.respond(req, calls.length) as Promise<T>;
    },
  };
  const labeler = new BucketLabeler(api, registry, ring);
  const routed: ParentOf[] = [];
  const informer = labeler.watch(ConfigMap, { namespace: 'ns' }, parentOf, (p) => routed.push(p));
  const f: Fixture = {
    server,
    registry,
    labeler,
    owned: new Set(owned),
    calls,
    respond: async () => ({}),
    routed,
    informer,
    conn: () => conn,
    close: async () => {
      await labeler.stop(1000);
      await registry.stop();
      await server.close();
    },
  };
  registry.start();
  if (startLabeler) labeler.start();
  await informer.waitForSync(AbortSignal.timeout(3000));
  return f;
}

/** Runs `body` with a fresh fixture ({@link fixture}'s arguments), closed afterwards whatever happens. */
async function withFixture(
  unrouted: KubeObject[],
  owned: string[],
  body: (f: Fixture) => Promise<void>,
  startLabeler = true,
): Promise<void> {
  const f = await fixture(unrouted, owned, startLabeler);
  try {
    await body(f);
  } finally {
    await f.close();
  }
}

/** The label write the labeler sends for `name` in bucket `bucket`, as the test compares it. */
function labelPatch(name: string, bucket: number): unknown {
  return {
    method: 'PATCH',
    path: `/api/v1/namespaces/ns/configmaps/${name}`,
    contentType: 'application/merge-patch+json',
    body: { metadata: { labels: { [SHARD_BUCKET_LABEL]: String(bucket) } } },
  };
}

function seen(calls: readonly ApiRequest[]): unknown[] {
  return calls.map(({ method, path, contentType, body }) => ({ method, path, contentType, body }));
}

function deferred(): { promise: Promise<unknown>; resolve: () => void } {
  let resolve = (): void => undefined;
  const promise = new Promise<unknown>((r) => {
    resolve = () => r({});
  });
  return { promise, resolve };
}

describe('BucketLabeler', () => {
  it('watches, metadata only, the objects with no valid bucket', async () => {
    await withFixture([], [], async (f) => {
      assert.deepEqual(f.labeler.informers(), [f.informer]);
      assert.equal(f.informer.metadataOnly, true);
      const [list] = f.server.lists();
      assert.equal(list?.path, '/api/v1/namespaces/ns/configmaps');
      assert.equal(list?.query.get('labelSelector'), UNROUTED_SELECTOR);
      // Watching the same type and scope again is the same watch.
      assert.equal(f.labeler.watch(ConfigMap, { namespace: 'ns' }, parentOf), f.informer);
      assert.equal(f.labeler.informers().length, 1);
    });
  });

  it('labels, once, each unrouted parent this replica reconciles, with its bucket', async () => {
    await withFixture(
      [obj('p1'), obj('p2'), obj('p3', { [SHARD_BUCKET_LABEL]: '07' })],
      ['ns/p1', 'ns/p3'],
      async (f) => {
        await until(() => f.calls.length >= 2, 'two label writes');
        await sleepMs(100);
        assert.deepEqual(
          seen(f.calls).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
          [labelPatch('p1', 11), labelPatch('p3', 33)],
        );
        assert.deepEqual(f.labeler.inFlight(), []);
      },
    );
  });

  it('leaves a parent it does not reconcile alone, until reconsider() after the ring changed', async () => {
    await withFixture([obj('p2')], [], async (f) => {
      await sleepMs(100);
      assert.deepEqual(f.calls, []);
      f.labeler.reconsider();
      await sleepMs(50);
      assert.deepEqual(f.calls, [], 'reconsidered with the same ring');
      f.owned.add('ns/p2');
      await sleepMs(50);
      assert.deepEqual(f.calls, [], 'nothing happened that would make it look again');
      f.labeler.reconsider();
      await until(() => f.calls.length >= 1, 'the label write');
      await sleepMs(50);
      assert.deepEqual(seen(f.calls), [labelPatch('p2', 22)]);
    });
  });

  it('asks the ring again when the write runs, and skips a parent it no longer reconciles', async () => {
    await withFixture(
      [obj('p1')],
      ['ns/p1'],
      async (f) => {
        // p1 was queued when listed; it is given away before the queue runs it.
        f.owned.delete('ns/p1');
        f.labeler.start();
        await sleepMs(100);
        assert.deepEqual(f.calls, []);
      },
      false,
    );
  });

  it('labels an unrouted object the watch reports later', async () => {
    await withFixture([], ['ns/p1'], async (f) => {
      await until(() => f.conn() !== undefined, 'the watch');
      f.conn()?.event('ADDED', typed(obj('c1', { parent: 'p1' }, '11')));
      await until(() => f.calls.length >= 1, 'the label write');
      await sleepMs(50);
      // A child carries its parent's bucket.
      assert.deepEqual(seen(f.calls), [labelPatch('c1', 11)]);
    });
  });

  it('holds a parent while an unrouted object of it is cached, and tells onRouted when one leaves', async () => {
    await withFixture([obj('p1'), obj('c1', { parent: 'p1' })], [], async (f) => {
      const p1 = { owner: OWNER, key: 'ns/p1' };
      assert.equal(f.labeler.holds(p1), true);
      assert.equal(f.labeler.holds({ owner: OWNER, key: 'ns/p2' }), false);
      assert.equal(f.labeler.holds({ owner: 'another-operator', key: 'ns/p1' }), false);
      await until(() => f.conn() !== undefined, 'the watch');

      f.conn()?.event('DELETED', typed(obj('c1', { parent: 'p1' }, '12')));
      await until(() => f.routed.length === 1, 'onRouted for the child');
      assert.deepEqual(f.routed, [p1]);
      assert.equal(f.labeler.holds(p1), true, 'the parent itself still waits for its label');

      f.conn()?.event('DELETED', typed(obj('p1', {}, '13')));
      await until(() => f.routed.length === 2, 'onRouted for the parent');
      assert.deepEqual(f.routed, [p1, p1]);
      assert.equal(f.labeler.holds(p1), false);
      assert.deepEqual(f.calls, [], 'nothing labelled: the ring does not give p1 to this replica');
    });
  });

  it('corrects a mislabelled object it holds even when it does not reconcile the parent', async () => {
    await withFixture([], [], async (f) => {
      f.labeler.check(ConfigMap, obj('c1', { [SHARD_BUCKET_LABEL]: '5', parent: 'p1' }), {
        owner: OWNER,
        key: 'ns/p1',
      });
      await until(() => f.calls.length >= 1, 'the correction');
      await sleepMs(50);
      assert.deepEqual(seen(f.calls), [labelPatch('c1', 11)]);
    });
  });

  it('queues nothing for a correctly labelled object, or one without a parent', async () => {
    await withFixture([], ['ns/p1'], async (f) => {
      const p1 = { owner: OWNER, key: 'ns/p1' };
      f.labeler.check(ConfigMap, obj('c1', { [SHARD_BUCKET_LABEL]: '11', parent: 'p1' }), p1);
      f.labeler.check(ConfigMap, obj('p1', { [SHARD_BUCKET_LABEL]: '11' }), p1);
      f.labeler.check(ConfigMap, obj('c9', { [SHARD_BUCKET_LABEL]: '5' }), undefined);
      await sleepMs(100);
      assert.deepEqual(f.calls, []);
      // A value that only looks like the bucket is no bucket, and is corrected.
      f.labeler.check(ConfigMap, obj('c2', { [SHARD_BUCKET_LABEL]: '011', parent: 'p1' }), p1);
      await until(() => f.calls.length >= 1, 'the correction');
      await sleepMs(50);
      assert.deepEqual(seen(f.calls), [labelPatch('c2', 11)]);
    });
  });

  it('does not retry a write the API server answers 404 (deleted meanwhile)', async () => {
    await withFixture([], ['ns/p1', 'ns/p2'], async (f) => {
      f.respond = (req) =>
        Promise.reject(
          new ApiError(404, 'patch', req.path, { kind: 'Status', code: 404, reason: 'NotFound' }),
        );
      f.labeler.check(ConfigMap, obj('p1', {}), { owner: OWNER, key: 'ns/p1' });
      await until(() => f.calls.length >= 1, 'the write');
      await sleepMs(200); // the queue's first retry would come after about 5 ms
      assert.equal(f.calls.length, 1);
      assert.deepEqual(f.labeler.inFlight(), []);
    });
  });

  it('retries a write that failed otherwise', async () => {
    await withFixture([], ['ns/p1'], async (f) => {
      f.respond = (req, n) =>
        n < 3
          ? Promise.reject(new ApiError(500, 'patch', req.path, { kind: 'Status', code: 500 }))
          : Promise.resolve({});
      f.labeler.check(ConfigMap, obj('p1', {}), { owner: OWNER, key: 'ns/p1' });
      await until(() => f.calls.length >= 3, 'two retries');
      await sleepMs(100);
      assert.deepEqual(seen(f.calls), [labelPatch('p1', 11), labelPatch('p1', 11), labelPatch('p1', 11)]);
    });
  });

  it('reports the parent of a running write in inFlight()', async () => {
    const f = await fixture([], ['ns/p1']);
    const write = deferred();
    try {
      f.respond = () => write.promise;
      assert.deepEqual(f.labeler.inFlight(), []);
      f.labeler.check(ConfigMap, obj('c1', { parent: 'p1' }), { owner: OWNER, key: 'ns/p1' });
      await until(() => f.calls.length === 1, 'the write');
      assert.deepEqual(f.labeler.inFlight(), ['ns/p1']);
      write.resolve();
      await until(() => f.labeler.inFlight().length === 0, 'the write to end');
      assert.equal(f.calls.length, 1);
    } finally {
      write.resolve();
      await f.close();
    }
  });
});
