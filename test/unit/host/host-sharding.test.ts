import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../../src/errors/operon-error.js';
import { defaultShardGroup } from '../../../src/runtime/host/host-sharding.js';
import { OperonHost } from '../../../src/runtime/host/operon-host.js';

describe('the host option sharding', () => {
  it('cannot be combined with leader election', () => {
    assert.throws(
      () => new OperonHost([], { sharding: {}, leaderElection: { leaseName: 'echo' } }),
      (e: unknown) =>
        e instanceof ConfigError && /leaderElection and sharding cannot both be on/.test(e.message),
    );
  });

  it('names the ring after the component, else the first operator, as a DNS label of at most 40 characters', () => {
    assert.equal(defaultShardGroup(undefined, ['echo-server', 'other']), 'echo-server');
    assert.equal(defaultShardGroup('My_Operator', ['echo-server']), 'my-operator');
    assert.equal(defaultShardGroup(undefined, []), 'operon');
    const long = defaultShardGroup(`${'a'.repeat(39)}-tail`, []);
    assert.ok(long.length <= 40 && !long.endsWith('-'), long);
  });
});
