import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../../src/errors/operon-error.js';
import { resolveSharding, shardLeaseName } from '../../../src/runtime/shard/index.js';

describe('resolveSharding', () => {
  it("fills in leader election's durations, a unique identity, key by name", () => {
    const a = resolveSharding({ group: 'echo-server' }, { POD_NAMESPACE: 'ops' });
    const b = resolveSharding({ group: 'echo-server' }, { POD_NAMESPACE: 'ops' });
    assert.deepEqual(
      { ...a, identity: '' },
      {
        replicas: 'auto',
        group: 'echo-server',
        identity: '',
        namespace: 'ops',
        key: 'name',
        leaseDurationMs: 15_000,
        renewDeadlineMs: 10_000,
        retryPeriodMs: 2_000,
      },
    );
    assert.match(a.identity, /^.+_[0-9a-f-]{36}$/);
    assert.notEqual(a.identity, b.identity);
  });

  it("counts replicas from their Leases: 'auto' is accepted, a fixed count is refused with what to do", () => {
    assert.equal(resolveSharding({ group: 'app', replicas: 'auto' }, {}).replicas, 'auto');
    assert.throws(
      () => resolveSharding({ group: 'app', replicas: 3 as unknown as 'auto' }, {}),
      /sharding\.replicas must be "auto", not 3: replicas are counted from their membership Leases, so scale the Deployment/,
    );
  });

  it('falls back to the default namespace outside a cluster', () => {
    assert.equal(resolveSharding({ group: 'app' }, {}).namespace, 'default');
    assert.equal(
      resolveSharding({ group: 'app', namespace: 'mine' }, { POD_NAMESPACE: 'ops' }).namespace,
      'mine',
    );
  });

  it('lists every problem at once, the timing rules included', () => {
    assert.throws(
      () =>
        resolveSharding(
          {
            group: 'Bad_Group',
            identity: '',
            leaseDurationMs: 5_000,
            renewDeadlineMs: 6_000,
            retryPeriodMs: 6_000,
          },
          {},
        ),
      (e: unknown) => {
        assert.ok(e instanceof ConfigError);
        assert.equal(e.problems.length, 4, e.message);
        assert.match(e.message, /sharding\.group "Bad_Group" must be/);
        assert.match(e.message, /sharding\.identity must not be empty/);
        assert.match(
          e.message,
          /sharding\.leaseDurationMs \(5000\) must be greater than renewDeadlineMs \(6000\): .*two replicas may reconcile the same parent at once/,
        );
        assert.match(
          e.message,
          /sharding\.renewDeadlineMs \(6000\) must be greater than retryPeriodMs × 1\.2/,
        );
        return true;
      },
    );
  });

  it('refuses a missing group (the caller must derive one)', () => {
    assert.throws(() => resolveSharding({}, {}), /sharding\.group "" must be/);
  });
});

describe('shardLeaseName', () => {
  it('is operon-shard-<group>-<identity> for an identity that is already a valid name', () => {
    assert.equal(shardLeaseName('echo', 'web-0'), 'operon-shard-echo-web-0');
  });

  it('cleans up other identities and keeps them apart with a hash of the original', () => {
    const a = shardLeaseName('echo', 'Web-7d9f_1B2C');
    const b = shardLeaseName('echo', 'web-7d9f_1b2c');
    assert.match(a, /^operon-shard-echo-web-7d9f-1b2c-[0-9a-z]+$/);
    assert.notEqual(a, b);
    const long = shardLeaseName('echo', 'x'.repeat(400));
    assert.ok(long.length <= 253, `${long.length} characters`);
    assert.match(long, /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/);
  });
});
