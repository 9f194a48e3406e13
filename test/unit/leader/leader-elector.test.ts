import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { LeaderElector, resolveLeaderElection } from '../../../src/runtime/leader/index.js';
import { MemoryLease, MemoryLeaseLock } from './memory-lease-lock.js';

const timing = { leaseDurationMs: 400, renewDeadlineMs: 250, retryPeriodMs: 50 };

interface Candidate {
  elector: LeaderElector;
  started: number[];
  lost: number[];
}

const running: LeaderElector[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.stop({ release: false })));
});

function candidate(lease: MemoryLease, identity: string, overrides: Partial<typeof timing> = {}): Candidate {
  const c: Candidate = { started: [], lost: [], elector: undefined as unknown as LeaderElector };
  c.elector = new LeaderElector(
    new MemoryLeaseLock(lease),
    resolveLeaderElection({ leaseName: 'app', namespace: 'ns', identity, ...timing, ...overrides }),
    {
      onStartedLeading: () => c.started.push(performance.now()),
      onStoppedLeading: () => c.lost.push(performance.now()),
    },
  );
  running.push(c.elector);
  c.elector.start();
  return c;
}

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<number> {
  const start = performance.now();
  while (!check()) {
    if (performance.now() - start > timeoutMs)
      assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(5);
  }
  return performance.now() - start;
}

describe('LeaderElector', () => {
  it('creates the lease when there is none, leads, and keeps renewing it', async () => {
    const lease = new MemoryLease();
    const a = candidate(lease, 'a');
    await until(() => a.elector.isLeader, 500, 'a to lead');
    assert.equal(lease.record?.holderIdentity, 'a');
    assert.equal(lease.record?.leaseDurationSeconds, 1, 'durations are stored in whole seconds, rounded up');
    const renewTime = lease.record?.renewTime;
    assert.match(renewTime ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/, 'a MicroTime');
    await sleep(150);
    assert.ok(lease.writes.length >= 3, `renewed every retry period (${lease.writes.length} writes)`);
    assert.equal(lease.record?.acquireTime, lease.writes[0].acquireTime, 'renewals keep the acquire time');
    assert.equal(lease.record?.leaseTransitions, 0);
    assert.deepEqual(a.lost, []);
  });

  it('lets exactly one of several candidates lead', async () => {
    const lease = new MemoryLease();
    const all = ['a', 'b', 'c'].map((id) => candidate(lease, id));
    await until(() => all.some((c) => c.elector.isLeader), 500, 'a leader');
    await sleep(300);
    assert.equal(all.filter((c) => c.elector.isLeader).length, 1);
    assert.equal(
      all.reduce((n, c) => n + c.started.length, 0),
      1,
      'onStartedLeading was called once in all',
    );
    const leader = all.find((c) => c.elector.isLeader);
    for (const c of all)
      assert.equal(c.elector.leader, leader?.elector.identity, 'everyone sees the same holder');
  });

  it('hands over at once when the leader releases the lease on stop', async () => {
    const lease = new MemoryLease();
    const a = candidate(lease, 'a');
    await until(() => a.elector.isLeader, 500, 'a to lead');
    const b = candidate(lease, 'b');
    await sleep(100);
    assert.equal(b.elector.isLeader, false);
    await a.elector.stop({ release: true });
    assert.equal(lease.record?.holderIdentity, '', 'the holder is cleared');
    assert.equal(a.lost.length, 0, 'a stop is not a loss');
    const took = await until(() => b.elector.isLeader, 500, 'b to take over');
    assert.ok(
      took < timing.retryPeriodMs * 1.2 + 60,
      `b took over after ${Math.round(took)} ms, not a lease duration`,
    );
    assert.equal(lease.record?.leaseTransitions, 1, 'the transition is counted');
  });

  it('takes over from a leader that vanished only after the lease duration', async () => {
    const lease = new MemoryLease();
    const a = candidate(lease, 'a');
    await until(() => a.elector.isLeader, 500, 'a to lead');
    const b = candidate(lease, 'b');
    await sleep(100);
    await a.elector.stop({ release: false }); // as if killed: no release, no more renewals
    const took = await until(() => b.elector.isLeader, 1500, 'b to take over');
    assert.ok(
      took >= timing.leaseDurationMs - 2 * timing.retryPeriodMs,
      `b waited for the lease to expire (${Math.round(took)} ms)`,
    );
    assert.ok(
      took <= timing.leaseDurationMs + 3 * timing.retryPeriodMs,
      `and no longer (${Math.round(took)} ms)`,
    );
  });

  it('gives up leadership when it cannot renew within the renew deadline', async () => {
    const lease = new MemoryLease();
    const a = candidate(lease, 'a');
    await until(() => a.elector.isLeader, 500, 'a to lead');
    const failedAt = performance.now();
    lease.failWith = new Error('connect ECONNREFUSED');
    await until(() => a.lost.length === 1, 1000, 'a to report the loss');
    const after = a.lost[0] - failedAt;
    assert.ok(
      after <= timing.renewDeadlineMs + 2 * timing.retryPeriodMs,
      `lost after ${Math.round(after)} ms`,
    );
    assert.ok(after < timing.leaseDurationMs, 'before anyone else could take the lease');
    assert.equal(a.elector.isLeader, false);
    lease.failWith = undefined;
    await sleep(150);
    assert.equal(a.elector.isLeader, false, 'a lost leader does not compete again');
    assert.equal(a.started.length, 1);
  });

  it('gives up at once when it sees another holder in the lease', async () => {
    const lease = new MemoryLease();
    const a = candidate(lease, 'a');
    await until(() => a.elector.isLeader, 500, 'a to lead');
    // Someone overwrote the lease (say, a replica with a much shorter lease duration).
    lease.record = { holderIdentity: 'intruder', leaseDurationSeconds: 60, leaseTransitions: 5 };
    lease.version++;
    const took = await until(() => a.lost.length === 1, 500, 'a to report the loss');
    assert.ok(
      took < timing.renewDeadlineMs,
      `without waiting for the renew deadline (${Math.round(took)} ms)`,
    );
  });

  it('releases nothing it does not hold', async () => {
    const lease = new MemoryLease();
    const a = candidate(lease, 'a');
    await until(() => a.elector.isLeader, 500, 'a to lead');
    const b = candidate(lease, 'b');
    await sleep(100);
    await b.elector.stop({ release: true });
    assert.equal(lease.record?.holderIdentity, 'a');
  });
});
