import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError } from '../../../src/runtime/api/api-error.js';
import type { InformerScope } from '../../../src/runtime/informers/informer-scope.js';
import {
  SharedInformer,
  type SharedInformerOptions,
} from '../../../src/runtime/informers/shared-informer.js';
import { ConfigMap } from '../../../src/types/builtins.js';
import type { KubeObject } from '../../../src/types/kube-object.js';
import type { ResourceType } from '../../../src/types/resource-type.js';
import {
  captureLog,
  cm,
  FakeApiServer,
  fast,
  LEVEL,
  type LogRecord,
  page,
  recorder,
  sleepMs,
  status,
  until,
} from './fake-api-server.js';

const CM = ConfigMap as ResourceType<KubeObject>;
const PATH = '/api/v1/namespaces/ns/configmaps';

async function setup(options: SharedInformerOptions = {}, scope: InformerScope = { namespace: 'ns' }) {
  const server = await new FakeApiServer().start();
  const informer = new SharedInformer(server.client(), CM, scope, { ...fast, ...options });
  const rec = recorder();
  informer.addHandler(rec.handler);
  return {
    server,
    informer,
    rec,
    async done() {
      await informer.stop();
      await server.close();
    },
  };
}

const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe('Reflector: list', () => {
  it('lists page by page with limit and continue, then watches from the list resourceVersion', async () => {
    const t = await setup({ pageSize: 2 }, { namespace: 'ns', labelSelector: 'app=x' });
    try {
      const all = ['a', 'b', 'c', 'd', 'e'].map((n) => cm(n, '1'));
      t.server.onList = (q) => {
        const from = Number(q.get('continue')?.slice(1) ?? 0);
        const limit = Number(q.get('limit'));
        const next = from + limit < all.length ? `t${from + limit}` : undefined;
        return page('100', all.slice(from, from + limit), next);
      };
      t.informer.start();
      await t.informer.waitForSync();

      const lists = t.server.lists();
      assert.deepEqual(
        lists.map((r) => r.query.get('continue')),
        [null, 't2', 't4'],
      );
      for (const r of lists) {
        assert.equal(r.path, PATH);
        assert.equal(r.query.get('limit'), '2');
        assert.equal(r.query.get('labelSelector'), 'app=x');
      }
      assert.deepEqual(t.rec.events, ['add a@1', 'add b@1', 'add c@1', 'add d@1', 'add e@1']);

      await until(() => t.server.watches().length === 1, 'the watch');
      const w = t.server.watches()[0].query;
      assert.equal(w.get('watch'), '1');
      assert.equal(w.get('allowWatchBookmarks'), 'true');
      assert.equal(w.get('resourceVersion'), '100');
      assert.equal(w.get('labelSelector'), 'app=x');
      const timeout = Number(w.get('timeoutSeconds'));
      assert.ok(timeout >= 300 && timeout <= 600, `timeoutSeconds ${timeout} in 300..600`);
      assert.equal(t.informer.health().lists, 1);
    } finally {
      await t.done();
    }
  });

  it('fills in apiVersion and kind on list items and strips managedFields', async () => {
    const t = await setup();
    try {
      t.server.onList = () =>
        page('7', [
          cm('a', '1', {
            metadata: { name: 'a', namespace: 'ns', resourceVersion: '1', managedFields: [{}] },
          }),
        ]);
      t.informer.start();
      await t.informer.waitForSync();
      const a = t.informer.store.get('ns/a');
      assert.equal(a?.apiVersion, 'v1');
      assert.equal(a?.kind, 'ConfigMap');
      assert.equal(a?.metadata?.managedFields, undefined);
    } finally {
      await t.done();
    }
  });

  it('restarts the list from page one when a continue token expires (410), without duplicate adds', async () => {
    const t = await setup({ pageSize: 2 });
    try {
      const all = ['a', 'b', 'c', 'd', 'e'].map((n) => cm(n, '1'));
      let expired = false;
      t.server.onList = (q) => {
        if (q.get('continue') === 't2' && !expired) {
          expired = true;
          return { status: 410, body: status(410, 'Expired', 'The provided continue parameter is too old') };
        }
        const from = Number(q.get('continue')?.slice(1) ?? 0);
        const next = from + 2 < all.length ? `t${from + 2}` : undefined;
        return page('100', all.slice(from, from + 2), next);
      };
      t.informer.start();
      await t.informer.waitForSync();
      assert.deepEqual(
        t.server.lists().map((r) => r.query.get('continue')),
        [null, 't2', null, 't2', 't4'],
      );
      assert.equal(t.informer.store.size, 5);
      assert.equal(t.rec.events.length, 5);
      assert.equal(t.informer.health().lists, 1);
      assert.equal(t.informer.health().errors, 0);
    } finally {
      await t.done();
    }
  });
});

