import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TokenBucket } from '../../../src/runtime/queue/index.js';

describe('TokenBucket', () => {
  describe('.reserve', () => {
    it('should grant the burst at once, then space reservations 1000/qps ms apart', () => {
      const bucket = new TokenBucket(10, 3, () => 0);
      const delays = Array.from({ length: 6 }, () => bucket.reserve());
      assert.deepEqual(delays, [0, 0, 0, 100, 200, 300]);
    });

    it('should refill at qps over time, never above the burst', () => {
      let now = 0;
      const bucket = new TokenBucket(10, 2, () => now);
      bucket.reserve();
      bucket.reserve();
      assert.equal(bucket.reserve(), 100);
      now = 100; // pays back the token reserved above
      assert.equal(bucket.reserve(), 100);
      now = 10_000; // long idle: refilled to the burst of 2, not 100 tokens
      assert.deepEqual([bucket.reserve(), bucket.reserve(), bucket.reserve()], [0, 0, 100]);
    });

    it('should not lose tokens when the clock goes backwards', () => {
      let now = 1000;
      const bucket = new TokenBucket(10, 1, () => now);
      now = 0;
      assert.equal(bucket.reserve(), 0);
    });

    it('should never delay when qps is Infinity', () => {
      const bucket = new TokenBucket(Number.POSITIVE_INFINITY, 1, () => 0);
      assert.deepEqual([bucket.reserve(), bucket.reserve(), bucket.reserve()], [0, 0, 0]);
    });
  });
});
