import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1Pod } from '@kubernetes/client-node';
import { childRef } from '../../../src/config/child-ref.js';
import { Deployment, Pod } from '../../../src/types/builtins.js';

describe('childRef', () => {
  it('should default to the apply strategy and the kind as property', () => {
    const ref = childRef(Deployment);
    assert.equal(ref.type, Deployment);
    assert.equal(ref.strategy, 'apply');
    assert.equal(ref.property, 'Deployment');
    assert.ok(Object.isFrozen(ref));
  });

  describe('.desired', () => {
    it('should put apiVersion and kind first, then the given fields', () => {
      const pods = childRef(Pod, 'recreate', 'pods');
      const pod: V1Pod = pods.desired({ metadata: { name: 'web-0' }, spec: { containers: [] } });
      assert.deepEqual(pod, {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'web-0' },
        spec: { containers: [] },
      });
      assert.deepEqual(Object.keys(pod), ['apiVersion', 'kind', 'metadata', 'spec']);
    });

    it('should fill the group in apiVersion', () => {
      assert.equal(childRef(Deployment).desired({ metadata: { name: 'd' } }).apiVersion, 'apps/v1');
    });

    it('should not mutate its input', () => {
      const input = { metadata: { name: 'p' } };
      const out = childRef(Pod).desired(input);
      assert.deepEqual(input, { metadata: { name: 'p' } });
      assert.notEqual(out, input);
    });

    it('should ignore an apiVersion or kind in the input', () => {
      const out = childRef(Pod).desired({ metadata: { name: 'p' }, kind: 'Service' } as never);
      assert.equal(out.kind, 'Pod');
    });
  });
});
