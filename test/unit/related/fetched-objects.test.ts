// The full copies of selected related objects beside a metadata-only cache: fetched once per
// resourceVersion, shared by concurrent reads and by operators, dropped when stale, deleted or no
// longer selected; and the read that resolves every relation before sync.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { relatedRef } from '../../../src/config/related-ref.js';
import { ApiError } from '../../../src/runtime/api/api-error.js';
import { FetchedObjects, type GetObject } from '../../../src/runtime/related/fetched-objects.js';
import { readRelated } from '../../../src/runtime/related/related-lookup.js';
import type { ResolvedSelection } from '../../../src/runtime/related/selection.js';
import { Secret } from '../../../src/types/builtins.js';
import type { KubeObject } from '../../../src/types/kube-object.js';
import { resourceTypeId } from '../../../src/types/resource-type.js';

const meta = (name: string, rv: string, labels?: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name, namespace: 'ns', resourceVersion: rv, ...(labels ? { labels } : {}) },
});
const full = (name: string, rv: string, labels?: Record<string, string>): KubeObject =>
  ({ ...meta(name, rv, labels), data: { password: `${name}@${rv}` } }) as KubeObject;
const dataOf = (o: KubeObject | undefined) =>
  (o as { data?: { password?: string } } | undefined)?.data?.password;
const byName = (name: string): ResolvedSelection => ({
  type: Secret,
  typeId: resourceTypeId(Secret),
  namespace: 'ns',
  name,
});

/** A scripted API server of Secrets: `live` is what a GET answers; `gets` counts the GETs. */
function fakeGet() {
  const live = new Map<string, KubeObject>();
  const gets: string[] = [];
  let gate: Promise<void> | undefined;
  const signals: AbortSignal[] = [];
  const get: GetObject = async (_type, namespace, name, signal) => {
    gets.push(`${namespace}/${name}`);
    signals.push(signal);
    if (gate) await gate;
    signal.throwIfAborted();
    const obj = live.get(name);
    return obj ? structuredClone(obj) : undefined;
  };
  return {
    live,
    gets,
    signals,
    get,
    /** Holds every GET until the returned function is called. */
    hold(): () => void {
      let open!: () => void;
      gate = new Promise((r) => {
        open = r;
      });
      return () => {
        gate = undefined;
        open();
      };
    },
  };
}

