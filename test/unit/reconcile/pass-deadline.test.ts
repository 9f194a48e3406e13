import assert from 'node:assert/strict';
import { getEventListeners, setMaxListeners } from 'node:events';
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

  it('is aborted from the start when the shutdown already happened', () => {
    const shutdown = new AbortController();
    shutdown.abort();
    const pass = passSignal(shutdown.signal, 60_000);
    assert.equal(abortCause(pass.signal), 'shutdown');
    pass.dispose();
  });

  it('stops following the shutdown signal once disposed, so finished passes leave nothing behind', () => {
    const shutdown = new AbortController();
    setMaxListeners(0, shutdown.signal); // as the work queue does for its run signal
    const passes = Array.from({ length: 50 }, () => passSignal(shutdown.signal, 60_000));
    assert.equal(getEventListeners(shutdown.signal, 'abort').length, 50);
    for (const pass of passes) pass.dispose();
    assert.equal(getEventListeners(shutdown.signal, 'abort').length, 0);
    shutdown.abort();
    assert.equal(passes[0]?.signal.aborted, false);
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