describe('Reflector: watch', () => {
  it('applies ADDED/MODIFIED/DELETED split across arbitrary chunks, and resumes from the bookmark', async () => {
    const t = await setup();
    try {
      t.server.onList = () => page('100', [cm('a', '1'), cm('b', '1')]);
      const greeting = 'grüß dich, 日本';
      const stream = Buffer.from(
        [
          {
            type: 'ADDED',
            object: { ...cm('f', '101'), apiVersion: 'v1', kind: 'ConfigMap', data: { greeting } },
          },
          { type: 'MODIFIED', object: { ...cm('a', '102'), apiVersion: 'v1', kind: 'ConfigMap' } },
          { type: 'DELETED', object: { ...cm('b', '103'), apiVersion: 'v1', kind: 'ConfigMap' } },
          {
            type: 'BOOKMARK',
            object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { resourceVersion: '110' } },
          },
        ]
          .map((e) => `${JSON.stringify(e)}\n`)
          .join(''),
      );
      // Split inside the multi-byte character too: UTF-8 must be decoded across chunks.
      const mb = stream.indexOf(Buffer.from('日'));
      const cuts = [5, mb + 1, mb + 2, ...Array.from({ length: 40 }, (_, i) => mb + 3 + i * 11)].filter(
        (c) => c < stream.length,
      );
      t.server.onWatch = async (conn, n) => {
        if (n !== 1) return conn.open();
        let from = 0;
        for (const cut of [...cuts, stream.length]) {
          conn.write(stream.subarray(from, cut));
          from = cut;
          await sleepMs(1);
        }
        conn.end();
      };
      t.informer.start();
      await until(() => t.server.watches().length === 2, 'the second watch');

      assert.deepEqual(t.rec.events, ['add a@1', 'add b@1', 'add f@101', 'update a@1->102', 'delete b@103']);
      const f = t.informer.store.get('ns/f') as KubeObject & { data?: Record<string, string> };
      assert.equal(f.data?.greeting, greeting);
      assert.deepEqual(t.informer.store.keys().sort(), ['ns/a', 'ns/f']);
      assert.equal(t.server.watches()[1].query.get('resourceVersion'), '110', 'resumes from the bookmark');
      const h = t.informer.health();
      assert.equal(h.lists, 1, 'a normal end of the watch does not relist');
      assert.equal(h.errors, 0);
      assert.equal(h.resourceVersion, '110');
    } finally {
      await t.done();
    }
  });

  it('relists on an ERROR 410 event and reports only what changed', async () => {
    const t = await setup();
    try {
      t.server.onList = (_q, n) =>
        n === 1
          ? page('10', [cm('a', '1'), cm('b', '1'), cm('c', '1')])
          : page('20', [cm('a', '1'), cm('b', '5'), cm('d', '6')]);
      t.server.onWatch = (conn, n) => {
        if (n === 1) conn.event('ERROR', status(410, 'Expired', 'too old resource version: 10 (15)'));
        else conn.open();
      };
      t.informer.start();
      await t.informer.waitForSync();
      const aBefore = t.informer.store.get('ns/a');
      await until(() => t.server.watches().length === 2, 'the watch after the relist');

      assert.deepEqual(t.rec.events.slice(0, 3), ['add a@1', 'add b@1', 'add c@1']);
      assert.deepEqual(t.rec.events.slice(3).sort(), ['add d@6', 'delete c@1', 'update b@1->5']);
      assert.equal(t.informer.store.get('ns/a'), aBefore, 'the unchanged object is not replaced');
      assert.equal(t.server.watches()[1].query.get('resourceVersion'), '20');
      const h = t.informer.health();
      assert.equal(h.lists, 2);
      assert.equal(h.errors, 0, 'one 410 is routine, not an error');
      assert.equal(h.failingSince, undefined);
    } finally {
      await t.done();
    }
  });

  it('relists when the watch request itself is answered 410', async () => {
    const t = await setup();
    try {
      t.server.onList = (_q, n) => page(String(n * 10), [cm('a', String(n))]);
      t.server.onWatch = (conn, n) => {
        if (n === 1) conn.reply(410, status(410, 'Gone', 'too old'));
        else conn.open();
      };
      t.informer.start();
      await until(() => t.server.watches().length === 2, 'the watch after the relist');
      assert.equal(t.server.lists().length, 2);
      assert.equal(t.server.watches()[1].query.get('resourceVersion'), '20');
      assert.deepEqual(t.rec.events, ['add a@1', 'update a@1->2']);
    } finally {
      await t.done();
    }
  });

  it('ends a stalled watch and resumes from the last resourceVersion without relisting', async () => {
    const t = await setup({ stallTimeoutMs: 150 });
    let ticker: NodeJS.Timeout | undefined;
    try {
      t.server.onList = () => page('10', []);
      t.server.onWatch = (conn, n) => {
        if (n === 1) {
          conn.event('ADDED', { ...cm('x', '11'), apiVersion: 'v1', kind: 'ConfigMap' });
          return; // then silence, like a half-open connection
        }
        // A live watch: bookmarks well within the stall timeout must keep it open.
        let rv = 11;
        ticker = setInterval(() => {
          rv++;
          conn.event('BOOKMARK', {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: { resourceVersion: String(rv) },
          });
        }, 40);
      };
      t.informer.start();
      await until(() => t.server.watches().length === 2, 'a new watch after the stall');
      assert.equal(t.server.watches()[1].query.get('resourceVersion'), '11');
      const gap = t.server.watches()[1].at - t.server.watches()[0].at;
      assert.ok(gap >= 150, `stall detected after ${gap} ms, not before the timeout`);
      assert.equal(t.informer.health().stalls, 1);
      assert.match(t.informer.health().lastError?.message ?? '', /received nothing .* for 150 ms/);

      await sleepMs(400);
      const h = t.informer.health();
      assert.equal(h.stalls, 1, 'a watch that receives bookmarks is not stalled');
      assert.equal(t.server.watches().length, 2);
      assert.equal(h.lists, 1, 'a stall does not relist');
      assert.ok(Number(h.resourceVersion) > 12, 'bookmarks advance the resourceVersion');
      assert.equal(h.watching, true);
    } finally {
      clearInterval(ticker);
      await t.done();
    }
  });
});

