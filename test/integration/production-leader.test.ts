// Leader election across real processes: two (then three) instances of the EchoServer app's
// production entry against one API server. Exactly one reconciles; a SIGTERM hands over at once; a
// kill -9 hands over within the lease duration the holder recorded in the Lease, even to a standby
// configured with a much longer one.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EchoServerOperator } from '../../examples/echo-server/echo-server.js';
import { sampleValue } from '../../src/observability/metrics/index.js';
import { installOperatorCrds } from '../../src/testkit/install.js';
import { eventually, type TestCluster, useTestCluster } from '../support/cluster.js';
import {
  converged,
  createEchoServer,
  LEASE,
  leaseHolder,
  OperatorProcess,
  TIMING,
} from './production-support.js';

/** The lease duration replica-c is configured with: 4 times what the others write in the Lease. */
const STANDBY_LEASE_MS = 4 * TIMING.leaseDurationMs;

/** The spec of the app's Lease. */
async function leaseSpec(
  c: TestCluster,
): Promise<{ holderIdentity?: string; leaseDurationSeconds?: number } | undefined> {
  const lease = await c.api.request<{ spec?: { holderIdentity?: string; leaseDurationSeconds?: number } }>({
    method: 'GET',
    path: `/apis/coordination.k8s.io/v1/namespaces/${c.namespace}/leases/${LEASE}`,
  });
  return lease.spec;
}

