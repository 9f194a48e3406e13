// The elector on an in-memory Lease, on mocked time (`setTimeout` and `Date`): client-go's default
// durations run in milliseconds, and every instant asserted is exact to one step of the fake clock.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { ConfigError } from '../../../src/errors/operon-error.js';
import {
  type LeaderElectionOptions,
  LeaderElector,
  LeadershipLost,
  resolveLeaderElection,
} from '../../../src/runtime/leader/index.js';
import { MemoryLease, MemoryLeaseLock } from './memory-lease-lock.js';

/** client-go's defaults, spelled out because the assertions use them. */
const LEASE = 15_000;
const RENEW = 10_000;
const RETRY = 2_000;
/** Longest wait between two attempts of a candidate: the retry period plus 20 % jitter. */
const MAX_RETRY = RETRY * 1.2;
/** One step of the fake clock: how precise the instants below are. */
const STEP = 10;

interface Candidate {
  readonly elector: LeaderElector;
  readonly lock: MemoryLeaseLock;
  /** Instants (fake `Date.now()`) of each `onStartedLeading`. */
  readonly started: number[];
  /** Instants of each `onStoppedLeading`. */
  readonly stopped: number[];
  /** Instant `lostSignal` aborted. */
  lostAt?: number;
  /** What happened, in order: `started`, `signal`, `stopped`. */
  readonly events: string[];
  /** The signal `onStartedLeading` received. */
  termSignal?: AbortSignal;
}

type Timing = Pick<LeaderElectionOptions, 'leaseDurationMs' | 'renewDeadlineMs' | 'retryPeriodMs'>;

const running: LeaderElector[] = [];

beforeEach(() => {
  mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 });
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.stop({ release: false })));
  mock.timers.reset();
});

function candidate(lease: MemoryLease, identity: string, timing: Timing = {}): Candidate {
  const lock = new MemoryLeaseLock(lease);
  const events: string[] = [];
  const c: Candidate = {
    lock,
    started: [],
    stopped: [],
    events,
    elector: undefined as unknown as LeaderElector,
  };
  const elector = new LeaderElector(
    lock,
    resolveLeaderElection({ leaseName: 'app', namespace: 'ns', identity, ...timing }),
    {
      onStartedLeading: (signal) => {
        c.termSignal = signal;
        c.started.push(Date.now());
        events.push('started');
      },
      onStoppedLeading: () => {
        c.stopped.push(Date.now());
        events.push('stopped');
      },
    },
    undefined,
    () => Date.now(),
  );
  elector.lostSignal.addEventListener('abort', () => {
    c.lostAt = Date.now();
    events.push('signal');
  });
  (c as { elector: LeaderElector }).elector = elector;
  running.push(elector);
  elector.start();
  return c;
}

/** Lets every pending callback, promise and in-memory request run (they take turns of the event loop). */
async function settle(): Promise<void> {
  for (let i = 0; i < 12; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Moves the fake clock by `ms`, one {@link STEP} at a time, letting everything due run. */
async function advance(ms: number): Promise<void> {
  for (let done = 0; done < ms; done += STEP) {
    mock.timers.tick(Math.min(STEP, ms - done));
    await settle();
  }
}

/** Advances until `check` holds; resolves with the fake `Date.now()` at that moment. */
async function until(check: () => boolean, withinMs: number, what: string): Promise<number> {
  await settle();
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > withinMs)
      assert.fail(`${what} did not happen within ${withinMs} ms (fake time)`);
    mock.timers.tick(STEP);
    await settle();
  }
  return Date.now();
}

function lostReason(c: Candidate): LeadershipLost {
  const reason: unknown = c.elector.lostSignal.reason;
  assert.ok(reason instanceof LeadershipLost, `lostSignal's reason is a LeadershipLost (${String(reason)})`);
  return reason;
}