describe('Reflector: failures and backoff', () => {
  it('backs off exponentially on HTTP 500, recovers, and clears failingSince once healthy', async () => {
    const t = await setup({ backoff: { initialMs: 40, maxMs: 1000, factor: 2, resetAfterMs: 150 } });
    try {
      t.server.onList = (_q, n) =>
        n <= 3
          ? { status: 500, body: status(500, 'InternalError', 'etcd is sad') }
          : page('10', [cm('a', '1')]);
      t.informer.start();
      await until(() => t.server.lists().length === 2, 'the first retry');
      let h = t.informer.health();
      assert.ok(h.failingSince instanceof Date);
      assert.match(h.lastError?.message ?? '', /list \/api\/v1\/namespaces\/ns\/configmaps failed with 500/);
      assert.equal(h.synced, false);

      await t.informer.waitForSync();
      const at = t.server.lists().map((r) => r.at);
      const gaps = [at[1] - at[0], at[2] - at[1], at[3] - at[2]];
      // Equal jitter: attempt n waits between half and all of 40 * 2^(n-1).
      assert.ok(gaps[0] >= 19, `first gap ${gaps[0]}`);
      assert.ok(gaps[1] >= 39, `second gap ${gaps[1]}`);
      assert.ok(gaps[2] >= 79, `third gap ${gaps[2]}`);
      h = t.informer.health();
      assert.equal(h.errors, 3);
      assert.equal(h.consecutiveFailures, 3);
      assert.ok(h.failingSince, 'still failing until the watch has been up for resetAfterMs');

      await until(() => t.informer.health().failingSince === undefined, 'the failure streak to end');
      h = t.informer.health();
      assert.equal(h.consecutiveFailures, 0);
      assert.ok(h.lastError, 'lastError is kept for diagnosis');
      assert.deepEqual(t.rec.events, ['add a@1']);
    } finally {
      await t.done();
    }
  });

  it('keeps retrying a 403 with a message naming verb and resource, and never syncs', async () => {
    const t = await setup();
    try {
      t.server.onList = () => ({
        status: 403,
        body: status(
          403,
          'Forbidden',
          'configmaps is forbidden: User "system:serviceaccount:op:op" cannot list resource "configmaps" in API group "" in the namespace "ns"',
        ),
      });
      t.informer.start();
      await assert.rejects(
        t.informer.waitForSync(AbortSignal.timeout(300)),
        (e: Error) => e.name === 'TimeoutError',
      );
      const h = t.informer.health();
      assert.equal(h.synced, false);
      assert.ok(h.failingSince);
      assert.match(
        h.lastError?.message ?? '',
        /^Forbidden: list \/api\/v1\/namespaces\/ns\/configmaps: .*cannot list/,
      );
      assert.ok(h.lastError instanceof ApiError && h.lastError.status === 403);
      const attempts = t.server.lists().length;
      assert.ok(attempts >= 3 && attempts <= 8, `${attempts} attempts in 300 ms with 20 ms doubling backoff`);
    } finally {
      await t.done();
    }
  });

  it('does not relist in a hot loop when every watch is answered 410', async () => {
    const t = await setup({ backoff: { initialMs: 50, maxMs: 400, factor: 2, resetAfterMs: 10_000 } });
    try {
      t.server.onList = () => page('10', []);
      t.server.onWatch = (conn) => conn.reply(410, status(410, 'Gone', 'too old'));
      t.informer.start();
      await sleepMs(600);
      const lists = t.server.lists().length;
      // Immediate relist after the first 410, then 25–50, 50–100, 100–200, 200–400 ms.
      assert.ok(lists >= 3 && lists <= 7, `${lists} lists in 600 ms`);
      assert.ok(ApiError.isGone(t.informer.health().lastError));
    } finally {
      await t.done();
    }
  });

  it('backs off when the server ends every watch at once without events', async () => {
    const t = await setup({ backoff: { initialMs: 50, maxMs: 400, factor: 2, resetAfterMs: 10_000 } });
    try {
      t.server.onList = () => page('10', []);
      t.server.onWatch = (conn) => conn.end();
      t.informer.start();
      await sleepMs(500);
      const watches = t.server.watches().length;
      assert.ok(watches >= 3 && watches <= 7, `${watches} watches in 500 ms`);
      assert.equal(t.server.lists().length, 1, 'an ended watch never relists');
      assert.match(
        t.informer.health().lastError?.message ?? '',
        /ended the watch .* without sending anything/,
      );
    } finally {
      await t.done();
    }
  });

  it('survives a malformed line: ends that watch and resumes from the last good resourceVersion', async () => {
    const t = await setup();
    try {
      t.server.onList = () => page('10', []);
      t.server.onWatch = (conn, n) => {
        if (n === 1) {
          conn.event('ADDED', { ...cm('a', '11'), apiVersion: 'v1', kind: 'ConfigMap' });
          conn.write('this is not json\n');
        } else conn.open();
      };
      t.informer.start();
      await until(() => t.server.watches().length === 2, 'the second watch');
      assert.equal(t.server.watches()[1].query.get('resourceVersion'), '11');
      assert.match(t.informer.health().lastError?.message ?? '', /not JSON/);
      assert.deepEqual(t.rec.events, ['add a@11']);
    } finally {
      await t.done();
    }
  });
});

