import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Backoff, backoffDelay, KeyedBackoff } from '../../../src/runtime/backoff/index.js';
import { resolveBackoff } from '../../../src/runtime/informers/backoff.js';

describe('backoffDelay', () => {
  it('doubles the ceiling per consecutive failure up to the cap, and stays there', () => {
    const curve = { initialMs: 5, maxMs: 60, jitter: 0 };
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6].map((n) => backoffDelay(curve, n)),
      [5, 10, 20, 40, 60, 60],
    );
    assert.equal(backoffDelay({ initialMs: 5, maxMs: 300_000, jitter: 0 }, 5000), 300_000);
  });

  it('keeps jittered delays within [d * (1 - jitter), d], equal jitter by default', () => {
    const curve = { initialMs: 8, maxMs: 100 };
    assert.deepEqual([backoffDelay(curve, 1, () => 0), backoffDelay(curve, 2, () => 0)], [8, 16]);
    const first = backoffDelay(curve, 1, () => 0.999999);
    assert.ok(first > 4 && first < 4.01, `first delay ${first}`);
    assert.ok(backoffDelay(curve, 12, () => 0.999999) >= 50, 'jitter applies below the cap, never above it');
    assert.equal(backoffDelay({ ...curve, factor: 3, jitter: 0 }, 3), 72);
  });
});

describe('Backoff (one stream: a reflector)', () => {
  it('caps the unreachable curve low and the error curve at maxMs', () => {
    const { initialMs, factor, unreachableMaxMs } = resolveBackoff();
    const b = new Backoff({ initialMs, factor, maxMs: unreachableMaxMs }, () => 0);
    assert.deepEqual(
      [1, 2, 3, 4, 5].map(() => b.next()),
      [800, 1600, 2000, 2000, 2000],
    );
    const low = new Backoff(resolveBackoff(), () => 1);
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6, 7, 8].map(() => low.next()),
      [400, 800, 1600, 3200, 6400, 12800, 15000, 15000],
    );
  });

  it('counts the failure streak and starts over after reset', () => {
    const b = new Backoff(resolveBackoff(), () => 0);
    b.next();
    b.next();
    assert.equal(b.failures, 2);
    b.reset();
    assert.equal(b.failures, 0);
    assert.equal(b.next(), 800);
  });
});

describe('KeyedBackoff (per key: the work queue)', () => {
  it('counts each key on its own, and forget restarts a key from the initial delay', () => {
    const backoff = new KeyedBackoff({ initialMs: 1, maxMs: 1000, jitter: 0 });
    backoff.next('a');
    backoff.next('a');
    assert.equal(backoff.next('a'), 4);
    assert.equal(backoff.next('b'), 1);
    assert.equal(backoff.failures('a'), 3);
    backoff.forget('a');
    assert.equal(backoff.failures('a'), 0);
    assert.equal(backoff.next('a'), 1);
  });
});
