import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { OperonError } from '../../../src/errors/index.js';
import { ConfigError } from '../../../src/errors/operon-error.js';
import { createQueue, flush, ScriptedHandler, stopAllQueues } from './support.js';

afterEach(stopAllQueues);

describe('WorkQueue observer', () => {
  it('should report adds, depth, active, latency and work duration', async () => {
    let now = 1000;
    const events: string[] = [];
    const handler = new ScriptedHandler();
    const queue = createQueue(handler.handle, {
      name: 'test',
      concurrency: 1,
      now: () => now,
      observer: {
        onAdd: (key) => events.push(`add ${key}`),
        onDepth: (n) => events.push(`depth ${n}`),
        onActive: (n) => events.push(`active ${n}`),
        onLatency: (ms, key) => events.push(`latency ${key} ${ms}`),
        onWorkDuration: (ms, key) => events.push(`work ${key} ${ms}`),
      },
    });
    queue.add('a');
    queue.add('a');
    queue.add('b');
    now = 1030;
    queue.start();
    await flush();
    now = 1100;
    handler.last('a').done.resolve();
    await flush();
    assert.deepEqual(events, [
      'add a',
      'depth 1',
      'add b',
      'depth 2',
      'active 1',
      'latency a 30',
      'depth 1',
      'work a 70',
      'active 0',
      'active 1',
      'latency b 100',
      'depth 0',
    ]);
  });

  it('should keep working when a hook throws, warning once per hook', async (t) => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error): void => {
      warnings.push(warning);
    };
    process.on('warning', onWarning);
    t.after(() => process.off('warning', onWarning));
    const handler = new ScriptedHandler();
    const queue = createQueue(handler.handle, {
      name: 'test',
      concurrency: 2,
      observer: {
        onAdd: () => {
          throw new Error('metrics broke');
        },
      },
    });
    queue.start();
    queue.add('a');
    queue.add('b');
    await flush();
    assert.deepEqual(handler.keys, ['a', 'b']);
    const ours = warnings.filter((w) => (w as Error & { code?: string }).code === 'OPERON_QUEUE_OBSERVER');
    assert.equal(ours.length, 1);
    assert.match(ours[0]?.message ?? '', /observer\.onAdd threw \(Error: metrics broke\)/);
    await queue.shutdown(0);
  });
});

describe('WorkQueue options', () => {
  it('should reject every invalid option at once with a ConfigError', () => {
    assert.throws(
      () =>
        createQueue(() => undefined, {
          name: 'echo',
          concurrency: 0,
          baseDelayMs: 10,
          maxDelayMs: 5,
          qps: 0,
          jitter: 2,
        }),
      (error: unknown) => {
        assert.ok(OperonError.hasCode(error, 'CONFIG_INVALID'));
        assert.ok(error instanceof ConfigError);
        assert.deepEqual(error.problems, [
          'work queue "echo": option concurrency must be a whole number ≥ 1 (got 0).',
          'work queue "echo": option maxDelayMs must be a number of ms ≥ baseDelayMs (10) (got 5).',
          'work queue "echo": option jitter must be a fraction in [0, 1] (got 2).',
          'work queue "echo": option qps must be a rate > 0 (Infinity for no limit) (got 0).',
        ]);
        return true;
      },
    );
  });

  it('should treat options set to undefined as unset', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const retries: number[] = [];
    const queue = createQueue(
      () => {
        throw new Error('x');
      },
      {
        name: 'test',
        concurrency: 1,
        baseDelayMs: undefined,
        jitter: 0,
        observer: { onRetry: (_k, ms) => retries.push(ms) },
      },
    );
    queue.start();
    queue.add('a');
    await flush();
    assert.deepEqual(retries, [5]);
    await queue.shutdown(0);
  });
});