/** The waits the reflector chose after failures, in order (from its warn/debug lines). */
const waits = (records: LogRecord[]): number[] =>
  records.filter((r) => r.retryInMs !== undefined).map((r) => r.retryInMs ?? Number.NaN);

/** A watch event carrying a ConfigMap as the API server sends it. */
const watched = (name: string, rv: string) => ({ ...cm(name, rv), apiVersion: 'v1', kind: 'ConfigMap' });

describe('Reflector: recovery after an API server outage', () => {
  it('relists at once when the API server comes back with 410 Gone: no backoff wait', async () => {
    const { log, records } = captureLog();
    // Any error backoff would wait at least 5 s (half of initialMs); the outage itself retries fast.
    const t = await setup({
      log,
      backoff: { initialMs: 10_000, unreachableMaxMs: 100, maxMs: 60_000, factor: 2, resetAfterMs: 60_000 },
    });
    try {
      let serverRv = '10';
      t.server.onList = () => page(serverRv, [cm('a', serverRv === '10' ? '1' : '50')]);
      t.server.onWatch = (conn, n) => {
        if (n === 1) return conn.event('ADDED', watched('b', '11'));
        // The restarted API server's watch cache starts after resourceVersion 11.
        if (conn.query.get('resourceVersion') === '11') {
          return conn.reply(410, status(410, 'Expired', 'too old resource version: 11 (40)'));
        }
        conn.open();
      };
      t.informer.start();
      await until(() => t.informer.store.size === 2, 'the watched object');
      await t.server.goDown();
      await until(() => t.informer.health().errors >= 4, 'a few refused attempts');
      serverRv = '60';
      await t.server.comeBack();
      await until(() => t.server.lists().length === 2, 'the relist', 5_000);

      const gone = t.server.watches().find((w) => w.query.get('resourceVersion') === '11');
      assert.ok(gone, 'the watch was retried from resourceVersion 11');
      const gap = t.server.lists()[1].at - gone.at;
      assert.ok(gap < 2_000, `relisted ${Math.round(gap)} ms after the 410 (a backoff would wait ≥ 5 s)`);
      assert.ok(
        records.some((r) => r.level === LEVEL.info && /410 Gone\); relisting now/.test(r.msg)),
        'logged as routine',
      );
      assert.ok(
        waits(records).every((w) => w <= 100),
        `only the capped outage waits were scheduled: ${waits(records).join(', ')}`,
      );
      await until(() => t.server.watches().at(-1)?.query.get('resourceVersion') === '60', 'the new watch');
      assert.deepEqual(t.rec.events, ['add a@1', 'add b@11', 'update a@1->50', 'delete b@11']);
      assert.equal(t.informer.health().lists, 2);
    } finally {
      await t.done();
    }
  });

  it('keeps backing off while connections are refused, capped at unreachableMaxMs, then resumes the watch', async () => {
    const { log, records } = captureLog();
    const t = await setup({
      log,
      backoff: { initialMs: 20, unreachableMaxMs: 100, maxMs: 10_000, factor: 2, resetAfterMs: 60_000 },
    });
    try {
      t.server.onList = () => page('10', [cm('a', '1')]);
      t.server.onWatch = (conn, n) => {
        if (n === 1) conn.event('MODIFIED', watched('a', '12'));
        else conn.open();
      };
      t.informer.start();
      await until(() => t.informer.health().resourceVersion === '12', 'the first watch event');
      await t.server.goDown();
      await sleepMs(800);
      const h = t.informer.health();
      assert.equal(h.watching, false);
      assert.ok(h.failingSince instanceof Date);
      assert.match(h.lastError?.message ?? '', /Cannot reach the Kubernetes API server .*ECONNREFUSED/);

      const outage = waits(records);
      assert.ok(outage.length >= 4, `${outage.length} attempts in 800 ms`);
      assert.ok(
        outage.every((w) => w <= 100),
        `every wait within the 100 ms cap: ${outage.join(', ')}`,
      );
      assert.ok(Math.max(...outage) >= 50, `the waits grew to the cap: ${outage.join(', ')}`);
      const warned = records.filter((r) => r.level === LEVEL.warn && /ECONNREFUSED/.test(r.msg));
      assert.equal(warned.length, 1, 'the same failure is logged once as a warning, repeats at debug');

      const back = performance.now();
      await t.server.comeBack();
      await until(() => t.informer.health().watching, 'the watch to re-open', 3_000);
      const rewatch = t.server.watches().at(-1);
      assert.ok(rewatch && rewatch.at - back < 2_000, 'back within the 100 ms cap (plus generous slack)');
      assert.equal(rewatch?.query.get('resourceVersion'), '12', 'resumes from the last resourceVersion');
      assert.equal(t.server.lists().length, 1, 'a network failure does not relist');
      assert.ok(
        records.some((r) => r.msg === 'API server reachable again' && (r.failedAttempts ?? 0) >= 4),
        'recovery is logged with the number of failed attempts',
      );
      assert.deepEqual(t.rec.events, ['add a@1', 'update a@1->12']);
    } finally {
      await t.done();
    }
  });

  it('an HTTP error answer ends the outage backoff: the next wait starts again from initialMs', async () => {
    const { log, records } = captureLog();
    const t = await setup({
      log,
      backoff: { initialMs: 40, unreachableMaxMs: 400, maxMs: 10_000, factor: 2, resetAfterMs: 60_000 },
    });
    try {
      t.server.onList = () => page('10', []);
      let failing = true;
      t.server.onWatch = (conn, n) => {
        if (n === 1) return conn.event('BOOKMARK', { metadata: { resourceVersion: '11' } });
        if (failing) return conn.reply(500, status(500, 'InternalError', 'etcd is starting'));
        conn.open();
      };
      t.informer.start();
      await until(() => t.informer.health().resourceVersion === '11', 'the bookmark');
      await t.server.goDown();
      // 40, 80, 160, 320, then the 400 ms cap: wait until the outage waits have grown past 100 ms.
      await until(() => waits(records).some((w) => w > 100), 'the outage backoff to grow', 5_000);
      const answeredWaits = () =>
        records
          .filter((r) => r.retryInMs !== undefined && /etcd is starting/.test(r.msg))
          .map((r) => r.retryInMs);
      await t.server.comeBack();
      await until(() => answeredWaits().length >= 2, 'two waits after the 500 answers', 5_000);
      failing = false;

      const [first, second] = answeredWaits();
      // The first 500 is the first failure of a new streak: 20–40 ms, not the 200–400 ms reached.
      assert.ok(first !== undefined && first <= 40, `first wait after the server answered: ${first} ms`);
      assert.ok(second !== undefined && second <= 80, `second: ${second} ms`);
      const h = t.informer.health();
      assert.ok(h.failingSince, 'a server that answers with errors is still failing');
      assert.equal(h.lists, 1);
      await until(() => t.informer.health().watching, 'the watch once the 500s stop');
    } finally {
      await t.done();
    }
  });

  it('retries a 503 like an unreachable server, within the low cap', async () => {
    const { log, records } = captureLog();
    const t = await setup({
      log,
      backoff: { initialMs: 20, unreachableMaxMs: 60, maxMs: 10_000, factor: 2, resetAfterMs: 60_000 },
    });
    try {
      t.server.onList = (_q, n) =>
        n <= 8
          ? {
              status: 503,
              body: status(503, 'ServiceUnavailable', 'the server is currently unable to handle the request'),
            }
          : page('10', []);
      t.informer.start();
      await t.informer.waitForSync(AbortSignal.timeout(3_000));
      const w = waits(records);
      assert.equal(w.length, 8);
      assert.ok(
        w.every((x) => x <= 60),
        `waits: ${w.join(', ')}`,
      );
    } finally {
      await t.done();
    }
  });

  it('waits as long as a 429 asks (retryAfterSeconds) when that is longer than the backoff', async () => {
    const { log, records } = captureLog();
    // maxMs also caps what a 429 may ask for.
    const t = await setup({ log, backoff: { ...fast.backoff, maxMs: 5_000 } });
    try {
      t.server.onList = (_q, n) =>
        n === 1
          ? {
              status: 429,
              body: {
                ...(status(429, 'TooManyRequests', 'storage is (re)initializing') as object),
                details: { retryAfterSeconds: 1 },
              },
            }
          : page('10', []);
      t.informer.start();
      await t.informer.waitForSync(AbortSignal.timeout(3_000));
      assert.deepEqual(waits(records), [1_000]);
      const [first, second] = t.server.lists();
      assert.ok(second.at - first.at >= 990, `retried after ${Math.round(second.at - first.at)} ms`);
    } finally {
      await t.done();
    }
  });
});

