// /readyz, /healthz and /metrics of the production app, in-process on free ports, run as a service
// account whose permissions the test changes: first too few to list the parents (not ready), then
// too few to create Services (reconcile errors), then enough.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { V1PolicyRule } from '@kubernetes/client-node';
import { Container } from 'inversify';
import { EchoImage, EchoServerOperator } from '../../examples/echo-server/echo-server.js';
import { OperonApp } from '../../src/app/index.js';
import { silentLogger } from '../../src/observability/logger.js';
import {
  type MetricFamily,
  parsePrometheusText,
  sampleValue,
} from '../../src/observability/metrics/index.js';
import { serviceAccountKubeConfig } from '../../src/testkit/control-plane.js';
import { installOperatorCrds } from '../../src/testkit/install.js';
import { eventually, type TestCluster, useTestCluster } from '../support/cluster.js';
import { converged, createEchoServer, LEASE, TIMING } from './production-support.js';

const all = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];
function rules(opts: { listParents: boolean; createServices: boolean }): V1PolicyRule[] {
  return [
    {
      apiGroups: ['example.com'],
      resources: ['echoservers'],
      verbs: opts.listParents ? ['get', 'list', 'watch', 'patch', 'update'] : ['get'],
    },
    { apiGroups: ['example.com'], resources: ['echoservers/status'], verbs: ['get', 'patch', 'update'] },
    // OwnerReferencesPermissionEnforcement: children with blockOwnerDeletion need this.
    { apiGroups: ['example.com'], resources: ['echoservers/finalizers'], verbs: ['update'] },
    { apiGroups: [''], resources: ['pods'], verbs: all },
    {
      apiGroups: [''],
      resources: ['services'],
      verbs: opts.createServices ? all : ['get', 'list', 'watch'],
    },
    { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch', 'update'] },
    { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] },
  ];
}

