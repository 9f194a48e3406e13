import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OperonMetrics, parsePrometheusText, sampleValue } from '../../../src/observability/metrics/index.js';

const c = { controller: 'echo-server' };
const q = { name: 'echo-server', controller: 'echo-server' };

async function scrape(m: OperonMetrics) {
  return parsePrometheusText(await m.text());
}

describe('OperonMetrics', () => {
  it("pre-initialises every controller series to zero under controller-runtime's names", async () => {
    const m = new OperonMetrics();
    m.controller('echo-server', 4);
    const f = await scrape(m);
    for (const result of ['success', 'error', 'requeue', 'requeue_after']) {
      assert.equal(sampleValue(f, 'controller_runtime_reconcile_total', { ...c, result }), 0, result);
    }
    assert.equal(sampleValue(f, 'controller_runtime_reconcile_errors_total', c), 0);
    assert.equal(sampleValue(f, 'controller_runtime_reconcile_time_seconds_count', c), 0);
    assert.equal(sampleValue(f, 'controller_runtime_max_concurrent_reconciles', c), 4);
    assert.equal(sampleValue(f, 'controller_runtime_active_workers', c), 0);
    for (const name of ['workqueue_depth', 'workqueue_adds_total', 'workqueue_retries_total']) {
      assert.equal(sampleValue(f, name, q), 0, name);
    }
    assert.equal(sampleValue(f, 'workqueue_queue_duration_seconds_count', q), 0);
    assert.equal(sampleValue(f, 'workqueue_work_duration_seconds_count', q), 0);
    const types = Object.fromEntries(f.map((x) => [x.name, x.type]));
    assert.equal(types.controller_runtime_reconcile_total, 'counter');
    assert.equal(types.controller_runtime_reconcile_time_seconds, 'histogram');
    assert.equal(types.workqueue_depth, 'gauge');
  });

  it('follows the work queue and the reconciles', async () => {
    const m = new OperonMetrics();
    const ctl = m.controller('echo-server', 2);
    ctl.queue.onAdd('ns/a');
    ctl.queue.onAdd('ns/b');
    ctl.queue.onDepth(2);
    ctl.queue.onLatency(250, 'ns/a');
    ctl.queue.onActive(1);
    ctl.queue.onDepth(1);
    let f = await scrape(m);
    assert.equal(sampleValue(f, 'workqueue_adds_total', q), 2);
    assert.equal(sampleValue(f, 'workqueue_depth', q), 1);
    assert.equal(sampleValue(f, 'controller_runtime_active_workers', c), 1);
    assert.equal(sampleValue(f, 'workqueue_queue_duration_seconds_sum', q), 0.25);
    assert.ok(
      (sampleValue(f, 'workqueue_longest_running_processor_seconds', q) ?? -1) >= 0,
      'a run is in progress',
    );
    ctl.queue.onWorkDuration(40, 'ns/a');
    ctl.queue.onActive(0);
    ctl.reconciled('error', 0.04);
    ctl.queue.onRetry('ns/a', 5, new Error('x'));
    ctl.reconciled('success', 0.01);
    ctl.reconciled('requeue_after', 0.02);
    f = await scrape(m);
    assert.equal(sampleValue(f, 'controller_runtime_reconcile_total', { ...c, result: 'error' }), 1);
    assert.equal(sampleValue(f, 'controller_runtime_reconcile_total', { ...c, result: 'success' }), 1);
    assert.equal(sampleValue(f, 'controller_runtime_reconcile_total', { ...c, result: 'requeue_after' }), 1);
    assert.equal(sampleValue(f, 'controller_runtime_reconcile_errors_total', c), 1);
    assert.equal(sampleValue(f, 'controller_runtime_reconcile_time_seconds_count', c), 3);
    assert.equal(
      sampleValue(f, 'controller_runtime_reconcile_time_seconds_bucket', { ...c, le: '0.025' }),
      2,
    );
    assert.equal(sampleValue(f, 'workqueue_retries_total', q), 1);
    assert.equal(sampleValue(f, 'workqueue_work_duration_seconds_count', q), 1);
    assert.equal(sampleValue(f, 'workqueue_unfinished_work_seconds', q), 0, 'nothing runs any more');
  });

  it('counts API requests like client-go, with <error> for no response', async () => {
    const m = new OperonMetrics();
    m.observeRequest({ method: 'GET', code: 200, durationMs: 12 }, '10.0.0.1:6443');
    m.observeRequest({ method: 'GET', code: 200, durationMs: 8 }, '10.0.0.1:6443');
    m.observeRequest({ method: 'POST', code: 0, durationMs: 3 }, '10.0.0.1:6443');
    const f = await scrape(m);
    const host = '10.0.0.1:6443';
    assert.equal(sampleValue(f, 'rest_client_requests_total', { code: '200', method: 'GET', host }), 2);
    assert.equal(sampleValue(f, 'rest_client_requests_total', { code: '<error>', method: 'POST', host }), 1);
    assert.equal(sampleValue(f, 'rest_client_request_duration_seconds_count', { verb: 'GET', host }), 2);
  });

  it('reads the informers on each scrape, adding up those of one resource', async () => {
    const m = new OperonMetrics();
    const informer = (plural: string, group: string, watches: number, objects: number, synced: boolean) => ({
      type: { plural, group },
      hasSynced: () => synced,
      health: () => ({ watches, errors: watches > 1 ? 1 : 0, objects }),
    });
    let pods = [informer('pods', '', 1, 3, true), informer('pods', '', 3, 2, true)];
    m.observeInformers(() => [...pods, informer('echoservers', 'example.com', 0, 0, false)]);
    let f = await scrape(m);
    assert.equal(sampleValue(f, 'operon_cached_objects', { resource: 'pods' }), 5);
    assert.equal(sampleValue(f, 'operon_watch_restarts_total', { resource: 'pods' }), 2);
    assert.equal(sampleValue(f, 'operon_watch_errors_total', { resource: 'pods' }), 1);
    assert.equal(sampleValue(f, 'operon_informer_synced', { resource: 'pods' }), 1);
    assert.equal(sampleValue(f, 'operon_informer_synced', { resource: 'echoservers.example.com' }), 0);
    pods = [informer('pods', '', 2, 3, true), informer('pods', '', 4, 2, true)];
    f = await scrape(m);
    assert.equal(
      sampleValue(f, 'operon_watch_restarts_total', { resource: 'pods' }),
      4,
      'the counter follows the totals',
    );
  });

  it('reports leader status, and keeps hosts apart with a registry each', async () => {
    const a = new OperonMetrics();
    const b = new OperonMetrics();
    a.leader('echo-server-operator', true);
    b.leader('echo-server-operator', false);
    a.controller('x', 1);
    assert.equal(
      sampleValue(await scrape(a), 'leader_election_master_status', { name: 'echo-server-operator' }),
      1,
    );
    const fb = await scrape(b);
    assert.equal(sampleValue(fb, 'leader_election_master_status', { name: 'echo-server-operator' }), 0);
    assert.equal(
      sampleValue(fb, 'controller_runtime_max_concurrent_reconciles', { controller: 'x' }),
      undefined,
    );
  });

  it('adds process and Node.js metrics when asked', async () => {
    const m = new OperonMetrics({ processMetrics: true });
    const f = await scrape(m);
    assert.ok(sampleValue(f, 'process_cpu_user_seconds_total') !== undefined);
    assert.ok(f.some((x) => x.name.startsWith('nodejs_')));
  });
});
