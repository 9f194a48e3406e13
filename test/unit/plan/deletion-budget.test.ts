import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyDeletionWindows, type WindowEntry } from '../../../src/plan/deletion-budget.js';
import type { ParentPlan, PlannedDelete } from '../../../src/plan/types.js';
import type { ParentObject } from '../../../src/runtime/planner/ownership.js';
import { DEFAULT_DELETION_BUDGET } from '../../../src/runtime/reconcile/deletion-budget.js';
import { customResource } from '../../../src/types/custom-resource.js';

class Spec {}
const Greeter = customResource({ group: 'example.com', version: 'v1', kind: 'Greeter', spec: Spec });
const budget = { ...DEFAULT_DELETION_BUDGET, maxPerWindow: 3 };

/** A converged parent (or one whose spec changed, `generation` 2) whose plan deletes `n` children. */
function entry(operator: string, name: string, n: number, generation = 1): WindowEntry {
  const parent = {
    apiVersion: 'example.com/v1',
    kind: 'Greeter',
    metadata: { name, namespace: 'shop', uid: `uid-${name}`, generation },
    status: { observedGeneration: 1 },
  } as ParentObject;
  const deletes: PlannedDelete[] = Array.from({ length: n }, (_, i) => ({
    action: 'delete',
    apiVersion: 'v1',
    kind: 'ConfigMap',
    namespace: 'shop',
    name: `${name}-${i}`,
  }));
  const plan: ParentPlan = {
    operator,
    parent: { apiVersion: 'example.com/v1', kind: 'Greeter', namespace: 'shop', name, uid: `uid-${name}` },
    outcome: n > 0 ? 'changes' : 'unchanged',
    children: deletes,
    status: [],
    notes: [],
  };
  return { operator, parent, parentType: Greeter, budget, plan };
}

describe('applyDeletionWindows', () => {
  it("counts unexplained deletes per operator in the plan's order and holds those past the window", () => {
    const plans = applyDeletionWindows([
      entry('a', 'p1', 2),
      entry('a', 'p2', 5, 2), // explained by a spec change: neither held nor counted
      entry('a', 'p3', 2), // 2 + 2 > 3: held
      entry('b', 'q1', 3), // another operator, another window
      entry('a', 'p4', 1), // 2 + 1 fits
    ]);
    assert.deepEqual(
      plans.map((p) => [p.parent.name, p.deletionsHeld?.rule]),
      [
        ['p1', undefined],
        ['p2', undefined],
        ['p3', 'window'],
        ['q1', undefined],
        ['p4', undefined],
      ],
    );
    const p3 = plans[2]!;
    assert.ok(p3.children.every((c) => c.action === 'delete' && c.held === true));
    assert.match(
      p3.deletionsHeld?.message ?? '',
      /already deleted 2 children .* and 2 more would exceed its budget of 3/,
    );
    assert.equal(p3.outcome, 'changes');
    // The live status has no condition yet: the held pass adds Synced=False, DeletionHeld.
    assert.deepEqual(
      p3.status.map((f) => [f.path, f.op]),
      [['status.conditions', 'add']],
    );
    assert.match(JSON.stringify(p3.status[0]?.to), /"reason":"DeletionHeld"/);
  });

  it('leaves alone parents with a budget turned off, held already, or nothing to delete', () => {
    const off = { ...entry('a', 'p1', 9), budget: undefined };
    const none = entry('a', 'p2', 0);
    const plans = applyDeletionWindows([off, none, entry('a', 'p3', 3)]);
    assert.deepEqual(
      plans.map((p) => p.deletionsHeld),
      [undefined, undefined, undefined],
    );
    assert.equal(plans[0], off.plan);
  });
});
