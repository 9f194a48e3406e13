// What a parent selects (pure): select called and checked, namespaces settled, label selectors
// evaluated with the API server's semantics.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { relatedRef } from '../../../src/config/related-ref.js';
import {
  labelSelectorProblem,
  matchesLabelSelector,
  resolveSelections,
  selects,
} from '../../../src/runtime/related/selection.js';
import { ConfigMap, Namespace, Secret } from '../../../src/types/builtins.js';
import type { RelatedSelection } from '../../../src/types/related.js';
import type { Parent } from '../../../src/types/sync.js';

interface DbSpec {
  secret?: string;
  team?: string;
}

const db = (spec: DbSpec, namespace: string | null = 'shop'): Parent<DbSpec> => ({
  apiVersion: 'example.com/v1',
  kind: 'Database',
  metadata: { name: 'orders', uid: 'u1', ...(namespace ? { namespace } : {}) },
  spec,
});

const password = relatedRef(
  Secret,
  (p: Parent<DbSpec>) => (p.spec.secret ? { name: p.spec.secret } : undefined),
  'password',
);
const settings = relatedRef(
  ConfigMap,
  (p: Parent<DbSpec>) => ({ selector: { matchLabels: { team: p.spec.team ?? 'none' } } }),
  'settings',
);
const raw = (value: unknown) => relatedRef(Secret, () => value as RelatedSelection, 'raw');

describe('resolveSelections', () => {
  it('settles the namespace to the parent’s and keeps undefined as "nothing"', () => {
    const r = resolveSelections([password, settings], db({ secret: 'pw', team: 'a' }) as Parent<unknown>);
    assert.ok(r.ok);
    assert.deepEqual(
      { ...r.selections.get('password'), type: undefined },
      { type: undefined, typeId: 'core/v1/secrets', namespace: 'shop', name: 'pw' },
    );
    assert.deepEqual(r.selections.get('settings')?.selector, { matchLabels: { team: 'a' } });
    assert.equal(r.selections.get('settings')?.namespace, 'shop');

    const none = resolveSelections([password], db({}) as Parent<unknown>);
    assert.ok(none.ok);
    assert.equal(none.selections.get('password'), undefined);
    assert.ok(none.selections.has('password'), 'the relation is known, and selects nothing');
  });

  it('takes a namespace the selection names, and drops it for a cluster-scoped type', () => {
    const other = relatedRef(Secret, () => ({ name: 'pw', namespace: 'vault' }), 'other');
    const ns = relatedRef(Namespace, () => ({ name: 'shop', namespace: 'ignored' }), 'ns');
    const r = resolveSelections([other, ns], db({}) as Parent<unknown>);
    assert.ok(r.ok);
    assert.equal(r.selections.get('other')?.namespace, 'vault');
    assert.equal(r.selections.get('ns')?.namespace, undefined);
  });

  it('refuses a namespace the operator does not watch, naming it and the fix', () => {
    const r = resolveSelections([password], db({ secret: 'pw' }) as Parent<unknown>, ['other', 'more']);
    assert.ok(!r.ok);
    assert.match(
      r.problems[0] as string,
      /^@Related 'password' \(Secret \(v1\)\): select names namespace "shop"/,
    );
    assert.match(r.problems[0] as string, /it watches other, more/);
    assert.ok(resolveSelections([password], db({ secret: 'pw' }) as Parent<unknown>, ['shop']).ok);
  });

  it('asks a cluster-scoped parent to name the namespace of a namespaced type', () => {
    const r = resolveSelections([password], db({ secret: 'pw' }, null) as Parent<unknown>);
    assert.ok(!r.ok);
    assert.match(r.problems[0] as string, /no namespace, and the parent orders is cluster-scoped/);
  });

  it('reports a select that throws, with its message, and every bad answer', () => {
    const throws = relatedRef(
      Secret,
      () => {
        throw new Error('spec.secret is missing');
      },
      'throws',
    );
    const cases: [unknown, RegExp][] = [
      ['pw', /select returned string; return \{ name \}, \{ selector \} or undefined/],
      [{}, /neither name nor selector/],
      [{ name: 'a', selector: {} }, /both name and selector/],
      [{ name: '' }, /name ""; a name is a non-empty string/],
      [{ name: 'a', namespace: 3 }, /namespace 3/],
      [{ selector: { matchLabels: { 'bad key!': 'x' } } }, /matchLabels key "bad key!" is not a label key/],
      [
        { selector: { matchExpressions: [{ key: 'a', operator: 'Equals' }] } },
        /operator is "Equals"; use In/,
      ],
      [
        { selector: { matchExpressions: [{ key: 'a', operator: 'In', values: [] }] } },
        /\(In\) has no values/,
      ],
      [
        { selector: { matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] } },
        /takes no values/,
      ],
    ];
    const thrown = resolveSelections([throws], db({}) as Parent<unknown>);
    assert.ok(!thrown.ok);
    assert.deepEqual(thrown.problems, [
      "@Related 'throws' (Secret (v1)): select threw: spec.secret is missing",
    ]);
    for (const [answer, pattern] of cases) {
      const r = resolveSelections([raw(answer)], db({}) as Parent<unknown>);
      assert.ok(!r.ok, `refuses ${JSON.stringify(answer)}`);
      assert.equal(r.problems.length, 1);
      assert.match(r.problems[0] as string, pattern);
    }
    // null reads as "nothing", like undefined.
    assert.ok(resolveSelections([raw(null)], db({}) as Parent<unknown>).ok);
  });
});

