import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatPlan, summaryLine } from '../../../src/plan/format.js';
import { PLAN_EXIT, planExitCode, summarizePlan } from '../../../src/plan/summary.js';
import type { ClusterPlan, ParentPlan } from '../../../src/plan/types.js';

const parent = (name: string, namespace?: string) => ({
  apiVersion: 'example.com/v1',
  kind: 'Greeter',
  ...(namespace ? { namespace } : {}),
  name,
  uid: `uid-${name}`,
});

const changing: ParentPlan = {
  operator: 'greeter',
  parent: parent('web', 'shop'),
  outcome: 'changes',
  finalizer: { op: 'add', name: 'greeters.example.com/finalizer', why: 'the operator has @Finalize' },
  children: [
    {
      action: 'apply',
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: 'shop',
      name: 'web-config',
      fields: [
        { path: 'data.greeting', op: 'change', from: 'hello', to: 'hi' },
        { path: 'data.mode', op: 'remove', from: 'v1' },
        { path: 'data.new', op: 'add', to: { a: 1 } },
      ],
    },
    {
      action: 'create',
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: 'shop',
      name: 'web-extra',
      object: { metadata: { name: 'web-extra' } },
    },
    {
      action: 'recreate',
      apiVersion: 'v1',
      kind: 'Pod',
      namespace: 'shop',
      name: 'web-0',
      fields: [],
      note: 'why',
    },
    {
      action: 'conflict',
      apiVersion: 'v1',
      kind: 'Service',
      namespace: 'shop',
      name: 'web',
      message: 'taken',
    },
    { action: 'create', apiVersion: 'v1', kind: 'Namespace', name: 'tenant-web', object: {} },
    {
      action: 'create',
      apiVersion: 'v1',
      kind: 'ResourceQuota',
      namespace: 'tenant-web',
      name: 'q',
      object: {},
    },
    { action: 'delete', apiVersion: 'v1', kind: 'ConfigMap', namespace: 'shop', name: 'web-legacy' },
  ],
  status: [{ path: 'status.greeting', op: 'change', from: 'hello', to: 'hi' }],
  notes: ['a note'],
};

const unchanged: ParentPlan = {
  operator: 'greeter',
  parent: parent('quiet', 'shop'),
  outcome: 'unchanged',
  children: [],
  status: [],
  notes: [],
};

const failed: ParentPlan = {
  operator: 'greeter',
  parent: parent('broken', 'shop'),
  outcome: 'error',
  children: [],
  status: [],
  error: { reason: 'SyncFailed', message: 'sync threw: boom. No child would be changed.' },
  notes: [],
};

const held: ParentPlan = {
  operator: 'greeter',
  parent: parent('shrunk', 'shop'),
  outcome: 'changes',
  children: [
    { action: 'delete', apiVersion: 'v1', kind: 'ConfigMap', namespace: 'shop', name: 'a', held: true },
    { action: 'delete', apiVersion: 'v1', kind: 'ConfigMap', namespace: 'shop', name: 'b', held: true },
  ],
  deletionsHeld: {
    rule: 'share',
    message: 'sync no longer returns 2 of the 3 children of this parent (more than 50 %)',
    approve: 'operon approve greeter/shrunk -n shop',
  },
  status: [
    { path: 'status.conditions[type=Synced].reason', op: 'change', from: 'Synced', to: 'DeletionHeld' },
  ],
  notes: [],
};

const planOf = (parents: ParentPlan[]): ClusterPlan => ({
  formatVersion: 1,
  operators: ['greeter'],
  parents,
  summary: summarizePlan(parents),
});

