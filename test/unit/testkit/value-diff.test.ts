import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeChange, diffValues } from '../../../src/testkit/value-diff.js';

describe('diffValues', () => {
  it('lists changed, added and removed fields with readable paths', () => {
    const changes = diffValues(
      { a: 1, b: { c: 'x', gone: true }, labels: { 'app.kubernetes.io/name': 'w' } },
      { a: 2, b: { c: 'x', d: [1] }, labels: { 'app.kubernetes.io/name': 'v' } },
    );
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
    assert.deepEqual(diffValues(before, after).map(describeChange), [
      '~ args[1]: "y" → "z"',
      '~ containers[name=b].image: "1" → "2"',
    ]);
    assert.deepEqual(diffValues({ args: ['x'] }, { args: ['x', 'y'] }).map(describeChange), [
      '~ args: ["x"] → ["x","y"]',
    ]);
  });

  it('finds nothing in equal values, whatever their key order, and ignores undefined members', () => {
    assert.deepEqual(
      diffValues({ a: 1, b: { c: [1, { d: 2 }] } }, { b: { c: [1, { d: 2 }] }, a: 1, e: undefined }),
      [],
    );
  });
});
