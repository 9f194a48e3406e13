import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WorkQueue } from '../../../src/runtime/queue/index.js';

/** Resolves once `signal` aborts, with its reason. */
const aborted = (signal: AbortSignal) =>
  new Promise<unknown>((resolve) =>
    signal.addEventListener('abort', () => resolve(signal.reason), { once: true }),
  );

describe('WorkQueue cancelling runs', () => {
  it('cancelRunning fires the signal of the runs in flight only: later runs get a live signal', async () => {
    const signals: AbortSignal[] = [];
    const queue = new WorkQueue(
      async (_key, { signal }) => {
        signals.push(signal);
        await aborted(signal);
        return undefined;
      },
      { name: 'cancel', concurrency: 2 },
    );
    queue.start();
    queue.add('a');
    await new Promise((r) => setImmediate(r));
    assert.equal(signals.length, 1);
    queue.cancelRunning(new Error('fenced'));
    assert.equal(signals[0]?.aborted, true);
    assert.match(String(signals[0]?.reason), /fenced/);
    queue.add('b');
    await new Promise((r) => setImmediate(r));
    assert.equal(signals.length, 2);
    assert.equal(signals[1]?.aborted, false, 'a run started after cancelRunning is not cancelled');
    queue.cancelRunning(new Error('again'));
    await queue.shutdown(1_000);
  });

  it('after abortInFlight, cancelRunning does not revive the signal: later runs stay aborted', async () => {
    const signals: AbortSignal[] = [];
    const queue = new WorkQueue(
      async (_key, { signal }) => {
        signals.push(signal);
        return undefined;
      },
      { name: 'abort', concurrency: 1 },
    );
    queue.start();
    queue.abortInFlight(new Error('lease lost'));
    queue.cancelRunning(new Error('fenced'));
    queue.add('a');
    await new Promise((r) => setImmediate(r));
    assert.equal(signals[0]?.aborted, true);
    assert.match(String(signals[0]?.reason), /lease lost/);
    await queue.shutdown(1_000);
  });
});
