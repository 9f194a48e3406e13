import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../../src/errors/operon-error.js';
import { LEADER_ELECTION_DEFAULTS, resolveLeaderElection } from '../../../src/runtime/leader/index.js';
import { microTime } from '../../../src/runtime/leader/lease-lock.js';

describe('resolveLeaderElection', () => {
  it("fills in client-go's defaults and a unique identity", () => {
    const a = resolveLeaderElection({ leaseName: 'echo-server-operator', namespace: 'ops' }, {});
    const b = resolveLeaderElection({ leaseName: 'echo-server-operator', namespace: 'ops' }, {});
    assert.equal(a.leaseDurationMs, 15_000);
    assert.equal(a.renewDeadlineMs, 10_000);
    assert.equal(a.retryPeriodMs, 2_000);
    assert.deepEqual(LEADER_ELECTION_DEFAULTS, {
      leaseDurationMs: 15_000,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2_000,
    });
    assert.equal(a.releaseOnStop, true);
    assert.match(a.identity, /^.+_[0-9a-f-]{36}$/);
    assert.notEqual(a.identity, b.identity);
  });

  it('takes the namespace from POD_NAMESPACE when none is given', () => {
    const r = resolveLeaderElection({ leaseName: 'app' }, { POD_NAMESPACE: 'from-env' });
    assert.equal(r.namespace, 'from-env');
  });

  it('lists every problem at once, each saying what to fix', () => {
    assert.throws(
      () =>
        resolveLeaderElection(
          { leaseName: 'Not_Valid', leaseDurationMs: 5_000, renewDeadlineMs: 6_000, retryPeriodMs: 6_000 },
          {},
        ),
      (e: unknown) => {
        assert.ok(e instanceof ConfigError);
        assert.equal(e.problems.length, 4, e.message);
        assert.match(e.message, /leaseName "Not_Valid" is not a valid object name/);
        assert.match(e.message, /namespace is not set .* set leaderElection\.namespace/);
        assert.match(e.message, /leaseDurationMs \(5000\) must be greater than renewDeadlineMs \(6000\)/);
        assert.match(e.message, /renewDeadlineMs \(6000\) must be greater than retryPeriodMs × 1\.2/);
        return true;
      },
    );
  });
  it('refuses a renew deadline as long as the lease duration, saying what could happen and what to do', () => {
    assert.throws(
      () =>
        resolveLeaderElection({
          leaseName: 'app',
          namespace: 'ns',
          leaseDurationMs: 10_000,
          renewDeadlineMs: 10_000,
        }),
      (e: unknown) => {
        assert.ok(e instanceof ConfigError);
        assert.equal(e.problems.length, 1, e.message);
        assert.match(
          e.message,
          /leaseDurationMs \(10000\) must be greater than renewDeadlineMs \(10000\): .*two leaders may overlap\. Lower renewDeadlineMs or raise leaseDurationMs/,
        );
        return true;
      },
    );
  });
});

describe('microTime', () => {
  it('writes six fractional digits in UTC, as the API server requires for MicroTime', () => {
    assert.equal(microTime(new Date('2026-01-02T03:04:05.678Z')), '2026-01-02T03:04:05.678000Z');
  });
});