describe('LeaderElector', () => {
  it('creates the lease when there is none, leads, and keeps renewing it with its own duration', async () => {
    const lease = new MemoryLease();
    const a = candidate(lease, 'a');
    await until(() => a.elector.isLeader, STEP, 'a to lead');
    assert.equal(lease.record?.holderIdentity, 'a');
    assert.equal(lease.record?.leaseDurationSeconds, 15);
    assert.match(lease.record?.renewTime ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/, 'a MicroTime');
    await advance(3 * RETRY + STEP);
    assert.equal(lease.writes.length, 4, 'renewed every retry period');
    assert.deepEqual(
      a.lock.calls,
      { get: 1, create: 1, update: 3 },
      'each renewal is one PUT, without a read',
    );
    assert.equal(lease.record?.acquireTime, lease.writes[0].acquireTime, 'renewals keep the acquire time');
    assert.equal(lease.record?.leaseTransitions, 0);
    assert.deepEqual(a.stopped, []);
    assert.equal(a.elector.lostSignal.aborted, false);
    assert.equal(a.termSignal, a.elector.lostSignal, 'onStartedLeading gets the lost signal');
  });

  it('records durations in whole seconds, rounded up', async () => {
    const lease = new MemoryLease();
    const a = candidate(lease, 'a', { leaseDurationMs: 1_500, renewDeadlineMs: 1_000, retryPeriodMs: 200 });
    await until(() => a.elector.isLeader, STEP, 'a to lead');
    assert.equal(lease.record?.leaseDurationSeconds, 2, 'never less than the configured duration');
  });

  it('lets exactly one of several candidates lead', async () => {
    const lease = new MemoryLease();
    const all = ['a', 'b', 'c'].map((id) => candidate(lease, id));
    await until(() => all.some((c) => c.elector.isLeader), STEP, 'a leader');
    await advance(3 * LEASE);
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
    await until(() => a.elector.isLeader, STEP, 'a to lead');
    const b = candidate(lease, 'b');
    await advance(2 * RETRY);
    assert.equal(b.elector.isLeader, false);
    const released = Date.now();
    await a.elector.stop({ release: true });
    assert.equal(lease.record?.holderIdentity, '', 'the holder is cleared');
    assert.deepEqual(a.stopped, [], 'a stop is not a loss');
    const took = (await until(() => b.elector.isLeader, MAX_RETRY + STEP, 'b to take over')) - released;
    assert.ok(took <= MAX_RETRY + STEP, `b took over after ${took} ms, on its next attempt`);
    assert.equal(lease.record?.leaseTransitions, 1, 'the transition is counted');
  });

  it('takes over from a leader that vanished only after the lease duration', async () => {
    const lease = new MemoryLease();
    const a = candidate(lease, 'a');
    await until(() => a.elector.isLeader, STEP, 'a to lead');
    const b = candidate(lease, 'b');
    await advance(2 * RETRY);
    await a.elector.stop({ release: false }); // as if killed: no release, no more renewals
    const last = lease.lastCommitBy('a')?.at ?? Number.NaN;
    const at = await until(() => b.elector.isLeader, LEASE + 2 * MAX_RETRY, 'b to take over');
    assert.ok(
      at - last >= LEASE,
      `b waited for the lease to expire (${at - last} ms after a's last renewal)`,
    );
    assert.ok(at - last <= LEASE + 2 * MAX_RETRY + STEP, `and no longer (${at - last} ms)`);
  });

  it('releases nothing it does not hold', async () => {
    const lease = new MemoryLease();
    const a = candidate(lease, 'a');
    await until(() => a.elector.isLeader, STEP, 'a to lead');
    const b = candidate(lease, 'b');
    await advance(RETRY);
    await b.elector.stop({ release: true });
    assert.equal(lease.record?.holderIdentity, 'a');
  });
});