describe('production: leader election between processes', () => {
  let c: TestCluster;
  const procs: OperatorProcess[] = [];
  const start = (identity: string, env: Record<string, string> = {}) => {
    const p = new OperatorProcess(identity, process.env.OPERON_TEST_KUBECONFIG ?? '', c.namespace, env);
    procs.push(p);
    return p;
  };
  const byIdentity = (id: string | undefined) => procs.find((p) => p.identity === id && p.running);

  before(async () => {
    c = await useTestCluster('prod-leader');
    await installOperatorCrds(c.kubeConfig, [EchoServerOperator]);
  });
  after(async () => {
    for (const p of procs) p.kill('SIGKILL');
    await Promise.all(procs.map((p) => p.exited));
    await c.cleanup();
  });

  it('exactly one of two instances reconciles: the one the Lease names', async () => {
    const a = start('replica-a');
    const b = start('replica-b');
    await eventually(async () => (await a.probe('/readyz')) === 200 && (await b.probe('/readyz')) === 200, {
      what: 'both replicas ready',
    });
    const holder = await eventually(async () => (await leaseHolder(c.api, c.namespace)) || undefined, {
      what: 'a lease holder',
    });
    const leader = byIdentity(holder);
    const follower = procs.find((p) => p !== leader);
    assert.ok(leader && follower, `the holder "${holder}" is one of the replicas`);

    await createEchoServer(c.api, c.namespace, 'one');
    await converged(c.api, c.namespace, 'one');
    const lf = await leader.metrics();
    const ff = await follower.metrics();
    assert.ok((await leader.reconciles('success')) >= 1, 'the leader reconciled');
    assert.equal(await follower.reconciles(), 0, 'the follower did not reconcile at all');
    assert.equal(sampleValue(lf, 'leader_election_master_status', { name: LEASE }), 1);
    assert.equal(sampleValue(ff, 'leader_election_master_status', { name: LEASE }), 0);
    // The follower's cache is warm: it watched the new parent and its children all along.
    assert.equal(sampleValue(ff, 'operon_cached_objects', { resource: 'echoservers.example.com' }), 1);
    assert.equal(sampleValue(ff, 'operon_cached_objects', { resource: 'pods' }), 1);
    assert.equal(sampleValue(ff, 'operon_informer_synced', { resource: 'echoservers.example.com' }), 1);
    assert.ok(
      (sampleValue(ff, 'workqueue_adds_total', { name: 'echo-server', controller: 'echo-server' }) ?? 0) >= 1,
      'the follower queued the key, ready for a takeover',
    );
  });

  it('SIGTERM on the leader: it exits 0 after releasing the Lease, and the follower takes over at once', async (t) => {
    const leader = byIdentity(await leaseHolder(c.api, c.namespace));
    const follower = procs.find((p) => p.running && p !== leader);
    assert.ok(leader && follower);
    const before = await follower.reconciles();
    const sent = performance.now();
    leader.kill('SIGTERM');
    const exit = await leader.exited;
    assert.deepEqual(exit, { code: 0, signal: null });
    assert.ok(leader.logs.some((l) => l.msg === 'released the leader lease'));
    await eventually(async () => (await leaseHolder(c.api, c.namespace)) === follower.identity, {
      timeoutMs: 10_000,
      intervalMs: 50,
      what: `${follower.identity} to hold the Lease`,
    });
    const took = performance.now() - sent;
    t.diagnostic(`the follower held the Lease ${Math.round(took)} ms after SIGTERM to the leader`);
    // A released Lease is taken on the next attempt: one retry period (+20 % jitter), not a lease duration.
    assert.ok(
      took < TIMING.retryPeriodMs * 1.2 + 2_000,
      `took over ${Math.round(took)} ms after SIGTERM (lease duration ${TIMING.leaseDurationMs} ms)`,
    );
    await createEchoServer(c.api, c.namespace, 'two');
    await converged(c.api, c.namespace, 'two');
    assert.ok((await follower.reconciles('success')) > before, 'the new leader reconciles');
  });

  it('kill -9 on the leader: a standby configured with a longer lease takes over within the one the leader recorded, and converges new parents', async (t) => {
    const leader = byIdentity(await leaseHolder(c.api, c.namespace));
    assert.ok(leader);
    assert.equal(
      (await leaseSpec(c))?.leaseDurationSeconds,
      TIMING.leaseDurationMs / 1000,
      'the leader records its lease duration',
    );
    // Were the standby to wait its own lease duration, the takeover would take 4 times as long.
    const standby = start('replica-c', {
      LEASE_DURATION_MS: String(STANDBY_LEASE_MS),
      RENEW_DEADLINE_MS: String(STANDBY_LEASE_MS * 0.7),
    });
    await eventually(async () => (await standby.probe('/readyz')) === 200, { what: 'replica-c ready' });
    await standby.logLine((l) => l.msg === 'waiting to acquire the leader lease');
    await new Promise((r) => setTimeout(r, TIMING.retryPeriodMs * 2)); // c has seen the Lease renewed

    const killed = performance.now();
    leader.kill('SIGKILL');
    await leader.exited;
    await eventually(async () => (await leaseHolder(c.api, c.namespace)) === standby.identity, {
      timeoutMs: TIMING.leaseDurationMs * 3,
      intervalMs: 50,
      what: 'replica-c to hold the Lease',
    });
    const took = performance.now() - killed;
    t.diagnostic(
      `replica-c held the Lease ${Math.round(took)} ms after kill -9 (recorded lease duration ${TIMING.leaseDurationMs} ms, its own ${STANDBY_LEASE_MS} ms)`,
    );
    assert.ok(
      took <= TIMING.leaseDurationMs + TIMING.retryPeriodMs * 1.2 + 1_500,
      `took over ${Math.round(took)} ms after the kill (lease ${TIMING.leaseDurationMs} + retry ${TIMING.retryPeriodMs} ms)`,
    );
    assert.ok(
      took >= TIMING.leaseDurationMs - 2 * TIMING.retryPeriodMs,
      `and not before the lease expired (${Math.round(took)} ms)`,
    );
    assert.equal(
      (await leaseSpec(c))?.leaseDurationSeconds,
      STANDBY_LEASE_MS / 1000,
      'the new leader records its own duration',
    );
    await createEchoServer(c.api, c.namespace, 'three', 2);
    await converged(c.api, c.namespace, 'three', 2);
    await converged(c.api, c.namespace, 'one');
    await converged(c.api, c.namespace, 'two');
    assert.ok((await standby.reconciles('success')) >= 1);

    standby.kill('SIGTERM');
    assert.deepEqual(await standby.exited, { code: 0, signal: null });
    assert.equal(await leaseHolder(c.api, c.namespace), '', 'the last leader released the Lease');
  });
});
