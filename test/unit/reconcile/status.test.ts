// The status builder at its seam: what a success and a failure write, and when they write nothing.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildStatus, failedConditionPatch, statusUnchanged } from '../../../src/runtime/reconcile/status.js';

const at = (t: string) => () => t;
const ok = { ok: true, reason: 'Synced', message: 'All children are in the desired state.' };
const bad = { ok: false, reason: 'SyncFailed', message: 'sync threw: boom' };

describe('buildStatus', () => {
  it('writes the author status, observedGeneration and Synced=True after a success', () => {
    const s = buildStatus({ ready: 2 }, undefined, 3, ok, at('2026-11-30T10:00:00Z'));
    assert.deepEqual(s, {
      ready: 2,
      observedGeneration: 3,
      conditions: [
        {
          type: 'Synced',
          status: 'True',
          reason: 'Synced',
          message: ok.message,
          observedGeneration: 3,
          lastTransitionTime: '2026-11-30T10:00:00Z',
        },
      ],
    });
  });

  it('keeps the live status and its observedGeneration after a failure; only Synced changes', () => {
    const live = buildStatus({ ready: 2 }, undefined, 3, ok, at('2026-11-30T10:00:00Z'));
    const s = buildStatus({ ready: 99 }, live, 4, bad, at('2026-11-30T11:00:00Z'));
    assert.equal(s.ready, 2);
    assert.equal(s.observedGeneration, 3);
    const synced = (s.conditions as { status: string; lastTransitionTime: string }[]).at(-1);
    assert.equal(synced?.status, 'False');
    assert.equal(synced?.lastTransitionTime, '2026-11-30T11:00:00Z', 'a flip moves the transition time');
  });

  it('yields a status equal to the live one when nothing changed, so nothing is written', () => {
    const live = buildStatus({ ready: 2 }, undefined, 3, ok, at('2026-11-30T10:00:00Z'));
    const again = buildStatus({ ready: 2 }, live, 3, ok, at('2026-11-30T12:00:00Z'));
    assert.equal(statusUnchanged(again, live), true);
    assert.equal(statusUnchanged(buildStatus({ ready: 3 }, live, 3, ok), live), false);
  });

  it("keeps the author's own conditions, with their own transition times", () => {
    const s = buildStatus(
      { conditions: [{ type: 'Ready', status: 'True', reason: 'Up', message: '' }] },
      undefined,
      1,
      ok,
      at('2026-11-30T10:00:00Z'),
    );
    const types = (s.conditions as { type: string; lastTransitionTime: string }[]).map(
      (c) => `${c.type}@${c.lastTransitionTime}`,
    );
    assert.deepEqual(types, ['Ready@2026-11-30T10:00:00Z', 'Synced@2026-11-30T10:00:00Z']);
  });
});

describe('failedConditionPatch', () => {
  const live = buildStatus({ ready: 2 }, undefined, 3, ok, at('2026-11-30T10:00:00Z'));

  it('replaces only the Synced entry, guarded by a test of what it replaces', () => {
    const ops = failedConditionPatch(live, 3, bad, at('2026-11-30T11:00:00Z'));
    assert.deepEqual(
      ops?.map((o) => `${o.op} ${o.path}`),
      ['test /status/conditions/0', 'replace /status/conditions/0'],
    );
    assert.deepEqual(ops?.[0], {
      op: 'test',
      path: '/status/conditions/0',
      value: (live.conditions as unknown[])[0],
    });
  });

  it('adds a status or a conditions list where there is none, each tested as absent', () => {
    assert.deepEqual(
      failedConditionPatch(undefined, 1, bad)?.map((o) => `${o.op} ${o.path}`),
      ['test /status', 'add /status'],
    );
    assert.deepEqual(
      failedConditionPatch({ ready: 1 }, 1, bad)?.map(
        (o) => `${o.op} ${o.path} ${JSON.stringify('value' in o ? o.value : null).slice(0, 4)}`,
      ),
      ['test /status/conditions null', 'add /status/conditions [{"t'],
    );
  });

  it('sends nothing when Synced already says exactly that failure', () => {
    const failed = buildStatus(undefined, live, 3, bad, at('2026-11-30T11:00:00Z'));
    assert.equal(failedConditionPatch(failed, 3, bad, at('2026-11-30T12:00:00Z')), undefined);
  });
});