describe('formatPlan', () => {
  it('shows each parent that would change or failed, its changes indented, then the summary', () => {
    assert.equal(
      formatPlan(planOf([changing, unchanged, failed])),
      [
        'Greeter shop/web (operator greeter): would change',
        '  + add finalizer greeters.example.com/finalizer (the operator has @Finalize)',
        '  ~ apply ConfigMap web-config',
        '      ~ data.greeting: "hello" → "hi"',
        '      - data.mode: "v1"',
        '      + data.new: {"a":1}',
        '  + create ConfigMap web-extra',
        '  -/+ recreate Pod web-0 (delete, then create)',
        '      note: why',
        '  ! conflict Service web: taken',
        '  + create Namespace tenant-web',
        '  + create ResourceQuota tenant-web/q',
        '  - delete ConfigMap web-legacy',
        '  ~ status',
        '      ~ status.greeting: "hello" → "hi"',
        '  note: a note',
        '',
        'Greeter shop/broken (operator greeter): cannot be planned: SyncFailed: sync threw: boom. No child would be changed.',
        '',
        '3 parents: 1 would change, 1 unchanged, 1 error; 3 creates, 1 update, 1 delete, 1 recreate, 1 conflict, 1 status write',
        '',
      ].join('\n'),
    );
  });

  it('says "No changes" when nothing would change, or when there is no parent', () => {
    assert.equal(
      formatPlan(planOf([unchanged])),
      'No changes: every parent is in the state the operators would make of it.\n\n' +
        '1 parent: 0 would change, 1 unchanged, 0 errors; 0 creates, 0 updates, 0 deletes\n',
    );
    assert.match(formatPlan(planOf([])), /^No changes: there is no parent to plan\.\n\n0 parents: /);
  });

  it('marks deletes the deletion budget would hold, says why once, and counts them apart', () => {
    const plan = planOf([
      held,
      { ...held, parent: parent('other', 'shop'), deletionsHeld: { ...held.deletionsHeld!, rule: 'window' } },
    ]);
    assert.equal(plan.summary.deletes, 0);
    assert.equal(plan.summary.heldDeletes, 4);
    assert.equal(plan.summary.changing, 2);
    const text = formatPlan(plan);
    assert.ok(
      text.startsWith(
        [
          'Greeter shop/shrunk (operator greeter): would change',
          '  - delete ConfigMap a (held by the deletion budget)',
          '  - delete ConfigMap b (held by the deletion budget)',
          '  ! deletions held by the deletion budget: sync no longer returns 2 of the 3 children of this parent (more than 50 %). ' +
            'If they are intended: operon approve greeter/shrunk -n shop (a spec change also releases them)',
          '  ~ status',
          '      ~ status.conditions[type=Synced].reason: "Synced" → "DeletionHeld"',
          '',
        ].join('\n'),
      ),
      text,
    );
    assert.match(
      text,
      /They would go once the window has room, or at once with: operon approve greeter\/shrunk -n shop\n/,
    );
    assert.match(
      text,
      /\n2 parents: 2 would change, 0 unchanged, 0 errors; 0 creates, 0 updates, 0 deletes, 4 held deletes, 2 status writes\n$/,
    );
    assert.equal(planExitCode(plan), PLAN_EXIT.changes);
  });

  it('shows a cluster-scoped parent without a namespace', () => {
    const plan = planOf([{ ...changing, parent: parent('global'), children: [], finalizer: undefined }]);
    assert.match(formatPlan(plan), /^Greeter global \(operator greeter\): would change\n {2}~ status\n/);
  });
});

describe('summaryLine', () => {
  it('counts with singular and plural nouns', () => {
    assert.equal(
      summaryLine(summarizePlan([changing])),
      '1 parent: 1 would change, 0 unchanged, 0 errors; 3 creates, 1 update, 1 delete, 1 recreate, 1 conflict, 1 status write',
    );
  });
});

describe('planExitCode', () => {
  it('is 0 for no changes, 2 for changes, 1 when any parent could not be planned', () => {
    assert.equal(planExitCode(planOf([unchanged])), PLAN_EXIT.unchanged);
    assert.equal(planExitCode(planOf([])), 0);
    assert.equal(planExitCode(planOf([unchanged, changing])), 2);
    assert.equal(planExitCode(planOf([changing, failed])), 1);
  });
});
