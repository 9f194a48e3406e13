import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fieldManagersOf } from '../../../src/runtime/informers/field-managers.js';
import { cachedForm } from '../../../src/runtime/informers/store.js';
import { fieldsToAdopt, setsEverything } from '../../../src/runtime/reconcile/field-adoption.js';
import type { KubeObject } from '../../../src/types/kube-object.js';

const deployment = (spec: object, metadata: object = {}): KubeObject =>
  ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'd', namespace: 'n', ...metadata },
    spec,
  }) as KubeObject;

describe('setsEverything: does an apply of the desired object prune nothing?', () => {
  it('ignores server-set metadata and status, and changed values', () => {
    const live = deployment(
      { replicas: 1 },
      { uid: 'u', resourceVersion: '5', generation: 2, creationTimestamp: '2026-12-01T00:00:00Z' },
    );
    const withStatus = { ...live, status: { readyReplicas: 1 } } as KubeObject;
    assert.equal(setsEverything(deployment({ replicas: 3 }), withStatus), true);
  });

  it('sees a field the desired object dropped, at any depth', () => {
    assert.equal(setsEverything(deployment({}), deployment({ replicas: 1 })), false);
    assert.equal(
      setsEverything(deployment({}, { labels: { a: '1' } }), deployment({}, { labels: { a: '1', b: '2' } })),
      false,
    );
    assert.equal(
      setsEverything(deployment({ template: { spec: {} } }), deployment({ template: { spec: { x: 1 } } })),
      false,
    );
  });

  it('counts API server defaults as fields the desired object does not set', () => {
    const desired = deployment({ template: { spec: { containers: [{ name: 'app', image: 'a' }] } } });
    const live = deployment({
      template: { spec: { containers: [{ name: 'app', image: 'a', imagePullPolicy: 'IfNotPresent' }] } },
    });
    assert.equal(setsEverything(desired, live), false);
  });

  it('compares lists conservatively: length, order of keyed items, the values of a set', () => {
    const c = (...names: string[]) => deployment({ containers: names.map((name) => ({ name, image: 'i' })) });
    assert.equal(setsEverything(c('a', 'b'), c('a', 'b')), true);
    assert.equal(setsEverything(c('a'), c('a', 'b')), false, 'an item dropped');
    assert.equal(setsEverything(c('b', 'a'), c('a', 'b')), false, 'keyed items moved');
    const finalizers = (...f: string[]) => deployment({}, { finalizers: f });
    assert.equal(setsEverything(finalizers('x', 'y'), finalizers('x', 'y')), true);
    assert.equal(setsEverything(finalizers('x', 'z'), finalizers('x', 'y')), false, 'a set lost a value');
  });
});

describe('fieldsToAdopt and the managers the cache keeps', () => {
  const entry = (manager: string, operation: string, subresource?: string) => ({
    manager,
    operation,
    ...(subresource ? { subresource } : {}),
    fieldsType: 'FieldsV1',
    fieldsV1: {},
  });

  it('keeps who wrote a cached object with an Update, and nothing for objects only applied', () => {
    const posted = cachedForm(
      deployment(
        { replicas: 1 },
        { managedFields: [entry('kcm', 'Update', 'status'), entry('op', 'Update')] },
      ),
    );
    assert.equal(posted.metadata?.managedFields, undefined, 'the cache still drops managedFields');
    assert.deepEqual(fieldManagersOf(posted), [{ manager: 'op', operation: 'Update', index: 1 }]);
    const applied = cachedForm(deployment({ replicas: 1 }, { managedFields: [entry('op', 'Apply')] }));
    assert.deepEqual(fieldManagersOf(applied), []);
    assert.deepEqual(fieldManagersOf(deployment({})), [], 'an object the cache never saw: nothing known');
  });

  it('relabels a lone Update entry, merges when there is more of the manager, and skips what needs nothing', () => {
    const live = (...managed: object[]) =>
      cachedForm(deployment({ replicas: 1, paused: true }, { managedFields: managed }));
    const desired = deployment({ replicas: 2 });
    assert.deepEqual(fieldsToAdopt(live(entry('x', 'Update'), entry('op', 'Update')), desired, 'op'), {
      kind: 'relabel',
      index: 1,
    });
    assert.deepEqual(fieldsToAdopt(live(entry('op', 'Apply'), entry('op', 'Update')), desired, 'op'), {
      kind: 'merge',
    });
    assert.equal(fieldsToAdopt(live(entry('op', 'Apply')), desired, 'op'), undefined, 'applied only');
    assert.equal(
      fieldsToAdopt(live(entry('x', 'Update')), desired, 'op'),
      undefined,
      "another manager's entry",
    );
    assert.equal(
      fieldsToAdopt(live(entry('op', 'Update')), deployment({ replicas: 2, paused: false }), 'op'),
      undefined,
      'nothing to prune',
    );
  });
});