describe('Reflector: how a 429 is logged', () => {
  it('logs a first 429 (the API server filling a new cache) at info, and warns only when it repeats', async () => {
    const { log, records } = captureLog();
    const t = await setup({ log });
    try {
      const tooMany = {
        status: 429,
        body: {
          ...(status(429, 'TooManyRequests', 'storage is (re)initializing') as object),
          details: { retryAfterSeconds: 0 },
        },
      };
      // Twice in a row, then fine.
      t.server.onList = (_q, n) => (n <= 2 ? tooMany : page('10', []));
      t.informer.start();
      await t.informer.waitForSync(AbortSignal.timeout(3_000));
      const about429 = records.filter((r) => /storage is \(re\)initializing/.test(r.msg));
      assert.deepEqual(
        about429.map((r) => r.level),
        [LEVEL.info, LEVEL.warn],
        'the first at info; the second in a row warns',
      );
    } finally {
      await t.done();
    }
  });
});

describe('Reflector: stop', () => {
  it('stops an open watch cleanly: no error, no timer left, no handler call afterwards', async () => {
    const baseline = timers();
    const t = await setup();
    try {
      let conn: { event(type: string, object: unknown): void } | undefined;
      t.server.onList = () => page('10', [cm('a', '1')]);
      t.server.onWatch = (c) => {
        conn = c;
        c.open();
      };
      t.informer.start();
      await t.informer.waitForSync();
      await until(() => t.informer.health().watching, 'the watch to open');

      const started = performance.now();
      await t.informer.stop();
      assert.ok(performance.now() - started < 200, 'stop is prompt');
      const h = t.informer.health();
      assert.equal(h.watching, false);
      assert.equal(h.errors, 0);
      assert.equal(h.lastError, undefined, 'stopping is not an error');
      assert.equal(timers(), baseline, 'no timer of the informer is left running');

      conn?.event('ADDED', { ...cm('late', '99'), apiVersion: 'v1', kind: 'ConfigMap' });
      await sleepMs(50);
      assert.deepEqual(t.rec.events, ['add a@1']);
    } finally {
      await t.done();
    }
  });

  it('stops promptly during a long backoff wait', async () => {
    const baseline = timers();
    const t = await setup({ backoff: { initialMs: 60_000, maxMs: 60_000, factor: 2, resetAfterMs: 100 } });
    try {
      t.server.onList = () => ({ status: 500, body: status(500, 'InternalError', 'down') });
      t.informer.start();
      await until(() => t.informer.health().errors === 1, 'the first failure');
      const started = performance.now();
      await t.informer.stop();
      assert.ok(performance.now() - started < 200, 'stop does not wait out the backoff');
      assert.equal(timers(), baseline);
      assert.equal(t.server.lists().length, 1);
    } finally {
      await t.done();
    }
  });

  it('can be started again after stop, relisting and reporting only changes', async () => {
    const t = await setup();
    try {
      t.server.onList = (_q, n) =>
        n === 1 ? page('10', [cm('a', '1'), cm('b', '1')]) : page('20', [cm('a', '1')]);
      t.informer.start();
      await t.informer.waitForSync();
      await t.informer.stop();
      t.informer.start();
      await until(() => t.informer.health().lists === 2, 'the second list');
      assert.deepEqual(t.rec.events, ['add a@1', 'add b@1', 'delete b@1']);
    } finally {
      await t.done();
    }
  });

  it('a start() while a stop() is winding down runs one loop after the old one exits', async () => {
    const t = await setup();
    try {
      t.server.onList = () => page('10', [cm('a', '1')]);
      t.informer.start();
      await until(() => t.informer.health().watching, 'the first watch');
      const stopping = t.informer.stop();
      t.informer.start();
      await stopping;
      await until(() => t.server.watches().length === 2 && t.informer.health().watching, 'the second watch');
      await sleepMs(100);
      assert.equal(t.server.lists().length, 2);
      assert.equal(t.server.watches().length, 2);
      assert.equal(t.informer.health().errors, 0);
    } finally {
      await t.done();
    }
  });
});
