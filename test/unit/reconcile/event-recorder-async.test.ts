import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Logger } from '../../../src/observability/logger.js';
import type { ApiClient, ApiRequest } from '../../../src/runtime/api/api-client.js';
import { ApiError } from '../../../src/runtime/api/api-error.js';
import { EventRecorder, type EventRecorderOptions } from '../../../src/runtime/reconcile/event-recorder.js';
import type { KubeObject } from '../../../src/types/kube-object.js';

type Handler = (r: ApiRequest) => unknown;

/** An ApiClient-shaped fake: keeps every request; `handler` answers (or throws, or waits). */
function fakeApi(handler: Handler = () => ({})): { api: ApiClient; sent: ApiRequest[] } {
  const sent: ApiRequest[] = [];
  const api = {
    request: async (r: ApiRequest) => {
      sent.push(r);
      return await handler(r);
    },
  } as unknown as ApiClient;
  return { api, sent };
}

interface Warning {
  obj: Record<string, unknown>;
  msg: string;
}

function fakeLog(): { log: Logger; warnings: Warning[] } {
  const warnings: Warning[] = [];
  const log = {
    warn: (obj: Record<string, unknown>, msg: string) => warnings.push({ obj, msg }),
    info: () => {},
    debug: () => {},
    error: () => {},
  } as unknown as Logger;
  return { log, warnings };
}