describe('LeaderElector: the lease duration is the one the holder recorded', () => {
  it('a follower configured with a longer duration waits only the recorded one', async () => {
    const lease = new MemoryLease();
    const a = candidate(lease, 'a'); // records 15 s
    await until(() => a.elector.isLeader, STEP, 'a to lead');
    const b = candidate(lease, 'b', {
      leaseDurationMs: 60_000,
      renewDeadlineMs: 40_000,
      retryPeriodMs: RETRY,
    });
    await advance(2 * RETRY);
    await a.elector.stop({ release: false });
    const last = lease.lastCommitBy('a')?.at ?? Number.NaN;
    const at = await until(() => b.elector.isLeader, LEASE + 2 * MAX_RETRY, 'b to take over');
    assert.ok(at - last >= LEASE, `not before the recorded 15 s (${at - last} ms)`);
    assert.ok(at - last <= LEASE + 2 * MAX_RETRY + STEP, `nor anywhere near its own 60 s (${at - last} ms)`);
    assert.equal(lease.record?.leaseDurationSeconds, 60, 'the new holder records its own duration');
  });

  it('a follower configured with a shorter duration does not take over a live holder, nor a dead one early', async () => {
    const lease = new MemoryLease();
    const a = candidate(lease, 'a'); // records 15 s
    await until(() => a.elector.isLeader, STEP, 'a to lead');
    const b = candidate(lease, 'b', { leaseDurationMs: 5_000, renewDeadlineMs: 3_000, retryPeriodMs: 1_000 });
    await advance(4 * LEASE);
    assert.ok(a.elector.isLeader && !b.elector.isLeader, 'the renewing holder keeps the lease');
    await a.elector.stop({ release: false });
    const last = lease.lastCommitBy('a')?.at ?? Number.NaN;
    const at = await until(() => b.elector.isLeader, LEASE + 2 * 1_200, 'b to take over');
    assert.ok(at - last >= LEASE, `b waited the recorded 15 s, not its own 5 s (${at - last} ms)`);
  });

  for (const [recorded, expectedMs, why] of [
    [30, 30_000, 'a recorded 30 s'],
    [5, 5_000, 'a recorded 5 s'],
    [0, LEASE, 'no usable duration: its own 15 s'],
  ] as const) {
    it(`measures an abandoned record from when it first saw it (${why})`, async () => {
      const lease = new MemoryLease();
      lease.record = { holderIdentity: 'ghost', leaseDurationSeconds: recorded, leaseTransitions: 3 };
      const start = Date.now();
      const b = candidate(lease, 'b');
      const at = await until(() => b.elector.isLeader, expectedMs + 2 * MAX_RETRY, 'b to take over');
      assert.ok(at - start >= expectedMs, `not before ${expectedMs} ms (${at - start} ms)`);
      assert.ok(at - start <= expectedMs + MAX_RETRY + STEP, `at the first attempt after (${at - start} ms)`);
      assert.equal(lease.record?.leaseTransitions, 4);
    });
  }
});

