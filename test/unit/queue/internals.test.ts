import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DelayedKeys } from '../../../src/runtime/queue/delayed-keys.js';
import { Fifo } from '../../../src/runtime/queue/fifo.js';
import { sleep } from './support.js';

describe('Fifo', () => {
  it('should return items in insertion order across compactions', () => {
    const fifo = new Fifo<number>();
    const out: number[] = [];
    let next = 0;
    // Interleave pushes and shifts so the head passes the compaction threshold several times.
    for (let round = 0; round < 50; round += 1) {
      for (let i = 0; i < 100; i += 1) fifo.push(next++);
      for (let i = 0; i < 90; i += 1) out.push(fifo.shift() as number);
    }
    while (fifo.size > 0) out.push(fifo.shift() as number);
    assert.deepEqual(
      out,
      Array.from({ length: next }, (_, i) => i),
    );
    assert.equal(fifo.shift(), undefined);
  });
});

describe('DelayedKeys', () => {
  describe('.schedule', () => {
    it('should fire once, at the earlier time, when the earlier timer comes second', (t) => {
      t.mock.timers.enable({ apis: ['setTimeout'] });
      const fired: string[] = [];
      const keys = new DelayedKeys(
        (key) => fired.push(key),
        () => performance.now(),
      );
      keys.schedule('a', 100);
      keys.schedule('a', 10);
      assert.equal(keys.size, 1);
      t.mock.timers.tick(9);
      assert.deepEqual(fired, []);
      t.mock.timers.tick(1);
      assert.deepEqual(fired, ['a']);
      t.mock.timers.tick(1000);
      assert.deepEqual(fired, ['a']);
      assert.equal(keys.size, 0);
    });

    it('should keep the earlier timer when the later comes second', (t) => {
      t.mock.timers.enable({ apis: ['setTimeout'] });
      const fired: string[] = [];
      const keys = new DelayedKeys(
        (key) => fired.push(key),
        () => performance.now(),
      );
      keys.schedule('a', 10);
      keys.schedule('a', 100);
      t.mock.timers.tick(10);
      assert.deepEqual(fired, ['a']);
      t.mock.timers.tick(1000);
      assert.deepEqual(fired, ['a']);
    });

    it('should clamp delays beyond the 32-bit timer limit instead of firing at once', async () => {
      // Real timers on purpose: Node turns an overflowing delay into 1 ms, which mocks do not copy.
      const fired: string[] = [];
      const keys = new DelayedKeys(
        (key) => fired.push(key),
        () => performance.now(),
      );
      try {
        keys.schedule('a', 2 ** 40);
        await sleep(10);
        assert.deepEqual(fired, []);
        assert.equal(keys.size, 1);
      } finally {
        keys.clear();
      }
    });
  });

  describe('.cancel and .clear', () => {
    it('should stop timers from firing', (t) => {
      t.mock.timers.enable({ apis: ['setTimeout'] });
      const fired: string[] = [];
      const keys = new DelayedKeys(
        (key) => fired.push(key),
        () => performance.now(),
      );
      keys.schedule('a', 10);
      keys.schedule('b', 10);
      keys.schedule('c', 10);
      keys.cancel('a');
      keys.clear();
      assert.equal(keys.size, 0);
      t.mock.timers.tick(100);
      assert.deepEqual(fired, []);
    });
  });
});
