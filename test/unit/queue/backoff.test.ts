import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ExponentialBackoff } from '../../../src/runtime/queue/index.js';

describe('ExponentialBackoff', () => {
  describe('.next', () => {
    it('should double the delay per consecutive failure up to the cap', () => {
      const backoff = new ExponentialBackoff({ baseDelayMs: 5, maxDelayMs: 60, jitter: 0 });
      const delays = Array.from({ length: 6 }, () => backoff.next('a'));
      assert.deepEqual(delays, [5, 10, 20, 40, 60, 60]);
      assert.equal(backoff.failures('a'), 6);
    });

    it('should stay at the cap after very many failures', () => {
      const backoff = new ExponentialBackoff({ baseDelayMs: 5, maxDelayMs: 300_000, jitter: 0 });
      for (let i = 0; i < 2000; i += 1) backoff.next('a');
      assert.equal(backoff.next('a'), 300_000);
    });

    it('should keep jittered delays within [d * (1 - jitter), d]', () => {
      const low = new ExponentialBackoff({
        baseDelayMs: 8,
        maxDelayMs: 100,
        jitter: 0.5,
        random: () => 0.999999,
      });
      const high = new ExponentialBackoff({ baseDelayMs: 8, maxDelayMs: 100, jitter: 0.5, random: () => 0 });
      assert.deepEqual([high.next('a'), high.next('a')], [8, 16]);
      const [first, second] = [low.next('a'), low.next('a')];
      assert.ok(first > 4 && first < 4.01, `first delay ${first}`);
      assert.ok(second > 8 && second < 8.01, `second delay ${second}`);
      for (let i = 0; i < 10; i += 1) low.next('a');
      assert.ok(low.next('a') >= 50, 'jitter applies below the cap, never above it');
    });

    it('should count each key on its own', () => {
      const backoff = new ExponentialBackoff({ baseDelayMs: 1, maxDelayMs: 1000, jitter: 0 });
      backoff.next('a');
      backoff.next('a');
      backoff.next('a');
      assert.equal(backoff.next('b'), 1);
      assert.equal(backoff.failures('a'), 3);
    });
  });

  describe('.forget', () => {
    it('should restart the key from the base delay', () => {
      const backoff = new ExponentialBackoff({ baseDelayMs: 2, maxDelayMs: 1000, jitter: 0 });
      backoff.next('a');
      backoff.next('a');
      backoff.forget('a');
      assert.equal(backoff.failures('a'), 0);
      assert.equal(backoff.next('a'), 2);
    });
  });
});
