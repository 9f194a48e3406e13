// SIGTERM in the middle of a burst of reconciles: the production app finishes what is in flight,
// releases the Lease and exits 0; the next run converges everything, duplicating nothing and
// recreating nothing.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EchoServerOperator } from '../../examples/echo-server/echo-server.js';
import { sampleValue } from '../../src/observability/metrics/index.js';
import { installOperatorCrds } from '../../src/testkit/install.js';
import { eventually, type TestCluster, useTestCluster } from '../support/cluster.js';
import {
  converged,
  createEchoServer,
  leaseHolder,
  OperatorProcess,
  ownedPods,
  ownedServices,
} from './production-support.js';

const PARENTS = 30;
const REPLICAS = 2;
const SHUTDOWN_TIMEOUT_MS = 15_000;

describe('production: graceful shutdown', () => {
  let c: TestCluster;
  const procs: OperatorProcess[] = [];
  const start = (identity: string) => {
    const p = new OperatorProcess(identity, process.env.OPERON_TEST_KUBECONFIG ?? '', c.namespace, {
      SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
    });
    procs.push(p);
    return p;
  };

  before(async () => {
    c = await useTestCluster('prod-shutdown');
    await installOperatorCrds(c.kubeConfig, [EchoServerOperator]);
  });
  after(async () => {
    for (const p of procs) p.kill('SIGKILL');
    await Promise.all(procs.map((p) => p.exited));
    await c.cleanup();
  });

  it('SIGTERM during a burst: exit 0 within the timeout; the next run converges with nothing duplicated', async (t) => {
    const first = start('first');
    await eventually(async () => (await leaseHolder(c.api, c.namespace)) === 'first', {
      what: 'first to lead',
    });
    const names = Array.from({ length: PARENTS }, (_, i) => `burst-${i}`);
    await Promise.all(names.map((n) => createEchoServer(c.api, c.namespace, n, REPLICAS)));
    // Under way: some passes done, some running right now.
    await eventually(
      async () => {
        const f = await first.metrics();
        const active =
          sampleValue(f, 'controller_runtime_active_workers', { controller: 'echo-server' }) ?? 0;
        return active > 0 && (await first.reconciles('success')) >= 2;
      },
      { intervalMs: 10, what: 'the burst to be under way' },
    );

    const sent = performance.now();
    first.kill('SIGTERM');
    const exit = await first.exited;
    const took = performance.now() - sent;
    t.diagnostic(`exited ${Math.round(took)} ms after SIGTERM`);
    assert.deepEqual(exit, { code: 0, signal: null }, first.tail());
    assert.ok(took < SHUTDOWN_TIMEOUT_MS, `within the shutdown timeout (${Math.round(took)} ms)`);
    const stopped = first.logs.find((l) => l.msg === 'stopped');
    assert.equal(stopped?.drained, true, 'every in-flight reconcile finished');
    assert.equal(await leaseHolder(c.api, c.namespace), '', 'the Lease was released');
    const signalled = first.logs.findIndex((l) => l.msg === 'shutting down: finishing in-flight reconciles');
    const finishedAfter = first.logs.slice(signalled).filter((l) => typeof l.reconcileId === 'string').length;
    t.diagnostic(`${finishedAfter} reconcile log lines came after the signal (in-flight work finishing)`);
    const createdByFirst = first.logs.filter((l) => l.action === 'create' && l.kind === 'Pod').length;
    t.diagnostic(`the first run created ${createdByFirst} of ${PARENTS * REPLICAS} Pods before it stopped`);
    assert.ok(
      createdByFirst < PARENTS * REPLICAS,
      `SIGTERM came mid-burst (the first run created ${createdByFirst} Pods); otherwise this test proves nothing`,
    );
    const survivors = new Map(
      (await ownedPods(c.api, c.namespace)).map((p) => [p.metadata?.name, p.metadata?.uid]),
    );

    const second = start('second');
    await eventually(async () => (await leaseHolder(c.api, c.namespace)) === 'second', {
      timeoutMs: 10_000,
      what: 'second to take the released Lease',
    });
    for (const name of names) await converged(c.api, c.namespace, name, REPLICAS, 60_000);

    const pods = await ownedPods(c.api, c.namespace);
    const services = await ownedServices(c.api, c.namespace);
    assert.equal(pods.length, PARENTS * REPLICAS, 'exactly the Pods asked for, no duplicates');
    assert.equal(services.length, PARENTS, 'one Service per parent');
    for (const o of [...pods, ...services]) {
      const controllers = o.metadata?.ownerReferences?.filter((r) => r.controller) ?? [];
      assert.equal(controllers.length, 1, `${o.metadata?.name} has exactly one controller`);
    }
    for (const [name, uid] of survivors) {
      const now = pods.find((p) => p.metadata?.name === name);
      assert.equal(now?.metadata?.uid, uid, `${name}, created by the first run, was kept, not recreated`);
    }

    second.kill('SIGTERM');
    assert.deepEqual(await second.exited, { code: 0, signal: null });
  });
});
