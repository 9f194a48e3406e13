import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeChange, diffJson, showValue } from '../../../src/runtime/planner/json-diff.js';

describe('diffJson', () => {
  it('lists changed, added and removed fields with readable paths, in the order of the new value', () => {
    const changes = diffJson(
      { a: 1, b: { c: 'x', gone: true }, labels: { 'app.kubernetes.io/name': 'w' } },
      { a: 2, b: { c: 'x', d: [1] }, labels: { 'app.kubernetes.io/name': 'v' } },
    );
    assert.deepEqual(changes, [
      { path: 'a', op: 'change', from: 1, to: 2 },
      { path: 'b.d', op: 'add', to: [1] },
      { path: 'b.gone', op: 'remove', from: true },
      { path: 'labels["app.kubernetes.io/name"]', op: 'change', from: 'w', to: 'v' },
    ]);
    assert.deepEqual(changes.map(describeChange), [
      '~ a: 1 → 2',
      '+ b.d: [1]',
      '- b.gone: true',
      '~ labels["app.kubernetes.io/name"]: "w" → "v"',
    ]);
  });

  it('pairs object lists by merge key, whatever their order; scalar lists by index or whole', () => {
    const before = {
      containers: [
        { name: 'a', image: '1' },
        { name: 'b', image: '1' },
      ],
      args: ['x', 'y'],
    };
    const after = {
      containers: [
        { name: 'b', image: '2' },
        { name: 'a', image: '1' },
      ],
      args: ['x', 'z'],
    };
    assert.deepEqual(diffJson(before, after).map(describeChange), [
      '~ containers[name=b].image: "1" → "2"',
      '~ args[1]: "y" → "z"',
    ]);
    assert.deepEqual(diffJson({ args: ['x'] }, { args: ['x', 'y'] }).map(describeChange), [
      '~ args: ["x"] → ["x","y"]',
    ]);
  });

  it('pairs conditions by type and ports by port and defaulted protocol; an entry only one side has is added or removed whole', () => {
    const live = {
      conditions: [
        { type: 'Synced', status: 'True', reason: 'Synced' },
        { type: 'Ready', status: 'True' },
      ],
      ports: [{ port: 80, protocol: 'TCP', targetPort: 8080 }],
    };
    const next = {
      conditions: [
        { type: 'Fresh', status: 'False' },
        { type: 'Synced', status: 'False', reason: 'DeletionHeld' },
      ],
      ports: [{ port: 80, targetPort: 9090 }],
    };
    assert.deepEqual(diffJson(live, next, 'status'), [
      { path: 'status.conditions[type=Fresh]', op: 'add', to: { type: 'Fresh', status: 'False' } },
      { path: 'status.conditions[type=Synced].status', op: 'change', from: 'True', to: 'False' },
      { path: 'status.conditions[type=Synced].reason', op: 'change', from: 'Synced', to: 'DeletionHeld' },
      { path: 'status.conditions[type=Ready]', op: 'remove', from: { type: 'Ready', status: 'True' } },
      { path: 'status.ports[port=80,protocol=TCP].targetPort', op: 'change', from: 8080, to: 9090 },
      // Paired by the defaulted key, but strict inside: a protocol only one side spells out differs.
      { path: 'status.ports[port=80,protocol=TCP].protocol', op: 'remove', from: 'TCP' },
    ]);
  });

  it('falls back to index, or the whole list, when keys are missing or repeat', () => {
    assert.deepEqual(diffJson({ l: [{ v: 1 }, { v: 2 }] }, { l: [{ v: 1 }, { v: 3 }] }), [
      { path: 'l[1].v', op: 'change', from: 2, to: 3 },
    ]);
    assert.deepEqual(diffJson({ l: [{ name: 'a', v: 1 }] }, { l: [{ name: 'a' }, { name: 'a' }] }), [
      { path: 'l', op: 'change', from: [{ name: 'a', v: 1 }], to: [{ name: 'a' }, { name: 'a' }] },
    ]);
  });

  it('finds nothing in equal values, whatever their key order, and ignores undefined members', () => {
    assert.deepEqual(
      diffJson({ a: 1, b: { c: [1, { d: 2 }] } }, { b: { c: [1, { d: 2 }] }, a: 1, e: undefined }),
      [],
    );
  });

  it('reports a whole value added, removed or replaced at the root, or at the given path', () => {
    assert.deepEqual(diffJson(undefined, { v: 2 }), [{ path: '', op: 'add', to: { v: 2 } }]);
    assert.deepEqual(diffJson({ v: 1 }, undefined, 'status'), [
      { path: 'status', op: 'remove', from: { v: 1 } },
    ]);
    assert.deepEqual(diffJson(1, 'one'), [{ path: '', op: 'change', from: 1, to: 'one' }]);
    assert.equal(describeChange({ path: '', op: 'add', to: { v: 2 } }), '+ (the whole value): {"v":2}');
  });
});

describe('change lines', () => {
  it('prints values as JSON on one line, cut when long', () => {
    assert.equal(showValue('a"b'), '"a\\"b"');
    assert.equal(showValue(undefined), 'undefined');
    const long = showValue('x'.repeat(500));
    assert.equal(long.length, 160);
    assert.ok(long.endsWith('...'));
    assert.equal(showValue('x'.repeat(500), 20).length, 20);
    assert.equal(
      describeChange({ path: 'spec.replicas', op: 'change', from: 1, to: 2 }),
      '~ spec.replicas: 1 → 2',
    );
  });
});