describe('production: probes and metrics', () => {
  let c: TestCluster;
  let app: OperonApp;
  let started: Promise<void>;
  const grant = (opts: { listParents: boolean; createServices: boolean }) =>
    serviceAccountKubeConfig(c.kubeConfig, {
      namespace: c.namespace,
      name: 'echo-operator',
      rules: rules(opts),
    });
  const get = async (url: string | undefined, path: string) => {
    const res = await fetch(`${url}${path}`);
    return { status: res.status, body: await res.text() };
  };
  const scrape = async (): Promise<MetricFamily[]> => {
    const res = await get(app.metricsUrl, '/metrics');
    assert.equal(res.status, 200);
    return parsePrometheusText(res.body);
  };
  const ctl = { controller: 'echo-server' };
  const queue = { name: 'echo-server', controller: 'echo-server' };
  const total = (f: MetricFamily[], result: string) =>
    sampleValue(f, 'controller_runtime_reconcile_total', { ...ctl, result }) ?? Number.NaN;

  before(async () => {
    c = await useTestCluster('prod-metrics');
    await installOperatorCrds(c.kubeConfig, [EchoServerOperator]);
  });
  after(async () => {
    await app?.stop();
    await c.cleanup();
  });

  it('/readyz fails until every informer has synced, then passes; /healthz passes throughout', async () => {
    const kubeConfig = await grant({ listParents: false, createServices: false });
    const container = new Container();
    container.bind(EchoImage).toSelf();
    container.bind(EchoServerOperator).toSelf();
    app = new OperonApp(container, {
      kubeConfig,
      namespaces: [c.namespace],
      resyncIntervalMs: 0,
      logger: silentLogger(),
      healthServer: { port: 0, host: '127.0.0.1' },
      // Plain HTTP: these tests read the numbers; secure-metrics.test.ts checks who may read them.
      metricsServer: { port: 0, host: '127.0.0.1', secure: false },
      signals: [],
      exitProcess: false,
      leaderElection: { leaseName: LEASE, namespace: c.namespace, ...TIMING },
      informers: { backoff: { initialMs: 100, maxMs: 400 } },
    });
    started = app.start();
    await eventually(() => app.healthUrl, { what: 'the health server' });
    for (let i = 0; i < 3; i++) {
      const ready = await get(app.healthUrl, '/readyz');
      assert.equal(ready.status, 500, 'not ready while the EchoServer list is forbidden');
      assert.match(
        ready.body,
        /\[-\]informer:echoservers\.example\.com\/\S+ failed: not synced yet \(last error: .*forbidden/,
      );
      assert.match(ready.body, /\[\+\]informer:pods\/\S+ ok/, 'the Pod informer synced');
      assert.equal((await get(app.healthUrl, '/healthz')).status, 200, 'alive: the failure is recent');
      await new Promise((r) => setTimeout(r, 300));
    }
    assert.equal(app.host.ready, false);

    await grant({ listParents: true, createServices: false });
    await eventually(async () => (await get(app.healthUrl, '/readyz')).status === 200, {
      timeoutMs: 15_000,
      what: '/readyz to pass',
    });
    await started;
    assert.equal((await get(app.healthUrl, '/healthz')).status, 200);
  });

  it('/metrics is valid Prometheus text, pre-initialised, and its counters move as parents are created', async () => {
    await app.host.whenLeading();
    let f = await scrape();
    for (const result of ['success', 'error', 'requeue', 'requeue_after']) {
      assert.equal(total(f, result), 0, `reconcile_total{result="${result}"} starts at 0`);
    }
    assert.equal(sampleValue(f, 'controller_runtime_max_concurrent_reconciles', ctl), 4);
    assert.equal(sampleValue(f, 'leader_election_master_status', { name: LEASE }), 1);
    assert.equal(sampleValue(f, 'operon_informer_synced', { resource: 'echoservers.example.com' }), 1);
    assert.ok(sampleValue(f, 'process_cpu_user_seconds_total') !== undefined, 'process metrics are exported');

    // Services may not be created yet: the pass fails, is counted as an error, and retried.
    await createEchoServer(c.api, c.namespace, 'm1');
    f = await eventually(
      async () => {
        const x = await scrape();
        return (sampleValue(x, 'workqueue_retries_total', queue) ?? 0) >= 1 ? x : undefined;
      },
      { what: 'a failed reconcile to be retried' },
    );
    assert.ok(total(f, 'error') >= 1);
    assert.equal(sampleValue(f, 'controller_runtime_reconcile_errors_total', ctl), total(f, 'error'));
    // The one success: the first pass only adds the finalizer, then ends (its event brings the
    // parent back); every pass after it fails on the Service.
    assert.equal(total(f, 'success'), 1);

    await grant({ listParents: true, createServices: true });
    await converged(c.api, c.namespace, 'm1');
    await createEchoServer(c.api, c.namespace, 'm2');
    await createEchoServer(c.api, c.namespace, 'm3', 2);
    await converged(c.api, c.namespace, 'm2');
    await converged(c.api, c.namespace, 'm3', 2);
    f = await eventually(
      async () => {
        const x = await scrape();
        return (sampleValue(x, 'operon_cached_objects', { resource: 'pods' }) ?? 0) === 4 ? x : undefined;
      },
      { what: 'the Pod cache to hold 4 Pods' },
    );
    assert.ok(total(f, 'success') >= 3, `at least one success per parent (${total(f, 'success')})`);
    const passes = ['success', 'error', 'requeue', 'requeue_after'].reduce((n, r) => n + total(f, r), 0);
    assert.equal(sampleValue(f, 'controller_runtime_reconcile_time_seconds_count', ctl), passes);
    assert.equal(sampleValue(f, 'workqueue_work_duration_seconds_count', queue), passes);
    assert.ok((sampleValue(f, 'workqueue_adds_total', queue) ?? 0) >= 3);
    assert.equal(sampleValue(f, 'operon_cached_objects', { resource: 'echoservers.example.com' }), 3);
    assert.equal(sampleValue(f, 'operon_cached_objects', { resource: 'services' }), 3);
    assert.equal(sampleValue(f, 'controller_runtime_active_workers', ctl), 0);
    const host = new URL(app.host.api.serverUrl).host;
    assert.ok(
      (sampleValue(f, 'rest_client_requests_total', { code: '201', method: 'POST', host }) ?? 0) >= 4,
    );
    assert.ok((sampleValue(f, 'rest_client_requests_total', { code: '403', method: 'GET', host }) ?? 0) >= 1);
  });
});
