import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { WorkQueue } from '../../../src/runtime/queue/index.js';
import { passSignal } from '../../../src/runtime/reconcile/pass-deadline.js';
import { createQueue, flush, ScriptedHandler, stopAllQueues } from './support.js';

function queueWith(handler: ScriptedHandler, concurrency = 4): WorkQueue {
  return createQueue(handler.handle, { name: 'test', concurrency });
}

afterEach(stopAllQueues);

describe('WorkQueue', () => {
  describe('.add', () => {
    it('should queue a waiting key once however many times it is added', async () => {
      const handler = new ScriptedHandler();
      const queue = queueWith(handler);
      for (let i = 0; i < 100; i += 1) queue.add('a');
      queue.add('b');
      queue.add('a');
      assert.equal(queue.depth, 2);
      queue.start();
      await flush();
      assert.deepEqual(handler.keys, ['a', 'b']);
      for (const run of handler.runs) run.done.resolve();
      await flush();
      assert.deepEqual(handler.keys, ['a', 'b']);
      assert.equal(queue.active, 0);
    });

    it('should run a key re-added during its run exactly once more, after the run ends', async () => {
      const handler = new ScriptedHandler();
      const queue = queueWith(handler);
      queue.start();
      queue.add('a');
      await flush();
      queue.add('a');
      queue.add('a');
      queue.add('a');
      await flush();
      assert.deepEqual(handler.keys, ['a'], 'the second run waits for the first');
      assert.equal(queue.depth, 0, 'a running key is not in the ready queue');
      handler.last('a').done.resolve();
      await flush();
      assert.deepEqual(handler.keys, ['a', 'a']);
      handler.last('a').done.resolve();
      await flush();
      assert.deepEqual(handler.keys, ['a', 'a']);
      assert.deepEqual(handler.overlaps, []);
    });

    it('should not run the handler inside the caller of add', () => {
      const handler = new ScriptedHandler();
      const queue = queueWith(handler);
      queue.start();
      queue.add('a');
      assert.deepEqual(handler.keys, []);
    });
  });

  describe('.start', () => {
    it('should hold keys added before it, then run them', async () => {
      const handler = new ScriptedHandler();
      const queue = queueWith(handler);
      queue.add('a');
      await flush();
      assert.deepEqual(handler.keys, []);
      queue.start();
      await flush();
      assert.deepEqual(handler.keys, ['a']);
    });
  });

  describe('concurrency', () => {
    it('should run at most `concurrency` handlers, starting the next as one finishes', async () => {
      const handler = new ScriptedHandler();
      const active: number[] = [];
      const queue = createQueue(handler.handle, {
        name: 'test',
        concurrency: 2,
        observer: { onActive: (n) => active.push(n) },
      });
      for (const key of ['a', 'b', 'c', 'd', 'e']) queue.add(key);
      queue.start();
      await flush();
      assert.deepEqual(handler.keys, ['a', 'b']);
      assert.equal(queue.active, 2);
      assert.equal(queue.depth, 3);
      handler.last('b').done.resolve();
      await flush();
      assert.deepEqual(handler.keys, ['a', 'b', 'c']);
      handler.last('a').done.reject(new Error('boom'));
      handler.last('c').done.resolve();
      await flush();
      assert.deepEqual(handler.keys, ['a', 'b', 'c', 'd', 'e']);
      assert.equal(handler.maxActive, 2);
      assert.ok(Math.max(...active) <= 2, `observed active counts ${active}`);
      await queue.shutdown(0);
    });

    it('should let every run in flight follow its signal without a listener-leak warning', async () => {
      const warnings: string[] = [];
      const onWarning = (w: Error) => warnings.push(w.name);
      process.on('warning', onWarning);
      try {
        const handler = new ScriptedHandler();
        const queue = createQueue(handler.handle, { name: 'test', concurrency: 20 });
        for (let i = 0; i < 20; i++) queue.add(`k${i}`);
        queue.start();
        await flush();
        // Each reconcile pass follows the run signal with a listener (see passSignal).
        const passes = handler.runs.map((run) => passSignal(run.context.signal, 60_000));
        assert.equal(passes.length, 20);
        await new Promise((resolve) => setImmediate(resolve));
        assert.deepEqual(warnings, []);
        for (const pass of passes) pass.dispose();
        for (const run of handler.runs) run.done.resolve();
        await queue.shutdown(0);
      } finally {
        process.off('warning', onWarning);
      }
    });

    it('should run keys in the order they became ready, a re-added running key going to the back', async () => {
      const handler = new ScriptedHandler();
      const queue = queueWith(handler, 1);
      for (const key of ['c', 'a', 'd', 'b']) queue.add(key);
      queue.start();
      await flush();
      queue.add('c'); // c is running: it goes behind a, d, b
      for (let i = 0; i < 5; i += 1) {
        handler.runs[i]?.done.resolve();
        await flush();
      }
      assert.deepEqual(handler.keys, ['c', 'a', 'd', 'b', 'c']);
    });

    it('should never overlap runs of one key or exceed the bound under random load', async () => {
      // A small seeded generator (mulberry32) keeps this reproducible.
      let seed = 42;
      const random = (): number => {
        seed = (seed + 0x6d2b79f5) | 0;
        let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
        t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
      };
      const handler = new ScriptedHandler();
      const queue = queueWith(handler, 3);
      queue.start();
      const keys = ['a', 'b', 'c', 'd', 'e', 'f'];
      const lastAdd = new Map<string, number>();
      const settled = new Set<number>();
      for (let step = 0; step < 400; step += 1) {
        if (random() < 0.6) {
          const key = keys[Math.floor(random() * keys.length)] as string;
          queue.add(key);
          lastAdd.set(key, handler.runs.length);
        } else {
          const open = handler.runs.map((_, i) => i).filter((i) => !settled.has(i));
          const pick = open[Math.floor(random() * open.length)];
          if (pick !== undefined) {
            settled.add(pick);
            handler.runs[pick]?.done.resolve();
          }
        }
        await flush(1);
      }
      // Drain: finish everything until nothing new starts.
      while (settled.size < handler.runs.length) {
        for (let i = 0; i < handler.runs.length; i += 1) {
          if (!settled.has(i)) {
            settled.add(i);
            handler.runs[i]?.done.resolve();
          }
        }
        await flush();
      }
      assert.deepEqual(handler.overlaps, []);
      assert.ok(handler.maxActive <= 3, `max active ${handler.maxActive}`);
      // No add is lost: every key ran at least once after (or while finishing) its last add.
      for (const [key, runsBefore] of lastAdd) {
        const ranAfter = handler.runs.slice(runsBefore).some((run) => run.key === key);
        assert.ok(ranAfter, `${key} was added but never ran afterwards`);
      }
    });
  });
});