describe('label selectors', () => {
  it('match as the API server matches', () => {
    const labels = { app: 'db', tier: 'gold' };
    assert.ok(matchesLabelSelector(labels, {}), 'an empty selector matches everything');
    assert.ok(matchesLabelSelector(undefined, {}));
    assert.ok(matchesLabelSelector(labels, { matchLabels: { app: 'db' } }));
    assert.ok(!matchesLabelSelector(labels, { matchLabels: { app: 'db', tier: 'silver' } }));
    assert.ok(!matchesLabelSelector(undefined, { matchLabels: { app: 'db' } }));
    const expr = (operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist', values?: string[]) => ({
      matchExpressions: [{ key: 'tier', operator, ...(values ? { values } : {}) }],
    });
    assert.ok(matchesLabelSelector(labels, expr('In', ['gold', 'silver'])));
    assert.ok(!matchesLabelSelector(labels, expr('In', ['silver'])));
    assert.ok(!matchesLabelSelector({ app: 'db' }, expr('In', ['gold'])));
    assert.ok(matchesLabelSelector(labels, expr('NotIn', ['silver'])));
    assert.ok(!matchesLabelSelector(labels, expr('NotIn', ['gold'])));
    assert.ok(matchesLabelSelector({ app: 'db' }, expr('NotIn', ['gold'])), 'NotIn holds without the label');
    assert.ok(matchesLabelSelector(labels, expr('Exists')));
    assert.ok(!matchesLabelSelector({ app: 'db' }, expr('Exists')));
    assert.ok(matchesLabelSelector({ app: 'db' }, expr('DoesNotExist')));
    assert.ok(!matchesLabelSelector(labels, expr('DoesNotExist')));
    assert.ok(
      !matchesLabelSelector(labels, { matchLabels: { app: 'db' }, ...expr('DoesNotExist') }),
      'every term must hold',
    );
  });

  it('reports selectors that are not selectors', () => {
    assert.equal(labelSelectorProblem({ matchLabels: { a: 'b' } }), undefined);
    assert.match(labelSelectorProblem([]) ?? '', /got an array/);
    assert.match(labelSelectorProblem({ matchLabels: { a: 1 } }) ?? '', /matchLabels\["a"\] is not a string/);
    assert.match(labelSelectorProblem({ matchLabels: { a: 'no spaces' } }) ?? '', /is not a label value/);
    assert.match(labelSelectorProblem({ matchExpressions: {} }) ?? '', /matchExpressions is not a list/);
  });

  it('selects objects by namespace and name or labels', () => {
    const r = resolveSelections([password, settings], db({ secret: 'pw', team: 'a' }) as Parent<unknown>);
    assert.ok(r.ok);
    const byName = r.selections.get('password');
    const byLabels = r.selections.get('settings');
    assert.ok(byName && byLabels);
    assert.ok(selects(byName, { metadata: { name: 'pw', namespace: 'shop' } }));
    assert.ok(!selects(byName, { metadata: { name: 'pw', namespace: 'elsewhere' } }));
    assert.ok(!selects(byName, { metadata: { name: 'pw2', namespace: 'shop' } }));
    assert.ok(selects(byLabels, { metadata: { name: 'x', namespace: 'shop', labels: { team: 'a' } } }));
    assert.ok(!selects(byLabels, { metadata: { name: 'x', namespace: 'shop', labels: { team: 'b' } } }));
    assert.ok(!selects(byLabels, { metadata: { name: 'x', namespace: 'other', labels: { team: 'a' } } }));
  });
});
