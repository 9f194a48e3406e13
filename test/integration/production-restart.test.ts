// The API server goes away and comes back (this file starts its own control plane to restart it):
// the app's watches come back without a process restart, and /healthz reports the outage while it
// lasts past the threshold. The informers run with their production backoff defaults: the recovery
// time is printed as a diagnostic, never asserted (bench/recovery.ts measures it).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Container } from 'inversify';
import { EchoImage, EchoServerOperator } from '../../examples/echo-server/echo-server.js';
import { OperonApp } from '../../src/app/index.js';
import { silentLogger } from '../../src/observability/logger.js';
import { parsePrometheusText, sampleValue } from '../../src/observability/metrics/index.js';
import { ApiClient } from '../../src/runtime/api/api-client.js';
import { type ControlPlane, startControlPlane } from '../../src/testkit/control-plane.js';
import { installOperatorCrds } from '../../src/testkit/install.js';
import { eventually } from '../support/cluster.js';
import { converged, createEchoServer, LEASE, leaseHolder, TIMING } from './production-support.js';

const THRESHOLD_MS = 1_500;
/** The informers' default retry cap while the API server cannot be reached. */
const UNREACHABLE_RETRY_MS = 2_000;
const namespace = 'restart';
const leaderNamespace = 'restart-leader';

describe('production: an API server restart', () => {
  let cp: ControlPlane;
  let api: ApiClient;
  let app: OperonApp;
  /** A second app, with leader election, in a namespace of its own: it must lose the Lease. */
  let leader: OperonApp;
  const status = async (path: string) => {
    try {
      const res = await fetch(`${app.healthUrl}${path}?verbose`);
      return { status: res.status, body: await res.text() };
    } catch (e) {
      return { status: 0, body: String(e) };
    }
  };
  const restarts = async () => {
    const res = await fetch(`${app.metricsUrl}/metrics`);
    const f = parsePrometheusText(await res.text());
    return (
      sampleValue(f, 'operon_watch_restarts_total', { resource: 'echoservers.example.com' }) ?? Number.NaN
    );
  };

  before(async () => {
    cp = await startControlPlane({ useExistingCluster: false });
    api = new ApiClient(cp.kubeConfig, 'operon-tests');
    await api.request({
      method: 'POST',
      path: '/api/v1/namespaces',
      body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
    });
    await api.request({
      method: 'POST',
      path: '/api/v1/namespaces',
      body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: leaderNamespace } },
    });
    await installOperatorCrds(cp.kubeConfig, [EchoServerOperator]);
    const container = () => {
      const ct = new Container();
      ct.bind(EchoImage).toSelf();
      ct.bind(EchoServerOperator).toSelf();
      return ct;
    };
    leader = new OperonApp(container(), {
      kubeConfig: cp.kubeConfig,
      namespaces: [leaderNamespace],
      logger: silentLogger(),
      healthServer: false,
      metricsServer: false,
      signals: [],
      exitProcess: false,
      leaderElection: { leaseName: LEASE, namespace: leaderNamespace, identity: 'doomed', ...TIMING },
    });
    await leader.start();
    await leader.host.whenLeading();
    app = new OperonApp(container(), {
      kubeConfig: cp.kubeConfig,
      namespaces: [namespace],
      resyncIntervalMs: 0,
      logger: silentLogger(),
      healthServer: { port: 0, host: '127.0.0.1' },
      // Plain HTTP: this test reads a counter; secure-metrics.test.ts checks who may read them.
      metricsServer: { port: 0, host: '127.0.0.1', secure: false },
      signals: [],
      exitProcess: false,
      watchFailureThresholdMs: THRESHOLD_MS,
    });
    await app.start();
  });
  after(async () => {
    await leader?.stop();
    await app?.stop();
    api?.close();
    await cp?.stop();
  });

  it('re-establishes every watch without a restart, and /healthz fails only while the outage lasts', async (t) => {
    await createEchoServer(api, namespace, 'before');
    await converged(api, namespace, 'before');
    assert.equal((await status('/healthz')).status, 200);
    const restartsBefore = await restarts();

    const down = performance.now(); // before: the watches may break as soon as SIGTERM is sent
    await cp.stopApiServer();
    const exited = performance.now(); // kube-apiserver serves on for a while after SIGTERM
    const failing = await eventually(
      async () => {
        const s = await status('/healthz');
        return s.status === 500 ? s : undefined;
      },
      { timeoutMs: THRESHOLD_MS + UNREACHABLE_RETRY_MS + 5_000, intervalMs: 100, what: '/healthz to fail' },
    );
    const detected = performance.now() - down;
    t.diagnostic(
      `/healthz failed ${Math.round(detected)} ms after SIGTERM to the API server, ${Math.round(performance.now() - exited)} ms after it exited (threshold ${THRESHOLD_MS} ms)`,
    );
    assert.ok(detected >= THRESHOLD_MS, 'not before the threshold');
    assert.match(
      failing.body,
      /\[-\]watch:\S+ failed: failing for [\d.]+ s \(\d+ attempts, threshold 1\.5 s\): .*ECONNREFUSED/,
    );
    assert.match(failing.body, /healthz check failed/);
    // Every watch reports the outage, each once its own failures pass the threshold.
    await eventually(async () => ((await status('/healthz')).body.match(/\[-\]watch:/g) ?? []).length === 3, {
      timeoutMs: UNREACHABLE_RETRY_MS + 3_000,
      what: 'all three watches to fail the check',
    });
    assert.equal(
      (await status('/readyz')).status,
      200,
      'still ready: the caches stay synced and serve reads',
    );
    await new Promise((r) => setTimeout(r, 500));
    assert.equal((await status('/healthz')).status, 500, 'still failing while the API server is down');

    // Meanwhile the leader could not renew: it stopped reconciling by the renew deadline, and stopped.
    const lost = await Promise.race([
      leader.host.done,
      new Promise((r) => setTimeout(() => r('still running'), TIMING.renewDeadlineMs + 3_000)),
    ]);
    assert.deepEqual(lost, { reason: 'leadership-lost', drained: true });
    assert.equal(leader.host.leading, false);

    await cp.startApiServer();
    const up = performance.now();
    await eventually(async () => (await status('/healthz')).status === 200, {
      // Generous: the informers are normally back within the 2 s retry cap; this only has to tell
      // "recovers" from "stuck" on a busy machine.
      timeoutMs: UNREACHABLE_RETRY_MS + 15_000,
      intervalMs: 100,
      what: '/healthz to pass again',
    });
    t.diagnostic(
      `/healthz passed again ${Math.round(performance.now() - up)} ms after the API server was ready`,
    );
    for (const informer of app.host.sharedInformers()) {
      await eventually(() => informer.health().watching, { what: `the ${informer.key} watch to be open` });
    }
    t.diagnostic(
      `every watch open again ${Math.round(performance.now() - up)} ms after the API server was ready (lists: ${app.host
        .sharedInformers()
        .map((i) => i.health().lists)
        .join(', ')})`,
    );
    assert.ok((await restarts()) > restartsBefore, 'the EchoServer watch was re-opened');

    // The re-opened watches deliver new events: a new parent converges, the old one stays converged.
    await createEchoServer(api, namespace, 'after', 2);
    await converged(api, namespace, 'after', 2);
    await converged(api, namespace, 'before');
    assert.equal(app.host.ready, true);
    assert.equal(
      await leaseHolder(api, leaderNamespace),
      'doomed',
      'a lost Lease is not released: it expires, so two leaders never overlap',
    );
  });
});
