import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventually } from '../../../src/testkit/eventually.js';

describe('eventually', () => {
  it('resolves with the first value that is not undefined or false, retrying throws', async () => {
    let calls = 0;
    const value = await eventually(
      () => {
        calls++;
        if (calls === 1) throw new Error('not yet');
        if (calls === 2) return false;
        return calls === 3 ? undefined : { calls };
      },
      { intervalMs: 1 },
    );
    assert.deepEqual(value, { calls: 4 });
  });

  it('says what it waited for and why the last check failed', async () => {
    await assert.rejects(
      eventually(
        () => {
          assert.equal(1 + 1, 3, 'the sum is off');
          return true;
        },
        { timeoutMs: 30, intervalMs: 5, what: 'the sum to be 3' },
      ),
      (e: Error) => {
        assert.match(
          e.message,
          /^timed out after 30 ms \(\d+ checks\) waiting for the sum to be 3; the last check failed: the sum is off\n/,
        );
        assert.ok(e.cause instanceof assert.AssertionError);
        return true;
      },
    );
  });

  it('says what the last check returned when it did not throw', async () => {
    await assert.rejects(
      eventually(() => false, { timeoutMs: 10, intervalMs: 2 }),
      {
        message: /waiting for the condition; the last check returned false$/,
      },
    );
  });
});