describe('LeaderElector: losing the lease', () => {
  it('aborts lostSignal at the renew deadline, strictly before anyone else may take over, even when answers are slow', async () => {
    const lease = new MemoryLease();
    const a = candidate(lease, 'a');
    await until(() => a.elector.isLeader, STEP, 'a to lead');
    // Every answer to a takes 3.5 s: its writes land at once but it learns of them late. A deadline
    // counted from the answer (+ a retry period) would end 15.5 s after the write: after the expiry.
    a.lock.link.toClientMs = 3_500;
    const b = candidate(lease, 'b');
    await advance(3 * LEASE);
    assert.ok(a.elector.isLeader, 'slow answers alone do not cost the lease');
    a.lock.link.failWith = new Error('connect ECONNREFUSED'); // a is cut off from the API server
    const takeover = await until(() => b.elector.isLeader, 2 * LEASE, 'b to take over');
    const last = lease.lastCommitBy('a')?.at ?? Number.NaN;
    assert.ok(a.lostAt !== undefined, 'a signalled the loss');
    assert.ok(
      a.lostAt <= last + RENEW + STEP,
      `at the renew deadline (${a.lostAt - last} ms after its last write)`,
    );
    assert.ok(
      last + LEASE - a.lostAt >= LEASE - RENEW - STEP,
      `${last + LEASE - a.lostAt} ms before the recorded lease could expire for anyone`,
    );
    assert.ok(a.lostAt < takeover, `before b took over (${takeover - a.lostAt} ms earlier)`);
    assert.ok(takeover - last >= LEASE);
    assert.equal(lostReason(a).why, 'renew-deadline');
    assert.deepEqual(a.events, ['started', 'signal', 'stopped'], 'the signal first, then onStoppedLeading');
    assert.equal(a.elector.isLeader, false);
    a.lock.link.failWith = undefined;
    await advance(2 * LEASE);
    assert.equal(a.elector.isLeader, false, 'a lost leader does not compete again');
    assert.equal(a.started.length, 1);
  });

  it('aborts a renewal stuck in flight at the deadline, and sends nothing after', async () => {
    const lease = new MemoryLease();
    const a = candidate(lease, 'a');
    await until(() => a.elector.isLeader, STEP, 'a to lead');
    await advance(RETRY + STEP);
    a.lock.link.hang = true;
    const lostAt = await until(() => a.elector.lostSignal.aborted, RENEW + STEP, 'a to signal the loss');
    const last = lease.lastCommitBy('a')?.at ?? Number.NaN;
    assert.ok(lostAt - last <= RENEW + STEP, `${lostAt - last} ms after the last write was sent`);
    assert.equal(a.lock.aborted, 1, 'the hung request was aborted');
    assert.equal(lostReason(a).why, 'renew-deadline');
    a.lock.link.hang = false;
    const writes = lease.writes.length;
    await advance(2 * LEASE);
    assert.equal(lease.writes.length, writes, 'no request after the loss');
  });

  it('does not lead on an acquisition it learnt of after the renew deadline', async () => {
    const lease = new MemoryLease();
    const a = candidate(lease, 'a');
    a.lock.link.toClientMs = RENEW + 1_000;
    await until(() => lease.record?.holderIdentity === 'a', 2 * RENEW, 'the lease to name a');
    const written = Date.now();
    a.lock.link.toClientMs = 0;
    await advance(RENEW + 1_000 + STEP);
    assert.equal(a.elector.isLeader, false, 'too late to lead on that write');
    const at = await until(() => a.elector.isLeader, MAX_RETRY + STEP, 'a to lead after renewing');
    assert.ok(at - written > RENEW);
    assert.equal(lease.record?.leaseTransitions, 0, 'it renewed its own record');
    assert.equal(a.started.length, 1);
  });

  it('gives up at once when it sees another holder in the lease', async () => {
    const lease = new MemoryLease();
    const a = candidate(lease, 'a');
    await until(() => a.elector.isLeader, STEP, 'a to lead');
    // Someone overwrote the lease (say, by hand).
    lease.record = { holderIdentity: 'intruder', leaseDurationSeconds: 60, leaseTransitions: 5 };
    lease.version++;
    const at = await until(() => a.stopped.length === 1, RETRY + STEP, 'a to report the loss');
    assert.equal(a.lostAt, at);
    assert.equal(lostReason(a).why, 'another-holder');
    assert.match(lostReason(a).message, /"intruder"/);
  });

  it('aborts lostSignal at the end of stop, after the release, without reporting a loss', async () => {
    const lease = new MemoryLease();
    const a = candidate(lease, 'a');
    await until(() => a.elector.isLeader, STEP, 'a to lead');
    let holderWhenAborted: string | undefined;
    a.elector.lostSignal.addEventListener('abort', () => {
      holderWhenAborted = lease.record?.holderIdentity;
    });
    await a.elector.stop({ release: true });
    assert.equal(holderWhenAborted, '', 'released first, so a write fence on the signal does not refuse it');
    assert.equal(lostReason(a).why, 'stopped');
    assert.deepEqual(a.events, ['started', 'signal']);
  });

  it('aborts lostSignal at once on a stop without release', async () => {
    const lease = new MemoryLease();
    const a = candidate(lease, 'a');
    await until(() => a.elector.isLeader, STEP, 'a to lead');
    await a.elector.stop({ release: false });
    assert.equal(lostReason(a).why, 'stopped');
    assert.equal(lease.record?.holderIdentity, 'a');
  });
});

describe('LeaderElector: options', () => {
  const resolved = resolveLeaderElection({ leaseName: 'app', namespace: 'ns', identity: 'a' });

  for (const [renewDeadlineMs, label] of [
    [LEASE, 'equal to'],
    [LEASE + 1, 'longer than'],
  ] as const) {
    it(`refuses a renew deadline ${label} the lease duration, saying why`, () => {
      assert.throws(
        () => new LeaderElector(new MemoryLeaseLock(new MemoryLease()), { ...resolved, renewDeadlineMs }),
        (e: unknown) => {
          assert.ok(e instanceof ConfigError);
          assert.equal(e.problems.length, 1, e.message);
          assert.match(
            e.message,
            new RegExp(
              `leaseDurationMs \\(${LEASE}\\) must be greater than renewDeadlineMs \\(${renewDeadlineMs}\\)`,
            ),
          );
          assert.match(e.message, /two leaders may overlap/);
          return true;
        },
      );
    });
  }

  it('refuses durations that are not positive, or a retry period too long for the renew deadline', () => {
    assert.throws(
      () => new LeaderElector(new MemoryLeaseLock(new MemoryLease()), { ...resolved, retryPeriodMs: 0 }),
      /retryPeriodMs must be a positive number of ms/,
    );
    assert.throws(
      () => new LeaderElector(new MemoryLeaseLock(new MemoryLease()), { ...resolved, retryPeriodMs: 9_000 }),
      /renewDeadlineMs \(10000\) must be greater than retryPeriodMs × 1\.2 \(10800\)/,
    );
  });
});
