import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { workerLiveness } from '../../../src/runtime/host/worker-liveness.js';
import {
  abortCause,
  PassAborted,
  passSignal,
  untilAborted,
} from '../../../src/runtime/reconcile/pass-deadline.js';

describe('pass deadlines', () => {
  it('stops waiting for work that never finishes once the deadline passes, and says why', async () => {
    const { signal } = passSignal(undefined, 30);
    await assert.rejects(untilAborted(new Promise(() => {}), signal), (e: unknown) => {
      assert.ok(e instanceof PassAborted);
      assert.equal(e.why, 'deadline');
      return true;
    });
    assert.equal(abortCause(signal), 'deadline');
  });

  it('tells a shutdown apart from a deadline', async () => {
    const shutdown = new AbortController();
    const pass = passSignal(shutdown.signal, 60_000);
    const waiting = untilAborted(new Promise(() => {}), pass.signal);
    shutdown.abort();
    await assert.rejects(waiting, (e: unknown) => e instanceof PassAborted && e.why === 'shutdown');
    pass.dispose();
  });

  it('passes results and errors of work that finishes in time through unchanged', async () => {
    const pass = passSignal(undefined, 60_000);
    assert.equal(await untilAborted(Promise.resolve(7), pass.signal), 7);
    await assert.rejects(untilAborted(Promise.reject(new Error('own')), pass.signal), /own/);
    pass.dispose();
  });
});

describe('workerLiveness', () => {
  const pool = (stuck: { key: string; ms: number }[]) => ({
    config: { name: 'op' },
    concurrency: 2,
    stuckPasses: () => stuck,
  });

  it('fails only when every worker is held past its deadline, naming the parents', () => {
    assert.equal(workerLiveness(pool([{ key: 'ns/a', ms: 90_000 }])).ok, true);
    const check = workerLiveness(
      pool([
        { key: 'ns/a', ms: 90_000 },
        { key: 'ns/b', ms: 75_000 },
      ]),
    );
    assert.equal(check.ok, false);
    assert.match(check.message ?? '', /ns\/a \(90 s\), ns\/b \(75 s\)/);
  });
});
