// ShardCaches against a fake API server that answers each LIST with the ConfigMaps its label
// selector selects. A LIST can be held (answered 503, so the reflector retries with a short backoff)
// to keep an informer from syncing for as long as a test needs.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InformerRegistry } from '../../../src/runtime/informers/informer-registry.js';
import type { SharedInformer } from '../../../src/runtime/informers/shared-informer.js';
import { SHARD_BUCKET_LABEL, ShardCaches } from '../../../src/runtime/shard/index.js';
import { ConfigMap } from '../../../src/types/builtins.js';
import type { KubeObject } from '../../../src/types/kube-object.js';
import { FakeApiServer, fast, page, recorder, sleepMs, status, until } from '../informers/fake-api-server.js';

/** A ConfigMap in `ns` with these labels (as listed: no apiVersion/kind). */
function obj(name: string, labels?: Record<string, string>): KubeObject {
  return {
    metadata: {
      name,
      namespace: 'ns',
      resourceVersion: '1',
      uid: `uid-${name}`,
      ...(labels ? { labels } : {}),
    },
  };
}

function inBucket(name: string, bucket: number | string, extra: Record<string, string> = {}): KubeObject {
  return obj(name, { [SHARD_BUCKET_LABEL]: String(bucket), ...extra });
}

/** What the fake cluster holds. */
const WORLD: KubeObject[] = [
  inBucket('a1', 1),
  inBucket('b1', 1, { app: 'web' }),
  inBucket('c2', 2, { app: 'web' }),
  inBucket('d3', 3),
  inBucket('e3', 3, { app: 'web' }),
  inBucket('f4', 4),
  inBucket('g-bad', '07'),
  obj('h-none'),
  obj('i-none-web', { app: 'web' }),
];

/** The top-level terms of a label selector (commas inside `(...)` kept). */
function terms(selector: string): string[] {
  return selector
    .split(/,(?![^(]*\))/)
    .map((t) => t.trim())
    .filter((t) => t.length > 0);
}

/**
 * Whether `labels` match `selector`: the forms ShardCaches and its scopes use (`key`, `key=value`,
 * `key in (...)`, `key notin (...)`); anything else fails the test.
 */
function matches(selector: string, labels: Readonly<Record<string, string>> = {}): boolean {
  for (const term of terms(selector)) {
    const set = /^(\S+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term);
    if (set) {
      const [, key = '', op, list = ''] = set;
      const values = new Set(list.split(',').map((v) => v.trim()));
      const v = labels[key];
      const inSet = v !== undefined && values.has(v);
      if (op === 'in' ? !inSet : inSet) return false;
      continue;
    }
    const eq = /^([^=!\s]+)=([^=\s]*)$/.exec(term);
    if (eq) {
      if (labels[eq[1] ?? ''] !== eq[2]) return false;
      continue;
    }
    if (/^[A-Za-z0-9./_-]+$/.test(term)) {
      if (labels[term] === undefined) return false;
      continue;
    }
    throw new Error(`the test's selector evaluator does not know "${term}"`);
  }
  return true;
}

describe('the test’s label selector evaluator', () => {
  it('evaluates the three bucket selector forms and equality', () => {
    const l = { [SHARD_BUCKET_LABEL]: '2', app: 'web' };
    assert.equal(matches(SHARD_BUCKET_LABEL, l), true);
    assert.equal(matches(SHARD_BUCKET_LABEL, { app: 'web' }), false);
    assert.equal(matches(`${SHARD_BUCKET_LABEL} in (1,2)`, l), true);
    assert.equal(matches(`${SHARD_BUCKET_LABEL} in (1,3)`, l), false);
    assert.equal(matches(`${SHARD_BUCKET_LABEL} in (1,2)`, {}), false);
    assert.equal(matches(`${SHARD_BUCKET_LABEL},${SHARD_BUCKET_LABEL} notin (2,3)`, l), false);
    assert.equal(matches(`${SHARD_BUCKET_LABEL},${SHARD_BUCKET_LABEL} notin (1,3)`, l), true);
    assert.equal(matches(`${SHARD_BUCKET_LABEL},${SHARD_BUCKET_LABEL} notin (1,3)`, {}), false);
    assert.equal(matches(`${SHARD_BUCKET_LABEL} notin (1,3)`, {}), true);
    assert.equal(matches(`app=web,${SHARD_BUCKET_LABEL} in (2)`, l), true);
    assert.equal(matches(`app=db,${SHARD_BUCKET_LABEL} in (2)`, l), false);
    assert.throws(() => matches('app!=web', l), /does not know/);
  });
});