describe('FetchedObjects', () => {
  it('fetches a selected object once per resourceVersion, and refetches when it changed', async () => {
    const api = fakeGet();
    const fetched = new FetchedObjects(Secret, api.get);
    fetched.addHolder(() => true);
    api.live.set('pw', full('pw', '1'));
    const first = await fetched.read(meta('pw', '1'));
    assert.equal(dataOf(first), 'pw@1');
    assert.ok(Object.isFrozen(first) && Object.isFrozen((first as { data?: object }).data), 'frozen');
    assert.equal(await fetched.read(meta('pw', '1')), first, 'the kept copy, no second GET');
    assert.deepEqual(api.gets, ['ns/pw']);
    api.live.set('pw', full('pw', '2'));
    assert.equal(dataOf(await fetched.read(meta('pw', '2'))), 'pw@2');
    assert.equal(api.gets.length, 2);
    assert.equal(fetched.size, 1);
  });

  it('shares one GET between concurrent reads of one object', async () => {
    const api = fakeGet();
    const fetched = new FetchedObjects(Secret, api.get);
    fetched.addHolder(() => true);
    api.live.set('pw', full('pw', '1'));
    const release = api.hold();
    const reads = [
      fetched.read(meta('pw', '1')),
      fetched.read(meta('pw', '1')),
      fetched.read(meta('pw', '1')),
    ];
    release();
    const got = await Promise.all(reads);
    assert.deepEqual(api.gets, ['ns/pw']);
    assert.ok(got.every((o) => o === got[0] && dataOf(o) === 'pw@1'));
  });

  it('reads a 404 as undefined, and keeps nothing for it', async () => {
    const api = fakeGet();
    const fetched = new FetchedObjects(Secret, api.get);
    fetched.addHolder(() => true);
    assert.equal(await fetched.read(meta('gone', '1')), undefined);
    assert.equal(fetched.size, 0);
  });

  it('keeps only what some holder holds, and drops copies that go stale, are deleted or let go', async () => {
    const api = fakeGet();
    const fetched = new FetchedObjects(Secret, api.get);
    const heldByA = new Set(['a', 'both']);
    const heldByB = new Set(['b', 'both']);
    const removeA = fetched.addHolder((o) => heldByA.has(o.metadata?.name ?? ''));
    fetched.addHolder((o) => heldByB.has(o.metadata?.name ?? ''));
    for (const n of ['a', 'b', 'both', 'nobody', 'x']) api.live.set(n, full(n, '1'));
    for (const n of ['a', 'b', 'both', 'nobody', 'x']) await fetched.read(meta(n, '1'));
    assert.equal(fetched.size, 3, 'a copy nobody holds is returned but not kept');

    fetched.changed(meta('a', '1'));
    assert.equal(fetched.size, 3, 'the same resourceVersion keeps the copy');
    fetched.changed(meta('a', '2'));
    assert.equal(fetched.size, 2, 'a newer one makes it stale');
    fetched.deleted(meta('b', '1'));
    assert.equal(fetched.size, 1);

    // A parent of operator A stops naming `both`: operator B still holds it.
    heldByA.delete('both');
    fetched.release([byName('both')]);
    assert.equal(fetched.size, 1);
    heldByB.delete('both');
    fetched.release([byName('both')]);
    assert.equal(fetched.size, 0);

    // A selector's release checks the copies it matches.
    heldByA.add('x');
    api.live.set('x', full('x', '2', { team: 't' }));
    await fetched.read(meta('x', '2', { team: 't' }));
    assert.equal(fetched.size, 1);
    heldByA.delete('x');
    fetched.release([{ ...byName('x'), name: undefined, selector: { matchLabels: { team: 'other' } } }]);
    assert.equal(fetched.size, 1, 'a selector that does not match it leaves it');
    fetched.release([{ ...byName('x'), name: undefined, selector: { matchLabels: { team: 't' } } }]);
    assert.equal(fetched.size, 0);

    // Removing a holder (an operator stopping) drops what it alone held.
    await fetched.read(meta('a', '1'));
    assert.equal(fetched.size, 1);
    removeA();
    assert.equal(fetched.size, 0);
    assert.equal(fetched.holderCount, 1);
  });

  it('keeps nothing from a GET that outlived the parent that asked for it', async () => {
    const api = fakeGet();
    const fetched = new FetchedObjects(Secret, api.get);
    let selected = true;
    fetched.addHolder(() => selected);
    api.live.set('pw', full('pw', '1'));
    const release = api.hold();
    const read = fetched.read(meta('pw', '1'));
    selected = false;
    release();
    assert.equal(dataOf(await read), 'pw@1');
    assert.equal(fetched.size, 0);
  });

  it('stops waiting when a reader’s signal aborts, and cancels the GET once no reader waits', async () => {
    const api = fakeGet();
    const fetched = new FetchedObjects(Secret, api.get);
    fetched.addHolder(() => true);
    api.live.set('pw', full('pw', '1'));
    const release = api.hold();
    const one = new AbortController();
    const two = new AbortController();
    const first = fetched.read(meta('pw', '1'), one.signal);
    const second = fetched.read(meta('pw', '1'), two.signal);
    one.abort(new Error('deadline'));
    await assert.rejects(first, /deadline/);
    assert.equal(api.signals[0]?.aborted, false, 'another reader still waits');
    two.abort(new Error('shutdown'));
    await assert.rejects(second, /shutdown/);
    assert.equal(api.signals[0]?.aborted, true, 'nobody waits: the GET is cancelled');
    release();
    // A later read starts afresh rather than joining the cancelled GET.
    assert.equal(dataOf(await fetched.read(meta('pw', '1'))), 'pw@1');
    assert.equal(api.gets.length, 2);
    await assert.rejects(fetched.read(meta('pw', '2'), AbortSignal.abort(new Error('already'))), /already/);
  });
});

describe('readRelated', () => {
  const ref = relatedRef(Secret, () => ({ name: 'pw' }), 'password');
  const selection = byName('pw');
  const selections = new Map([['password', selection]]);

  it('reads every selection before sync, and answers related() from what it read', async () => {
    let reads = 0;
    const lookup = await readRelated([ref], selections, async () => {
      reads++;
      return [full('pw', '1')];
    });
    assert.equal(typeof lookup, 'function');
    if (typeof lookup !== 'function') return;
    assert.equal(reads, 1);
    assert.equal(dataOf(lookup(ref)[0]), 'pw@1');
    assert.equal(lookup(ref), lookup(ref), 'one list per relation and pass');
    assert.equal(reads, 1, 'sync’s calls read nothing more');
  });

  it('turns a failed read into a RelatedReadFailed problem naming the request', async () => {
    const forbidden = new ApiError(403, 'get', '/api/v1/namespaces/ns/secrets/pw', { message: 'no' });
    const problem = await readRelated([ref], selections, async () => {
      throw forbidden;
    });
    assert.equal(typeof problem, 'object');
    if (typeof problem === 'function') return;
    assert.equal(problem.reason, 'RelatedReadFailed');
    assert.match(problem.message, /could not be read: Forbidden: get \/api\/v1\/namespaces\/ns\/secrets\/pw/);
    assert.equal(problem.cause, forbidden);
  });

  it('rejects when the pass’s signal aborted, so the pass ends as aborted rather than failed', async () => {
    const controller = new AbortController();
    const reading = readRelated(
      [ref],
      selections,
      (_s, signal) =>
        new Promise((_resolve, reject) => signal?.addEventListener('abort', () => reject(signal.reason))),
      controller.signal,
    );
    controller.abort(new Error('deadline'));
    await assert.rejects(reading, /deadline/);
  });
});
