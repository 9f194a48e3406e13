import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { createQueue, flush, ScriptedHandler, sleep, stopAllQueues } from './support.js';

function timeouts(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
}

afterEach(stopAllQueues);

describe('WorkQueue.shutdown', () => {
  it('should wait for running handlers and report drained', async () => {
    const handler = new ScriptedHandler();
    const queue = createQueue(handler.handle, { name: 'test', concurrency: 2 });
    queue.start();
    queue.add('a');
    queue.add('b');
    await flush();
    let settled = false;
    const result = queue.shutdown(1000).then((r) => {
      settled = true;
      return r;
    });
    handler.last('a').done.resolve();
    await flush();
    assert.equal(settled, false, 'b is still running');
    handler.last('b').done.reject(new Error('fails while stopping'));
    assert.deepEqual(await result, { drained: true });
    assert.equal(queue.delayed, 0, 'a failure during shutdown schedules no retry');
  });

  it('should time out honestly with drained false and abort the running handler', async () => {
    const handler = new ScriptedHandler();
    const queue = createQueue(handler.handle, { name: 'test', concurrency: 1 });
    queue.start();
    queue.add('stuck');
    await flush();
    const started = performance.now();
    assert.deepEqual(await queue.shutdown(5), { drained: false });
    assert.ok(performance.now() - started >= 4, 'it waited for the timeout');
    const { signal } = handler.last('stuck').context;
    assert.equal(signal.aborted, true);
    assert.equal((signal.reason as Error).name, 'AbortError');
    assert.equal(queue.active, 1, 'the stuck run is still reported as active');
    handler.last('stuck').done.resolve();
    await flush();
    assert.equal(queue.active, 0);
  });

  it('should not abort handlers that finish within the timeout', async () => {
    const handler = new ScriptedHandler();
    const queue = createQueue(handler.handle, { name: 'test', concurrency: 1 });
    queue.start();
    queue.add('a');
    await flush();
    const result = queue.shutdown(1000);
    handler.last('a').done.resolve();
    assert.deepEqual(await result, { drained: true });
    assert.equal(handler.last('a').context.signal.aborted, false);
  });

  it('should drop waiting keys and run nothing after it, even keys added later', async () => {
    const handler = new ScriptedHandler();
    const queue = createQueue(handler.handle, { name: 'test', concurrency: 1 });
    queue.start();
    queue.add('a');
    queue.add('b');
    await flush();
    const result = queue.shutdown(1000);
    assert.equal(queue.depth, 0);
    queue.add('c');
    queue.addAfter('d', 1);
    queue.addAfter('e', 1000);
    assert.equal(queue.depth, 0);
    assert.equal(queue.delayed, 0, 'addAfter after shutdown sets no timer');
    queue.start();
    handler.last('a').done.resolve();
    assert.deepEqual(await result, { drained: true });
    await sleep(5);
    await flush();
    assert.deepEqual(handler.keys, ['a']);
    assert.equal(queue.delayed, 0);
  });

  it('should clear every timer, including its own, so the process can exit', async () => {
    const handler = new ScriptedHandler();
    const queue = createQueue(handler.handle, {
      name: 'test',
      concurrency: 1,
      baseDelayMs: 60_000,
      jitter: 0,
    });
    const baseline = timeouts();
    queue.start();
    queue.addAfter('later', 60_000);
    queue.add('failing');
    await flush();
    handler.last('failing').done.reject(new Error('retry in a minute'));
    queue.add('running');
    await flush();
    assert.equal(queue.delayed, 2);
    assert.equal(timeouts(), baseline + 2);
    const result = queue.shutdown(1000);
    assert.equal(timeouts(), baseline + 1, 'only the shutdown timeout is left');
    handler.last('running').done.resolve();
    assert.deepEqual(await result, { drained: true });
    assert.equal(timeouts(), baseline);
  });

  it('should resolve drained at once when nothing runs, before or after start', async () => {
    const idle = createQueue(() => undefined, { name: 'test', concurrency: 1 });
    idle.add('never');
    assert.deepEqual(await idle.shutdown(), { drained: true });
    idle.start();
    await flush();
    assert.equal(idle.active, 0);
    assert.equal(idle.depth, 0);
  });

  it('should answer a second call once the same runs finish', async () => {
    const handler = new ScriptedHandler();
    const queue = createQueue(handler.handle, { name: 'test', concurrency: 1 });
    queue.start();
    queue.add('a');
    await flush();
    const first = queue.shutdown(1000);
    const second = queue.shutdown(1000);
    handler.last('a').done.resolve();
    assert.deepEqual(await Promise.all([first, second]), [{ drained: true }, { drained: true }]);
  });
});