/** A door a request waits at until the test opens it. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((r) => {
    open = r;
  });
  return { wait, open };
}

const tick = () => new Promise<void>((r) => setImmediate(r));

function fakeClock(start = Date.parse('2025-01-01T00:00:00Z')): {
  clock: () => number;
  advance: (ms: number) => void;
} {
  let now = start;
  return { clock: () => now, advance: (ms) => (now += ms) };
}

function parent(name = 'web', uid = `uid-${name}`): KubeObject {
  return {
    apiVersion: 'example.com/v1',
    kind: 'Echo',
    metadata: { name, namespace: 'demo', uid, resourceVersion: '7' },
  };
}

function recorder(
  api: ApiClient,
  options: EventRecorderOptions = {},
  log: Logger = fakeLog().log,
): EventRecorder {
  return new EventRecorder(api, 'echo-server', log, 'echo-server-pod', options);
}

type Body = Record<string, unknown> & { metadata: { name: string }; message: string; count: number };
const bodyOf = (r: ApiRequest | undefined) => r?.body as Body;
const posts = (sent: ApiRequest[]) => sent.filter((r) => r.method === 'POST');

describe('EventRecorder (asynchronous, client-go semantics)', () => {
  it('returns at once: the caller never waits for the API server', async () => {
    const door = gate();
    const { api, sent } = fakeApi(() => door.wait);
    const events = recorder(api);
    const result: unknown = events.record(parent(), 'Normal', 'Created', 'Created ConfigMap a');
    assert.equal(result, undefined, 'record returns nothing to await');
    assert.equal(sent.length, 0, 'nothing is sent in the caller’s turn');
    await tick();
    assert.equal(sent.length, 1, 'the writer sent it in the background');
    events.record(parent(), 'Normal', 'Created', 'Created ConfigMap b');
    assert.equal(events.pending, 1, 'queued behind the write in flight, the caller not held');
    door.open();
    await events.flush();
    assert.equal(sent.length, 2);
  });

  it('writes the Event body client-go writes, with the timestamps of when it was recorded', async () => {
    const { clock, advance } = fakeClock();
    const { api, sent } = fakeApi();
    const events = recorder(api, { clock });
    const first = new Date(clock()).toISOString();
    events.record(parent(), 'Warning', 'SyncFailed', 'x'.repeat(2000));
    advance(1500);
    events.record(parent(), 'Warning', 'SyncFailed', 'x'.repeat(2000));
    advance(60_000);
    await events.flush();
    assert.equal(sent.length, 1);
    assert.equal(sent[0]?.path, '/api/v1/namespaces/demo/events');
    const body = bodyOf(sent[0]);
    assert.match(body.metadata.name, /^web\.[0-9a-f]+$/);
    assert.deepEqual(body, {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: body.metadata.name, namespace: 'demo' },
      involvedObject: {
        apiVersion: 'example.com/v1',
        kind: 'Echo',
        name: 'web',
        namespace: 'demo',
        uid: 'uid-web',
        resourceVersion: '7',
      },
      type: 'Warning',
      reason: 'SyncFailed',
      message: 'x'.repeat(1024),
      source: { component: 'echo-server' },
      reportingComponent: 'echo-server',
      reportingInstance: 'echo-server-pod',
      firstTimestamp: first,
      lastTimestamp: new Date(Date.parse(first) + 1500).toISOString(),
      count: 2,
    });
  });

  it('writes Events in the order they were recorded, one request at a time', async () => {
    let inFlight = 0;
    let most = 0;
    const { api, sent } = fakeApi(async () => {
      most = Math.max(most, ++inFlight);
      await tick();
      inFlight--;
      return {};
    });
    const events = recorder(api);
    for (let i = 0; i < 5; i++) events.record(parent(`p${i}`), 'Normal', 'Created', `Created ${i}`);
    await tick();
    for (let i = 5; i < 8; i++) events.record(parent(`p${i}`), 'Normal', 'Created', `Created ${i}`);
    await events.flush();
    assert.deepEqual(
      sent.map((r) => bodyOf(r).message),
      [0, 1, 2, 3, 4, 5, 6, 7].map((i) => `Created ${i}`),
    );
    assert.equal(most, 1, 'one writer, one request at a time');
  });

  it('patches the count and lastTimestamp of an Event it already wrote, instead of creating another', async () => {
    const { clock, advance } = fakeClock();
    const { api, sent } = fakeApi();
    const events = recorder(api, { clock });
    events.record(parent(), 'Warning', 'SyncFailed', 'boom');
    await events.flush();
    advance(10_000);
    events.record(parent(), 'Warning', 'SyncFailed', 'boom');
    await events.flush();
    advance(10_000);
    events.record(parent(), 'Warning', 'SyncFailed', 'boom');
    await events.flush();
    const name = bodyOf(sent[0]).metadata.name;
    assert.deepEqual(
      sent.map((r) => `${r.method} ${r.path}`),
      [
        'POST /api/v1/namespaces/demo/events',
        `PATCH /api/v1/namespaces/demo/events/${name}`,
        `PATCH /api/v1/namespaces/demo/events/${name}`,
      ],
    );
    assert.equal(sent[1]?.contentType, 'application/merge-patch+json');
    assert.deepEqual(sent[1]?.body, { count: 2, lastTimestamp: new Date(clock() - 10_000).toISOString() });
    assert.deepEqual(sent[2]?.body, { count: 3, lastTimestamp: new Date(clock()).toISOString() });
  });

  it('does not fold Events that differ in object, type, reason or message', async () => {
    const { api, sent } = fakeApi();
    const events = recorder(api);
    events.record(parent(), 'Warning', 'SyncFailed', 'boom');
    events.record(parent('other'), 'Warning', 'SyncFailed', 'boom');
    events.record(parent(), 'Normal', 'SyncFailed', 'boom');
    events.record(parent(), 'Warning', 'Other', 'boom');
    events.record(parent(), 'Warning', 'SyncFailed', 'bang');
    await events.flush();
    assert.deepEqual(
      sent.map((r) => r.method),
      ['POST', 'POST', 'POST', 'POST', 'POST'],
    );
  });

  it('coalesces repeats still waiting in the queue into one write carrying their count', async () => {
    const door = gate();
    const { api, sent } = fakeApi((r) => (r.method === 'POST' ? door.wait : {}));
    const events = recorder(api);
    events.record(parent(), 'Warning', 'SyncFailed', 'boom');
    await tick(); // the POST is in flight
    for (let i = 0; i < 7; i++) events.record(parent(), 'Warning', 'SyncFailed', 'boom');
    assert.equal(events.pending, 1, 'seven repeats, one queued write');
    door.open();
    await events.flush();
    assert.deepEqual(
      sent.map((r) => r.method),
      ['POST', 'PATCH'],
    );
    assert.equal(bodyOf(sent[0]).count, 1);
    assert.equal(bodyOf(sent[1]).count, 8, '1 + 7');
  });

  it('creates a new Event when the one it would patch expired (404)', async () => {
    let expired = true;
    const { api, sent } = fakeApi((r) => {
      if (r.method === 'PATCH' && expired) {
        expired = false;
        throw new ApiError(404, 'patch', r.path, { kind: 'Status', reason: 'NotFound', code: 404 });
      }
      return {};
    });
    const { log, warnings } = fakeLog();
    const events = recorder(api, {}, log);
    events.record(parent(), 'Warning', 'SyncFailed', 'boom');
    await events.flush();
    events.record(parent(), 'Warning', 'SyncFailed', 'boom');
    await events.flush();
    events.record(parent(), 'Warning', 'SyncFailed', 'boom');
    await events.flush();
    assert.deepEqual(
      sent.map((r) => r.method),
      ['POST', 'PATCH', 'POST', 'PATCH'],
    );
    const second = bodyOf(sent[2]).metadata.name;
    assert.equal(bodyOf(sent[2]).count, 1, 'a fresh Event');
    assert.equal(
      sent[3]?.path,
      `/api/v1/namespaces/demo/events/${second}`,
      'later repeats patch the new one',
    );
    assert.equal(bodyOf(sent[3]).count, 2);
    assert.deepEqual(warnings, [], 'an expired Event is not a failure');
  });

  it('aggregates more than 10 different messages of one object, type and reason into one Event', async () => {
    const { clock, advance } = fakeClock();
    const { api, sent } = fakeApi();
    const events = recorder(api, { clock });
    for (let i = 1; i <= 10; i++) events.record(parent(), 'Warning', 'SyncFailed', `failure ${i}`);
    await events.flush();
    assert.equal(sent.length, 10, 'ten different messages: ten Events');
    events.record(parent(), 'Warning', 'SyncFailed', 'failure 11');
    await events.flush();
    events.record(parent(), 'Warning', 'SyncFailed', 'failure 12');
    events.record(parent(), 'Warning', 'SyncFailed', 'failure 1'); // an earlier message, too
    await events.flush();
    assert.deepEqual(
      sent.slice(10).map((r) => r.method),
      ['POST', 'PATCH'],
    );
    const aggregate = bodyOf(sent[10]);
    assert.equal(aggregate.message, '(combined from similar events): failure 11');
    assert.equal(aggregate.count, 1);
    assert.equal(sent[11]?.path, `/api/v1/namespaces/demo/events/${aggregate.metadata.name}`);
    assert.deepEqual(
      { ...(sent[11]?.body as object), lastTimestamp: undefined },
      { count: 3, message: '(combined from similar events): failure 1', lastTimestamp: undefined },
    );

    // Another reason is counted apart.
    events.record(parent(), 'Warning', 'Other', 'failure 13');
    await events.flush();
    assert.equal(bodyOf(sent[12]).message, 'failure 13');

    // After ten quiet minutes the count starts anew.
    advance(10 * 60_000 + 1);
    events.record(parent(), 'Warning', 'SyncFailed', 'failure 14');
    await events.flush();
    assert.equal(bodyOf(sent[13]).message, 'failure 14');
  });

  it('drops an object’s Events beyond a burst of 25, and lets one more through per 5 minutes', async () => {
    const { clock, advance } = fakeClock();
    const { api, sent } = fakeApi();
    const { log, warnings } = fakeLog();
    const events = recorder(api, { clock }, log);
    // Different reasons: neither folded nor aggregated, so each is its own write.
    for (let i = 0; i < 30; i++) events.record(parent(), 'Normal', `Reason${i}`, 'm');
    await events.flush();
    assert.equal(sent.length, 25);
    assert.equal(events.dropped, 5);
    assert.deepEqual(events.droppedBy, { queueFull: 0, spam: 5, closed: 0 });
    assert.deepEqual(warnings, [], 'spam is dropped without a log line');

    events.record(parent('other'), 'Normal', 'Reason0', 'm');
    await events.flush();
    assert.equal(sent.length, 26, 'the budget is per object');

    advance(5 * 60_000);
    events.record(parent(), 'Normal', 'Late1', 'm');
    events.record(parent(), 'Normal', 'Late2', 'm');
    await events.flush();
    assert.equal(sent.length, 27, 'one token back after 5 minutes');
    assert.equal(bodyOf(sent[26]).reason, 'Late1');
    assert.equal(events.droppedBy.spam, 6);

    advance(10 * 60_000);
    for (let i = 0; i < 3; i++) events.record(parent(), 'Normal', `Later${i}`, 'm');
    await events.flush();
    assert.equal(sent.length, 29, 'two tokens after 10 more minutes');
  });

  it('takes the spam limits as options', async () => {
    const { clock, advance } = fakeClock();
    const { api, sent } = fakeApi();
    const events = recorder(api, { clock, spamBurst: 2, spamRefillIntervalMs: 1000 });
    for (let i = 0; i < 4; i++) events.record(parent(), 'Normal', `R${i}`, 'm');
    advance(1000);
    events.record(parent(), 'Normal', 'R4', 'm');
    await events.flush();
    assert.deepEqual(
      sent.map((r) => bodyOf(r).reason),
      ['R0', 'R1', 'R4'],
    );
  });

  it('bounds the queue: drops the newest Events beyond it, counts them, warns once a minute', async () => {
    const { clock, advance } = fakeClock();
    const door = gate();
    const { api, sent } = fakeApi(() => door.wait);
    const { log, warnings } = fakeLog();
    const events = recorder(api, { clock, queueSize: 3 }, log);
    events.record(parent('p0'), 'Normal', 'Created', 'm');
    await tick(); // p0 is being written
    for (let i = 1; i <= 6; i++) events.record(parent(`p${i}`), 'Normal', 'Created', 'm');
    assert.equal(events.pending, 3);
    assert.equal(events.dropped, 3);
    assert.deepEqual(events.droppedBy, { queueFull: 3, spam: 0, closed: 0 });
    assert.equal(warnings.length, 1, 'one warning for the burst of drops');
    assert.equal(warnings[0]?.obj.dropped, 1);

    events.record(parent('p1'), 'Normal', 'Created', 'm');
    assert.equal(events.dropped, 3, 'a repeat of a queued Event takes no room');

    advance(61_000);
    events.record(parent('p7'), 'Normal', 'Created', 'm');
    assert.equal(warnings.length, 2, 'a minute later, another warning');
    assert.equal(warnings[1]?.obj.dropped, 3, 'with the drops since the last one');

    door.open();
    await events.flush();
    assert.deepEqual(
      posts(sent).map((r) => bodyOf(r).metadata.name.split('.')[0]),
      ['p0', 'p1', 'p2', 'p3'],
    );
    assert.equal(bodyOf(sent[1]).count, 2);
  });

  it('flush waits until the queue is written, or until its timeout', async () => {
    const door = gate();
    const { api, sent } = fakeApi(() => door.wait);
    const events = recorder(api);
    await events.flush(); // idle: resolves at once

    for (let i = 0; i < 3; i++) events.record(parent(`p${i}`), 'Normal', 'Created', 'm');
    let flushed = false;
    const flushing = events.flush().then(() => {
      flushed = true;
    });
    const started = Date.now();
    await events.flush(30);
    assert.ok(Date.now() - started >= 25, 'the timeout bounds the wait');
    assert.equal(flushed, false, 'still writing');
    assert.equal(sent.length, 1);

    door.open();
    await flushing;
    assert.equal(sent.length, 3);
    assert.equal(events.pending, 0);
  });

  it('close stops accepting Events, and what was queued is still written', async () => {
    const { api, sent } = fakeApi();
    const events = recorder(api);
    events.record(parent('before'), 'Normal', 'Created', 'm');
    events.close();
    events.record(parent('after'), 'Normal', 'Created', 'm');
    assert.equal(events.pending, 1);
    assert.deepEqual(events.droppedBy, { queueFull: 0, spam: 0, closed: 1 });
    await events.flush();
    assert.deepEqual(
      sent.map((r) => bodyOf(r).metadata.name.split('.')[0]),
      ['before'],
    );
  });

  it('once closed, an unreachable API server discards the rest of the queue with one warning', async () => {
    const { api, sent } = fakeApi((r) => {
      throw new ApiError(0, 'create', r.path, undefined, {
        cause: new Error('this client no longer writes'),
      });
    });
    const { log, warnings } = fakeLog();
    const events = recorder(api, {}, log);
    for (let i = 0; i < 5; i++) events.record(parent(`p${i}`), 'Normal', 'Created', 'm');
    events.close();
    await events.flush();
    assert.equal(sent.length, 1);
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]?.obj.discarded, 4);
    assert.equal(events.droppedBy.closed, 4);
  });

  it('logs a failed write at warn and goes on with the next', async () => {
    let calls = 0;
    const { api, sent } = fakeApi((r) => {
      calls++;
      if (calls === 1) throw new ApiError(500, 'create', r.path, { message: 'etcd is sad', code: 500 });
      if (calls === 2) throw new Error('socket hang up');
      return {};
    });
    const { log, warnings } = fakeLog();
    const events = recorder(api, {}, log);
    events.record(parent('a'), 'Warning', 'SyncFailed', 'm');
    events.record(parent('b'), 'Warning', 'SyncFailed', 'm');
    events.record(parent('c'), 'Warning', 'SyncFailed', 'm');
    await events.flush();
    assert.equal(sent.length, 3, 'every Event was tried');
    assert.deepEqual(
      warnings.map((w) => [w.msg, w.obj.object]),
      [
        ['could not record an Event', 'demo/a'],
        ['could not record an Event', 'demo/b'],
      ],
    );
    assert.match(String(warnings[1]?.obj.err), /socket hang up/);

    // The writer is alive: a later Event is written, and a failed one is tried again from scratch.
    events.record(parent('a'), 'Warning', 'SyncFailed', 'm');
    await events.flush();
    assert.equal(sent[3]?.method, 'POST');
  });

  it('never throws, even for an object it cannot read', () => {
    const { api } = fakeApi();
    const { log, warnings } = fakeLog();
    const events = recorder(api, {}, log);
    const broken = {
      get metadata(): never {
        throw new Error('unreadable');
      },
    } as KubeObject;
    assert.doesNotThrow(() => events.record(broken, 'Normal', 'Created', 'm'));
    assert.equal(warnings.length, 1);
  });
});