interface Fixture {
  server: FakeApiServer;
  registry: InformerRegistry;
  caches: ShardCaches;
  /** How many times onCovered was called. */
  covered: () => number;
  /** LISTs whose label selector this returns true for are answered 503 (the informer retries). */
  hold: (selector: string) => boolean;
  /** The selectors of every LIST the server received, in order. */
  listed: () => string[];
  close: () => Promise<void>;
}

const NS = { namespace: 'ns' };

async function fixture(): Promise<Fixture> {
  const server = await new FakeApiServer().start();
  const f: Fixture = {
    server,
    registry: new InformerRegistry(server.client(), fast),
    caches: undefined as unknown as ShardCaches,
    covered: () => calls,
    hold: () => false,
    listed: () => server.lists().map((r) => r.query.get('labelSelector') ?? ''),
    close: async () => {
      await f.registry.stop();
      await server.close();
    },
  };
  let calls = 0;
  f.caches = new ShardCaches(f.registry, () => {
    calls++;
  });
  server.onList = (query) => {
    const selector = query.get('labelSelector') ?? '';
    if (f.hold(selector)) return { status: 503, body: status(503, 'ServiceUnavailable', 'held by the test') };
    return page(
      '10',
      WORLD.filter((o) => matches(selector, o.metadata?.labels)),
    );
  };
  f.registry.start();
  return f;
}

/** Runs `body` with a fresh fixture, closed afterwards whatever happens. */
async function withFixture(body: (f: Fixture) => Promise<void>): Promise<void> {
  const f = await fixture();
  try {
    await body(f);
  } finally {
    await f.close();
  }
}

function names(informer: SharedInformer<KubeObject> | undefined): string[] {
  assert.ok(informer, 'no informer in use');
  return informer.store
    .list()
    .map((o) => o.metadata?.name ?? '')
    .sort();
}

const IN_1_2 = `${SHARD_BUCKET_LABEL} in (1,2)`;
const IN_2_3 = `${SHARD_BUCKET_LABEL} in (2,3)`;
const IN_3 = `${SHARD_BUCKET_LABEL} in (3)`;

