import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildStatus } from '../../../src/runtime/reconcile/status.js';
import { conditionTrue, getCondition, setCondition } from '../../../src/types/conditions.js';
import type { Condition } from '../../../src/types/sync.js';

const t0 = new Date('2025-01-01T00:00:00.123Z');
const t1 = new Date('2025-01-02T00:00:00.000Z');

describe('setCondition', () => {
  it('appends a new condition with the transition time, to the second', () => {
    const out = setCondition(undefined, { type: 'Ready', status: 'False', reason: 'Waiting' }, 3, t0);
    assert.deepEqual(out, [
      {
        type: 'Ready',
        status: 'False',
        reason: 'Waiting',
        message: '',
        observedGeneration: 3,
        lastTransitionTime: '2025-01-01T00:00:00Z',
      },
    ]);
  });

  it('keeps lastTransitionTime while the status holds, moves it when the status flips, in place', () => {
    const synced: Condition = {
      type: 'Synced',
      status: 'True',
      reason: 'Synced',
      message: '',
      lastTransitionTime: 'x',
    };
    const first = [synced, ...setCondition([], { type: 'Ready', status: 'False', reason: 'Waiting' }, 1, t0)];
    const same = setCondition(
      first,
      { type: 'Ready', status: 'False', reason: 'Scaling', message: '1/2' },
      2,
      t1,
    );
    assert.equal(same[1]?.lastTransitionTime, '2025-01-01T00:00:00Z');
    assert.equal(same[1]?.reason, 'Scaling');
    assert.equal(same[1]?.observedGeneration, 2);
    assert.equal(same[0], synced, 'others are kept as they are');
    const flipped = setCondition(same, { type: 'Ready', status: 'True', reason: 'PodsReady' }, 2, t1);
    assert.equal(flipped[1]?.lastTransitionTime, '2025-01-02T00:00:00Z');
    assert.equal(flipped.length, 2);
    assert.equal(first[1]?.status, 'False', 'the input is not touched');
  });

  it('leaves the status Operon builds unchanged when nothing changed (no write)', () => {
    const live = buildStatus(
      { conditions: setCondition(undefined, { type: 'Ready', status: 'True', reason: 'Up' }, 1, t0) },
      undefined,
      1,
      { ok: true, reason: 'Synced', message: 'ok' },
      () => 'T',
    );
    const next = buildStatus(
      { conditions: setCondition(live.conditions, { type: 'Ready', status: 'True', reason: 'Up' }, 1, t1) },
      live,
      1,
      { ok: true, reason: 'Synced', message: 'ok' },
      () => 'T2',
    );
    assert.deepEqual(next, live);
  });

  it('refuses what the API server would', () => {
    assert.throws(() => setCondition([], { type: '', status: 'True', reason: 'R' }), TypeError);
    assert.throws(
      () => setCondition([], { type: 'Ready', status: 'true' as 'True', reason: 'R' }),
      /must be "True", "False" or "Unknown"/,
    );
    assert.throws(
      () => setCondition([], { type: 'Ready', status: 'True', reason: 'not ready' }),
      /CamelCase/,
    );
    assert.throws(() => setCondition([], { type: 'Ready', status: 'True', reason: '' }), /CamelCase/);
  });
});

describe('conditionTrue and getCondition', () => {
  const pod = {
    status: {
      conditions: [
        { type: 'Ready', status: 'True' },
        { type: 'Scheduled', status: 'False' },
      ],
    },
  };

  it('read an object’s status.conditions or a list', () => {
    assert.equal(conditionTrue(pod, 'Ready'), true);
    assert.equal(conditionTrue(pod, 'Scheduled'), false);
    assert.equal(conditionTrue(pod, 'Missing'), false);
    assert.equal(conditionTrue(pod.status.conditions, 'Ready'), true);
    assert.equal(getCondition(pod, 'Scheduled')?.status, 'False');
  });

  it('are false for anything without conditions', () => {
    for (const v of [undefined, null, {}, { status: {} }, { status: { conditions: 'x' } }, [null, 1]])
      assert.equal(conditionTrue(v, 'Ready'), false);
  });
});
