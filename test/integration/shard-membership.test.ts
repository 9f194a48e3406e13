// Three shard members in one process against the real API server, on short durations (lease 3 s,
// renew deadline 2 s, retry 0.5 s): they converge on one active view that splits 200 parents
// between them, a graceful stop hands over at once, and a member that simply stops renewing (as a
// killed process would) leaves after its lease duration. A background check asserts all along that
// no parent is ever allowed on two members at once.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  ownerOfShardKey as ownerOf,
  resolveSharding,
  SHARD_ACK_ANNOTATION,
  SHARD_GROUP_LABEL,
  type ShardLeaseObject,
  ShardMembership,
  shardLeaseName,
} from '../../src/runtime/shard/index.js';
import { eventually, type TestCluster, useTestCluster } from '../support/cluster.js';

const TIMING = { leaseDurationMs: 3_000, renewDeadlineMs: 2_000, retryPeriodMs: 500 };
const KEYS = Array.from({ length: 200 }, (_, i) => `ns-${i % 13}/parent-${i}`);

interface Member {
  readonly m: ShardMembership;
  readonly kill: AbortController;
}

describe('ShardMembership on a real API server', () => {
  let c: TestCluster;
  const members = new Map<string, Member>();
  let checker: ReturnType<typeof setInterval> | undefined;
  const violations: string[] = [];

  const join = (identity: string): Member => {
    const kill = new AbortController();
    const m = new ShardMembership(
      c.api,
      resolveSharding({ group: 'shard-it', namespace: c.namespace, identity, ...TIMING }),
      { drain: async () => {} },
    );
    m.start(kill.signal);
    const member = { m, kill };
    members.set(identity, member);
    return member;
  };
  const get = (identity: string): ShardMembership => {
    const member = members.get(identity);
    assert.ok(member, identity);
    return member.m;
  };
  /** True when every named member has activated the same view, of exactly those members. */
  const converged = (...ids: string[]): boolean => {
    const first = get(ids[0]).active;
    return ids.every((id) => {
      const m = get(id);
      return (
        m.active !== undefined &&
        m.active.id === first?.id &&
        m.observed?.id === first.id &&
        m.active.members.join() === [...ids].sort().join()
      );
    });
  };

  before(async () => {
    c = await useTestCluster('shard');
    checker = setInterval(() => {
      for (const key of KEYS) {
        const allowed = [...members].filter(([, { m }]) => m.mayReconcile(key)).map(([id]) => id);
        if (allowed.length > 1) violations.push(`${key} allowed on ${allowed.join(' and ')}`);
      }
    }, 20);
  });
  after(async () => {
    clearInterval(checker);
    for (const { kill } of members.values()) kill.abort();
    await c.cleanup();
  });

  it('three members converge on one view and split 200 parents exactly', async () => {
    join('a');
    join('b');
    join('c');
    await eventually(() => converged('a', 'b', 'c'), {
      what: 'a, b and c to activate {a, b, c}',
      timeoutMs: 20_000,
    });
    const counts = new Map<string, number>();
    for (const key of KEYS) {
      const allowed = ['a', 'b', 'c'].filter((id) => get(id).mayReconcile(key));
      assert.equal(allowed.length, 1, `${key} is allowed on ${allowed.join(', ') || 'nobody'}`);
      assert.equal(allowed[0], ownerOf(key, ['a', 'b', 'c']));
      counts.set(allowed[0], (counts.get(allowed[0]) ?? 0) + 1);
    }
    for (const [id, n] of counts) assert.ok(n > 40, `${id} owns ${n} of 200`);

    const list = await c.api.request<{ items: ShardLeaseObject[] }>({
      method: 'GET',
      path: `/apis/coordination.k8s.io/v1/namespaces/${c.namespace}/leases`,
      query: { labelSelector: `${SHARD_GROUP_LABEL}=shard-it` },
    });
    const view = get('a').active?.id;
    assert.deepEqual(list.items.map((l) => l.spec?.holderIdentity).sort(), ['a', 'b', 'c']);
    for (const l of list.items) {
      assert.equal(l.spec?.leaseDurationSeconds, 3);
      assert.equal(l.metadata.annotations?.[SHARD_ACK_ANNOTATION], view, `${l.metadata.name} acked the view`);
    }
    assert.deepEqual(violations, []);
  });

  it('a graceful stop deletes the Lease and the other two take over at once', async () => {
    const started = performance.now();
    await get('b').stop();
    assert.equal(
      await c.find(
        `/apis/coordination.k8s.io/v1/namespaces/${c.namespace}/leases/${shardLeaseName('shard-it', 'b')}`,
      ),
      undefined,
      'the Lease is gone',
    );
    await eventually(() => converged('a', 'c'), {
      what: 'a and c to activate {a, c}',
      timeoutMs: 10_000,
      intervalMs: 20,
    });
    const took = performance.now() - started;
    assert.ok(
      took < TIMING.leaseDurationMs,
      `handed over in ${Math.round(took)} ms, before any lease could expire`,
    );
    members.delete('b');
    for (const key of KEYS) {
      assert.equal([get('a'), get('c')].filter((m) => m.mayReconcile(key)).length, 1, key);
    }
    assert.deepEqual(violations, []);
  });

  it('a member that stops renewing leaves after its lease duration', async () => {
    const killed = members.get('c');
    assert.ok(killed);
    killed.kill.abort();
    const at = performance.now();
    const cKeys = KEYS.filter((k) => ownerOf(k, ['a', 'c']) === 'c');
    assert.ok(get('a').members.includes('c'));
    for (const k of cKeys) assert.equal(get('a').mayReconcile(k), false, `a does not take ${k} yet`);
    await eventually(() => converged('a'), { what: 'a to activate {a}', timeoutMs: 15_000, intervalMs: 20 });
    const took = performance.now() - at;
    // c's last renewal was at most a retry period before the kill; a drops c no earlier than the
    // recorded 3 s after it saw that renewal, and no later than a few list periods after that.
    assert.ok(
      took >= TIMING.leaseDurationMs - TIMING.retryPeriodMs,
      `c dropped ${Math.round(took)} ms after the kill`,
    );
    assert.ok(
      took < TIMING.leaseDurationMs + 6 * TIMING.retryPeriodMs,
      `c dropped ${Math.round(took)} ms after the kill`,
    );
    for (const k of KEYS) assert.equal(get('a').mayReconcile(k), true, k);
    assert.ok(
      await c.find(
        `/apis/coordination.k8s.io/v1/namespaces/${c.namespace}/leases/${shardLeaseName('shard-it', 'c')}`,
      ),
      'a killed member leaves its Lease behind',
    );
    assert.deepEqual(violations, []);
    await get('a').stop();
  });
});
