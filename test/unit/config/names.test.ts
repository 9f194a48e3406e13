import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  defaultOperatorName,
  finalizerNameOf,
  isDnsLabel,
  isFinalizerName,
} from '../../../src/config/names.js';

describe('defaultOperatorName', () => {
  for (const [cls, name] of [
    ['EchoServerOperator', 'echo-server'],
    ['EchoServer', 'echo-server'],
    ['HTTPProxyOperator', 'http-proxy'],
    ['S3BucketOperator', 's3-bucket'],
    ['Operator', 'operator'],
    ['my_thingOperator', 'my-thing'],
  ] as const) {
    it(`should turn ${cls} into '${name}'`, () => assert.equal(defaultOperatorName(cls), name));
  }
});

describe('isDnsLabel', () => {
  it('should accept labels up to 63 characters', () => {
    assert.equal(isDnsLabel('echo-server'), true);
    assert.equal(isDnsLabel('a'.repeat(63)), true);
  });
  it('should reject upper case, edges with dashes, and long names', () => {
    for (const bad of ['Echo', '-a', 'a-', 'a_b', '', 'a'.repeat(64), 'a.b'])
      assert.equal(isDnsLabel(bad), false, bad);
  });
});

describe('isFinalizerName', () => {
  it('should accept <domain>/<name>', () => {
    assert.equal(isFinalizerName('example.com/cleanup'), true);
    assert.equal(isFinalizerName('operon.dev/echo-server'), true);
    assert.equal(isFinalizerName('example/Clean_up.v2'), true);
  });
  it('should reject names without a domain or with a bad part', () => {
    for (const bad of [
      'cleanup',
      '/cleanup',
      'example.com/',
      'Example.com/x',
      'a/b/c',
      `example.com/${'x'.repeat(64)}`,
    ]) {
      assert.equal(isFinalizerName(bad), false, bad);
    }
  });
});

describe('finalizerNameOf', () => {
  it('should default to <plural>.<group>/finalizer, which survives renaming the operator', () => {
    const parent = { type: { plural: 'echoservers', group: 'example.com' } };
    assert.equal(finalizerNameOf({ parent }), 'echoservers.example.com/finalizer');
    assert.equal(finalizerNameOf({ parent, finalizerName: 'example.com/x' }), 'example.com/x');
    assert.ok(isFinalizerName(finalizerNameOf({ parent })));
  });
});