describe('ShardCaches', () => {
  it('holds nothing and covers no bucket before the first route', async () => {
    await withFixture(async (f) => {
      const slot = f.caches.slotFor(ConfigMap, NS);
      assert.equal(f.caches.slotFor(ConfigMap, NS), slot, 'one slot per type and scope');
      assert.notEqual(f.caches.slotFor(ConfigMap, { namespace: 'other' }), slot);
      assert.deepEqual(slot.current(), []);
      assert.deepEqual(f.caches.pendingInformers(), []);
      for (let b = 0; b < 4096; b++) assert.equal(f.caches.covers(b), false, `bucket ${b}`);
      await sleepMs(50);
      assert.deepEqual(f.registry.informers(), []);
      assert.equal(f.server.lists().length, 0);
      assert.equal(f.covered(), 0);
    });
  });

  it('puts the informer of the new buckets in use only once it synced, then tells onCovered once', async () => {
    await withFixture(async (f) => {
      const slot = f.caches.slotFor(ConfigMap, NS);
      const rec = recorder();
      slot.addHandler(rec.handler);
      let held = true;
      f.hold = () => held;
      f.caches.route([1, 2]);
      await until(() => f.listed().filter((s) => s === IN_1_2).length >= 2, 'the held LIST to be retried');
      assert.equal(f.caches.covers(1), false);
      assert.equal(f.caches.covers(2), false);
      assert.deepEqual(slot.current(), []);
      const [pending, ...more] = f.caches.pendingInformers();
      assert.ok(pending);
      assert.deepEqual(more, []);
      assert.equal(pending.hasSynced(), false);
      assert.equal(pending.scope.labelSelector, IN_1_2);
      assert.equal(f.covered(), 0);
      assert.deepEqual(rec.events, []);

      held = false;
      await until(() => f.caches.covers(1), 'bucket 1 covered');
      assert.equal(f.caches.covers(2), true);
      assert.equal(f.caches.covers(3), false);
      assert.equal(f.caches.covers(0), false);
      assert.deepEqual(slot.current(), [pending]);
      assert.deepEqual(names(slot.current()[0]), ['a1', 'b1', 'c2']);
      assert.deepEqual([...rec.events].sort(), ['add a1@1', 'add b1@1', 'add c2@1']);
      assert.deepEqual(f.caches.pendingInformers(), []);
      assert.equal(f.covered(), 1);
      // The same buckets again change nothing.
      f.caches.route([1, 2]);
      await sleepMs(50);
      assert.equal(f.covered(), 1);
      assert.deepEqual(slot.current(), [pending]);
      assert.equal(f.listed().filter((s) => s !== IN_1_2).length, 0);
    });
  });

  it('keeps the old informer in use until the new buckets’ one synced, then releases it', async () => {
    await withFixture(async (f) => {
      const slot = f.caches.slotFor(ConfigMap, NS);
      const rec = recorder();
      slot.addHandler(rec.handler);
      f.caches.route([1, 2]);
      await until(() => f.caches.covers(1), 'buckets 1 and 2 covered');
      const old = slot.current()[0];
      assert.ok(old);
      rec.events.length = 0;

      let held = true;
      f.hold = (s) => held && s === IN_2_3;
      f.caches.route([2, 3]);
      await until(() => f.listed().filter((s) => s === IN_2_3).length >= 2, 'the held LIST to be retried');
      assert.equal(f.caches.covers(1), true, 'the old buckets stay covered meanwhile');
      assert.equal(f.caches.covers(2), true);
      assert.equal(f.caches.covers(3), false);
      assert.deepEqual(slot.current(), [old]);
      const [next] = f.caches.pendingInformers();
      assert.ok(next && next !== old);
      assert.ok(f.registry.informers().includes(old));
      assert.equal(f.covered(), 1);

      held = false;
      await until(() => f.caches.covers(3), 'bucket 3 covered');
      assert.equal(f.caches.covers(1), false);
      assert.equal(f.caches.covers(2), true);
      assert.deepEqual(slot.current(), [next]);
      assert.deepEqual(names(next), ['c2', 'd3', 'e3']);
      assert.deepEqual(f.caches.pendingInformers(), []);
      assert.equal(f.covered(), 2);
      assert.equal(f.registry.informers().includes(old), false, 'the old informer is released');
      assert.ok(f.registry.informers().includes(next));
      await until(() => !old.health().watching, 'the old informer to stop');
      // Handlers moved: told of the new informer's objects as added, and of nothing deleted.
      assert.deepEqual([...rec.events].sort(), ['add c2@1', 'add d3@1', 'add e3@1']);
      assert.equal(old.health().handlers, 0);
      assert.equal(next.health().handlers, 1);
    });
  });

  it('abandons a change of buckets superseded before its informers synced', async () => {
    await withFixture(async (f) => {
      const slot = f.caches.slotFor(ConfigMap, NS);
      const rec = recorder();
      slot.addHandler(rec.handler);
      let held = true;
      f.hold = (s) => held && s === IN_1_2;
      f.caches.route([1, 2]);
      await until(() => f.listed().includes(IN_1_2), 'the held LIST');
      const [abandoned] = f.caches.pendingInformers();
      assert.ok(abandoned);

      f.caches.route([3]);
      assert.equal(f.registry.informers().includes(abandoned), false, 'the abandoned informer is released');
      const [next] = f.caches.pendingInformers();
      assert.ok(next && next !== abandoned);
      assert.deepEqual(f.caches.pendingInformers(), [next]);
      await until(() => f.caches.covers(3), 'bucket 3 covered');
      assert.deepEqual(slot.current(), [next]);
      assert.equal(f.caches.covers(1), false);
      assert.equal(f.caches.covers(2), false);
      assert.equal(f.covered(), 1);
      await until(() => !abandoned.health().watching, 'the abandoned informer to stop');

      // Released for good: it neither lists again nor syncs once the server would answer.
      held = false;
      const lists = f.listed().filter((s) => s === IN_1_2).length;
      await sleepMs(400); // twice the fake backoff's cap
      assert.equal(f.listed().filter((s) => s === IN_1_2).length, lists);
      assert.equal(abandoned.hasSynced(), false);
      assert.deepEqual(slot.current(), [next]);
      assert.equal(f.covered(), 1);
      assert.deepEqual([...rec.events].sort(), ['add d3@1', 'add e3@1']);
    });
  });

  it('keeps the old buckets through an abandoned change until the newest one synced', async () => {
    await withFixture(async (f) => {
      const slot = f.caches.slotFor(ConfigMap, NS);
      f.caches.route([1, 2]);
      await until(() => f.caches.covers(1), 'buckets 1 and 2 covered');
      const old = slot.current()[0];
      let held = true;
      f.hold = (s) => held && (s === IN_3 || s === IN_2_3);
      f.caches.route([3]);
      await until(() => f.listed().includes(IN_3), 'the LIST of bucket 3');
      const [abandoned] = f.caches.pendingInformers();
      f.caches.route([2, 3]);
      await until(() => f.listed().includes(IN_2_3), 'the LIST of buckets 2 and 3');
      assert.ok(abandoned && !f.registry.informers().includes(abandoned));
      assert.deepEqual(slot.current(), [old]);
      assert.equal(f.caches.covers(1), true);
      assert.equal(f.caches.covers(3), false);
      held = false;
      await until(() => f.caches.covers(3), 'bucket 3 covered');
      assert.equal(f.caches.covers(1), false);
      assert.equal(slot.current()[0]?.scope.labelSelector, IN_2_3);
      assert.equal(f.covered(), 2);
    });
  });

  it('swaps every slot together, only once all of them synced', async () => {
    await withFixture(async (f) => {
      const all = f.caches.slotFor(ConfigMap, NS);
      const web = f.caches.slotFor(ConfigMap, { namespace: 'ns', labelSelector: 'app=web' });
      let held = true;
      f.hold = (s) => held && s.includes('app=web');
      f.caches.route([1, 2]);
      const plain = f.caches.pendingInformers().find((i) => i.scope.labelSelector === IN_1_2);
      assert.ok(plain);
      await until(() => plain.hasSynced(), 'the informer of the slot without app=web to sync');
      await until(
        () => f.listed().filter((s) => s.includes('app=web')).length >= 2,
        'the held LIST to be retried',
      );
      assert.equal(f.caches.pendingInformers().length, 2);
      assert.deepEqual(all.current(), [], 'a synced informer waits for the others');
      assert.deepEqual(web.current(), []);
      assert.equal(f.caches.covers(1), false);
      held = false;
      await until(() => f.caches.covers(1), 'bucket 1 covered');
      assert.deepEqual(names(all.current()[0]), ['a1', 'b1', 'c2']);
      assert.deepEqual(names(web.current()[0]), ['b1', 'c2']);
      assert.equal(f.covered(), 1);
    });
  });

  it('puts nothing in use and covers nothing when routed to no buckets', async () => {
    await withFixture(async (f) => {
      const slot = f.caches.slotFor(ConfigMap, NS);
      const rec = recorder();
      slot.addHandler(rec.handler);
      f.caches.route([]);
      assert.deepEqual(slot.current(), []);
      assert.deepEqual(f.caches.pendingInformers(), []);
      await sleepMs(50);
      assert.deepEqual(f.registry.informers(), []);
      assert.equal(f.server.lists().length, 0);

      f.caches.route([1, 2]);
      await until(() => f.caches.covers(1), 'buckets 1 and 2 covered');
      const old = slot.current()[0];
      assert.ok(old);
      f.caches.route([]);
      assert.deepEqual(slot.current(), []);
      assert.equal(f.caches.covers(1), false);
      assert.equal(f.caches.covers(2), false);
      assert.deepEqual(f.caches.pendingInformers(), []);
      assert.equal(f.registry.informers().includes(old), false);
      await until(() => !old.health().watching, 'the old informer to stop');
      assert.equal(rec.events.filter((e) => e.startsWith('delete')).length, 0);

      // A pending change is dropped too.
      f.hold = (s) => s === IN_3;
      f.caches.route([3]);
      await until(() => f.listed().includes(IN_3), 'the LIST of bucket 3');
      const [pending] = f.caches.pendingInformers();
      assert.ok(pending);
      f.caches.route([]);
      assert.deepEqual(f.caches.pendingInformers(), []);
      assert.equal(f.registry.informers().includes(pending), false);
      assert.equal(f.caches.covers(3), false);
      assert.deepEqual(slot.current(), []);
    });
  });

  it('adds the slot’s indexes to every new informer', async () => {
    await withFixture(async (f) => {
      const slot = f.caches.slotFor(ConfigMap, NS);
      const byBucket = (o: KubeObject): string[] => {
        const b = o.metadata?.labels?.[SHARD_BUCKET_LABEL];
        return b === undefined ? [] : [b];
      };
      const byFirst = (o: KubeObject): string[] => [(o.metadata?.name ?? '').slice(0, 1)];
      slot.addIndex('bucket', byBucket);
      f.caches.route([1, 2]);
      await until(() => f.caches.covers(1), 'buckets 1 and 2 covered');
      const first = slot.current()[0];
      assert.ok(first);
      assert.deepEqual(
        first.store
          .byIndex('bucket', '1')
          .map((o) => o.metadata?.name)
          .sort(),
        ['a1', 'b1'],
      );
      // Added while an informer is in use: on it at once, and on the later ones.
      slot.addIndex('first', byFirst);
      assert.deepEqual(
        first.store.byIndex('first', 'c').map((o) => o.metadata?.name),
        ['c2'],
      );

      f.caches.route([2, 3]);
      await until(() => f.caches.covers(3), 'bucket 3 covered');
      const second = slot.current()[0];
      assert.ok(second && second !== first);
      assert.deepEqual(
        second.store
          .byIndex('bucket', '3')
          .map((o) => o.metadata?.name)
          .sort(),
        ['d3', 'e3'],
      );
      assert.deepEqual(second.store.byIndex('bucket', '1'), []);
      assert.deepEqual(
        second.store.byIndex('first', 'e').map((o) => o.metadata?.name),
        ['e3'],
      );
    });
  });
});
