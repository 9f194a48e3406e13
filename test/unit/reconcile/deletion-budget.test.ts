import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkDeletionBudget } from '../../../src/config/validate-config.js';
import {
  DEFAULT_DELETION_BUDGET,
  DeletionWindow,
  explained,
  judgeDeletions,
  resolveDeletionBudget,
} from '../../../src/runtime/reconcile/deletion-budget.js';
import { ALLOW_DELETIONS_ANNOTATION } from '../../../src/types/deletion-budget.js';

const converged = (generation = 3, annotations?: Record<string, string>) => ({
  metadata: { name: 'p', generation, ...(annotations ? { annotations } : {}) },
  status: { observedGeneration: generation },
});
const budget = DEFAULT_DELETION_BUDGET;
const judge = (
  deletes: number,
  owned: number,
  parent = converged(),
  window = new DeletionWindow(budget.windowMs),
) => judgeDeletions({ parent, deletes, owned, budget, window, now: 1_000_000 });

describe('deletion budget', () => {
  it('holds a pass deleting more than half of a converged parent’s children, at least two', () => {
    const held = judge(2, 2);
    assert.equal(held.hold, true);
    assert.match(held.hold ? held.message : '', /no longer returns 2 of the 2 children .*more than 50 %/);
    assert.equal(judge(2, 4).hold, false, 'exactly half is allowed');
    assert.equal(judge(3, 4).hold, true);
    assert.equal(judge(1, 1).hold, false, 'a parent of one child may lose it');
  });

  it('lets deletions through when the spec changed since the parent converged, or it never did', () => {
    const changed = { metadata: { name: 'p', generation: 4 }, status: { observedGeneration: 3 } };
    assert.deepEqual(judge(5, 5, changed), { hold: false, counted: false });
    assert.deepEqual(judge(5, 5, { metadata: { name: 'p', generation: 1 } } as never), {
      hold: false,
      counted: false,
    });
  });

  it('lets deletions through with an approval for this generation only', () => {
    assert.equal(explained(converged(3, { [ALLOW_DELETIONS_ANNOTATION]: '3' })), true);
    assert.equal(judge(5, 5, converged(3, { [ALLOW_DELETIONS_ANNOTATION]: '3' })).hold, false);
    assert.equal(
      judge(5, 5, converged(4, { [ALLOW_DELETIONS_ANNOTATION]: '3' })).hold,
      true,
      'a stale approval',
    );
  });

  it('counts unexplained deletions in a sliding window across parents, and holds past its budget', () => {
    const window = new DeletionWindow(60_000);
    const small = { ...budget, maxPerWindow: 3, windowMs: 60_000 };
    const at = (now: number, deletes = 1, owned = 4) =>
      judgeDeletions({ parent: converged(), deletes, owned, budget: small, window, now });
    assert.deepEqual(at(0), { hold: false, counted: true });
    window.record(1, 0);
    window.record(2, 10_000);
    const held = at(20_000);
    assert.equal(held.hold, true);
    if (held.hold) {
      assert.match(held.message, /already deleted 3 children in the last 1 min .* budget of 3/);
      assert.equal(held.retryAfterMs, 40_000, 'the first deletion leaves the window at 60 s');
    }
    assert.deepEqual(at(60_001), { hold: false, counted: true });
  });

  it('resolves the operator’s budget over the host’s, with defaults for what neither sets', () => {
    assert.deepEqual(resolveDeletionBudget(undefined, undefined), DEFAULT_DELETION_BUDGET);
    assert.equal(resolveDeletionBudget(false, { maxShare: 0.9 }), undefined);
    assert.equal(resolveDeletionBudget(undefined, false), undefined);
    assert.equal(resolveDeletionBudget({ minCount: 5 }, false)?.minCount, 5);
    assert.deepEqual(resolveDeletionBudget(undefined, { maxShare: 0.9, minCount: undefined }), {
      ...DEFAULT_DELETION_BUDGET,
      maxShare: 0.9,
    });
  });

  it('reports a malformed budget with what each field must be', () => {
    assert.deepEqual(checkDeletionBudget(false, 'deletionBudget'), []);
    assert.deepEqual(checkDeletionBudget({ maxShare: 0.3, windowMs: 1 }, 'deletionBudget'), []);
    assert.deepEqual(checkDeletionBudget({ maxShare: 2, minCount: 1.5, windowMs: 0, max: 1 }, 'b'), [
      'b.maxShare must be a share between 0 and 1 (0.5 = half); got 2.',
      'b.minCount must be a whole number, 0 or more; got 1.5.',
      'b.windowMs must be a positive number of milliseconds; got 0.',
      "b has an unknown field 'max'; the fields are maxShare, minCount, maxPerWindow, windowMs.",
    ]);
    assert.match(checkDeletionBudget(true, 'b')[0] ?? '', /must be false or an object/);
  });
});
