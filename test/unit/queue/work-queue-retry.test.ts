import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { type QueueObserver, WorkQueue, type WorkQueueOptions } from '../../../src/runtime/queue/index.js';
import { createQueue, flush, ScriptedHandler, stop, stopAllQueues } from './support.js';

interface Retry {
  readonly key: string;
  readonly delayMs: number;
  readonly error: unknown;
}

function retryingQueue(
  handler: ScriptedHandler,
  options: Partial<WorkQueueOptions> = {},
): { queue: WorkQueue; retries: Retry[] } {
  const retries: Retry[] = [];
  const observer: QueueObserver = { onRetry: (key, delayMs, error) => retries.push({ key, delayMs, error }) };
  const queue = createQueue(handler.handle, {
    name: 'test',
    concurrency: 4,
    baseDelayMs: 10,
    maxDelayMs: 40,
    jitter: 0,
    qps: Number.POSITIVE_INFINITY,
    observer,
    ...options,
  });
  return { queue, retries };
}

afterEach(stopAllQueues);

describe('WorkQueue retries', () => {
  describe('when a handler rejects', () => {
    it('should retry after a backoff that doubles up to the cap and resets on success', async (t) => {
      t.mock.timers.enable({ apis: ['setTimeout'] });
      const handler = new ScriptedHandler();
      const { queue, retries } = retryingQueue(handler);
      queue.start();
      queue.add('a');
      await flush();
      const expected = [10, 20, 40, 40];
      for (const [i, delay] of expected.entries()) {
        handler.last('a').done.reject(new Error(`fail ${i}`));
        await flush();
        assert.equal(retries.at(-1)?.delayMs, delay);
        assert.equal(queue.failures('a'), i + 1);
        t.mock.timers.tick(delay - 1);
        await flush();
        assert.equal(handler.runs.length, i + 1, `retry ${i} must wait ${delay} ms`);
        t.mock.timers.tick(1);
        await flush();
        assert.equal(handler.runs.length, i + 2, `retry ${i} runs at ${delay} ms`);
      }
      handler.last('a').done.resolve();
      await flush();
      assert.equal(queue.failures('a'), 0);
      queue.add('a');
      await flush();
      handler.last('a').done.reject(new Error('again'));
      await flush();
      assert.equal(retries.at(-1)?.delayMs, 10, 'a success resets the backoff');
      assert.equal((retries.at(-1)?.error as Error | undefined)?.message, 'again');
      await stop(queue, handler);
    });

    it('should treat a handler that throws synchronously like one that rejects, with no unhandled rejection', async (t) => {
      t.mock.timers.enable({ apis: ['setTimeout'] });
      const unhandled: unknown[] = [];
      const onUnhandled = (reason: unknown): void => {
        unhandled.push(reason);
      };
      process.on('unhandledRejection', onUnhandled);
      t.after(() => process.off('unhandledRejection', onUnhandled));
      let calls = 0;
      const retries: number[] = [];
      const queue = createQueue(
        (key) => {
          calls += 1;
          if (key === 'sync') throw new Error('sync throw');
          return Promise.reject(new Error('async reject'));
        },
        {
          name: 'test',
          concurrency: 2,
          baseDelayMs: 10,
          jitter: 0,
          observer: { onRetry: (_key, delayMs) => retries.push(delayMs) },
        },
      );
      queue.start();
      queue.add('sync');
      queue.add('async');
      await flush();
      assert.equal(calls, 2);
      assert.deepEqual(retries, [10, 10]);
      assert.equal(queue.delayed, 2);
      t.mock.timers.tick(10);
      await flush();
      assert.equal(calls, 4);
      assert.deepEqual(unhandled, []);
      await queue.shutdown(0);
    });

    it('should not delay other keys beyond the shared rate limit', async (t) => {
      t.mock.timers.enable({ apis: ['setTimeout'] });
      const handler = new ScriptedHandler();
      const { queue, retries } = retryingQueue(handler, { maxDelayMs: 10_000 });
      queue.start();
      queue.add('a');
      await flush();
      for (let i = 0; i < 6; i += 1) {
        handler.last('a').done.reject(new Error('a keeps failing'));
        await flush();
        t.mock.timers.tick(retries.at(-1)?.delayMs ?? 0);
        await flush();
      }
      assert.equal(queue.failures('a'), 6);
      queue.add('b');
      await flush();
      assert.equal(handler.last('b').key, 'b', 'b runs at once despite a failing');
      handler.last('b').done.reject(new Error('b fails once'));
      await flush();
      assert.deepEqual([retries.at(-1)?.key, retries.at(-1)?.delayMs], ['b', 10]);
      await stop(queue, handler);
    });

    it('should wait for the shared token bucket when it is slower than the key backoff', async () => {
      const handler = new ScriptedHandler();
      // A frozen clock: the bucket never refills, so every reservation past the burst waits longer.
      const { queue, retries } = retryingQueue(handler, { qps: 10, burst: 1, now: () => 0 });
      queue.start();
      for (const key of ['a', 'b', 'c']) queue.add(key);
      await flush();
      for (const run of handler.runs) run.done.reject(new Error('down'));
      await flush();
      assert.deepEqual(
        retries.map((r) => [r.key, r.delayMs]),
        [
          ['a', 10],
          ['b', 100],
          ['c', 200],
        ],
      );
      await stop(queue, handler);
    });

    it('should run a key re-added during a failing run at once, still counting the failure', async () => {
      const handler = new ScriptedHandler();
      const { queue, retries } = retryingQueue(handler);
      queue.start();
      queue.add('a');
      await flush();
      queue.add('a');
      handler.last('a').done.reject(new Error('boom'));
      await flush();
      assert.equal(handler.runs.length, 2);
      assert.equal(queue.failures('a'), 1);
      assert.equal(retries.at(-1)?.delayMs, 0);
      assert.equal(queue.delayed, 0);
      await stop(queue, handler);
    });
  });

  describe('when a handler returns requeueAfterMs', () => {
    it('should run the key again after that delay and clear its failures', async (t) => {
      t.mock.timers.enable({ apis: ['setTimeout'] });
      const handler = new ScriptedHandler();
      const { queue, retries } = retryingQueue(handler);
      queue.start();
      queue.add('a');
      await flush();
      handler.last('a').done.reject(new Error('first fails'));
      await flush();
      t.mock.timers.tick(10);
      await flush();
      handler.last('a').done.resolve({ requeueAfterMs: 50 });
      await flush();
      assert.equal(queue.failures('a'), 0);
      assert.equal(retries.length, 1, 'a requeue is not a retry');
      t.mock.timers.tick(49);
      await flush();
      assert.equal(handler.runs.length, 2);
      t.mock.timers.tick(1);
      await flush();
      assert.equal(handler.runs.length, 3);
      await stop(queue, handler);
    });
  });

  describe('.addAfter', () => {
    for (const [first, second] of [
      [100, 10],
      [10, 100],
    ] as const) {
      it(`should run once, at the earliest time, for addAfter(${first}) then addAfter(${second})`, async (t) => {
        t.mock.timers.enable({ apis: ['setTimeout'] });
        const handler = new ScriptedHandler();
        const { queue } = retryingQueue(handler);
        queue.start();
        queue.addAfter('a', first);
        queue.addAfter('a', second);
        assert.equal(queue.delayed, 1);
        t.mock.timers.tick(9);
        await flush();
        assert.equal(handler.runs.length, 0);
        t.mock.timers.tick(1);
        await flush();
        assert.equal(handler.runs.length, 1);
        handler.last('a').done.resolve();
        t.mock.timers.tick(1000);
        await flush();
        assert.equal(handler.runs.length, 1);
        await stop(queue, handler);
      });
    }

    it('should be superseded by add, which makes the key ready now and drops its timer', async (t) => {
      t.mock.timers.enable({ apis: ['setTimeout'] });
      const handler = new ScriptedHandler();
      const { queue } = retryingQueue(handler);
      queue.start();
      queue.addAfter('a', 100);
      queue.add('a');
      assert.equal(queue.delayed, 0);
      await flush();
      assert.equal(handler.runs.length, 1);
      handler.last('a').done.resolve();
      t.mock.timers.tick(1000);
      await flush();
      assert.equal(handler.runs.length, 1);
      await stop(queue, handler);
    });

    it('should be ignored for a key already waiting to run, whose run decides what comes next', async (t) => {
      t.mock.timers.enable({ apis: ['setTimeout'] });
      const handler = new ScriptedHandler();
      const { queue } = retryingQueue(handler);
      queue.add('a');
      queue.addAfter('a', 10);
      assert.equal(queue.delayed, 0);
      queue.start();
      await flush();
      queue.add('a'); // running: dirty, so its requeue request below is moot
      handler.last('a').done.resolve({ requeueAfterMs: 10 });
      await flush();
      assert.equal(handler.runs.length, 2);
      assert.equal(queue.delayed, 0);
      handler.last('a').done.resolve();
      t.mock.timers.tick(1000);
      await flush();
      assert.equal(handler.runs.length, 2);
      await stop(queue, handler);
    });

    it('should make the key ready now for a delay of zero or less', async () => {
      const handler = new ScriptedHandler();
      const { queue } = retryingQueue(handler);
      queue.start();
      queue.addAfter('a', 0);
      queue.addAfter('b', -5);
      await flush();
      assert.deepEqual(handler.keys, ['a', 'b']);
      await stop(queue, handler);
    });
  });
});
