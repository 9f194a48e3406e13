import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveBackoff } from '../../../src/runtime/informers/backoff.js';
import { informerKey, normalizeScope } from '../../../src/runtime/informers/informer-scope.js';
import { LineSplitter, parseWatchEvent } from '../../../src/runtime/informers/watch-events.js';
import { ConfigMap, Namespace } from '../../../src/types/builtins.js';

describe('resolveBackoff', () => {
  it('defaults to 800 ms doubling to 30 s, and to 2 s while the API server is unreachable', () => {
    assert.deepEqual(resolveBackoff(), {
      initialMs: 800,
      maxMs: 30_000,
      unreachableMaxMs: 2_000,
      factor: 2,
      resetAfterMs: 30_000,
    });
  });

  it('never lets the unreachable cap exceed maxMs', () => {
    assert.equal(resolveBackoff({ maxMs: 1_000 }).unreachableMaxMs, 1_000);
    assert.equal(resolveBackoff({ unreachableMaxMs: 5_000 }).unreachableMaxMs, 5_000);
  });
});

describe('LineSplitter', () => {
  it('reassembles lines split across chunks and splits merged ones', () => {
    const s = new LineSplitter();
    assert.deepEqual(s.push('{"a":'), []);
    assert.deepEqual(s.push('1}\n{"b"'), ['{"a":1}']);
    assert.deepEqual(s.push(':2}\n{"c":3}\n\n{"d"'), ['{"b":2}', '{"c":3}']);
    assert.equal(s.flush(), '{"d"');
    assert.equal(s.flush(), '');
  });
});

describe('parseWatchEvent', () => {
  it('parses events and rejects anything else with the offending text', () => {
    assert.deepEqual(parseWatchEvent('{"type":"ADDED","object":{"metadata":{"name":"a"}}}'), {
      type: 'ADDED',
      object: { metadata: { name: 'a' } },
    });
    assert.throws(() => parseWatchEvent('{"type":"ADD'), /not JSON: \{"type":"ADD/);
    assert.throws(() => parseWatchEvent('{"type":"SOMETHING","object":{}}'), /not a watch event/);
    assert.throws(() => parseWatchEvent('{"type":"ADDED"}'), /not a watch event/);
  });
});

describe('informerKey / normalizeScope', () => {
  it('treats reordered selector terms as the same scope, keeping set-based terms whole', () => {
    assert.equal(
      informerKey(ConfigMap, { namespace: 'a', labelSelector: 'y=2, x in (p,q)' }),
      informerKey(ConfigMap, { namespace: 'a', labelSelector: 'x in (p,q),y=2' }),
    );
    assert.deepEqual(normalizeScope(ConfigMap, { labelSelector: 'y=2, x in (p,q)' }), {
      labelSelector: 'x in (p,q),y=2',
    });
  });

  it('distinguishes namespaces and selectors, and ignores namespace for cluster-scoped types', () => {
    assert.notEqual(informerKey(ConfigMap, { namespace: 'a' }), informerKey(ConfigMap, { namespace: 'b' }));
    assert.notEqual(informerKey(ConfigMap), informerKey(ConfigMap, { labelSelector: 'x=1' }));
    assert.notEqual(
      informerKey(ConfigMap, { labelSelector: 'x=1' }),
      informerKey(ConfigMap, { fieldSelector: 'x=1' }),
    );
    assert.equal(informerKey(Namespace, { namespace: 'a' }), informerKey(Namespace));
    assert.deepEqual(normalizeScope(Namespace, { namespace: 'a' }), {});
  });
});
