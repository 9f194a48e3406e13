// What the production logger writes during real reconciles, at the most verbose level: every
// reconcile line says which operator, object and pass it belongs to, and no Secret value appears,
// though the operator writes a Secret child and its status and Events.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { OperonApp } from '../../src/app/index.js';
import { buildOperatorConfig } from '../../src/config/index.js';
import { eventually, type TestCluster, useTestCluster } from '../support/cluster.js';
import { installTestCrds, WidgetOperator, widgetPath } from '../support/widget.js';

const PASSWORD = 'hunter2-never-logged';

describe('production: logging', () => {
  let c: TestCluster;
  let app: OperonApp;
  const lines: Record<string, unknown>[] = [];
  let raw = '';

  before(async () => {
    c = await useTestCluster('prod-logging');
    await installTestCrds(c.kubeConfig);
    const destination = new Writable({
      write(chunk: Buffer, _enc, done) {
        raw += chunk.toString();
        for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l));
        done();
      },
    });
    app = new OperonApp([buildOperatorConfig(new WidgetOperator())], {
      kubeConfig: c.kubeConfig,
      namespaces: [c.namespace],
      resyncIntervalMs: 0,
      logging: { level: 'trace', format: 'json', destination },
      healthServer: false,
      metricsServer: false,
      signals: [],
      exitProcess: false,
    });
    await app.start();
  });
  after(async () => {
    await app?.stop();
    await c.cleanup();
  });

  it('tags every reconcile line with operator, namespace, name and reconcile id, and logs no Secret value', async () => {
    const create = (name: string, spec: object) =>
      c.api.request({
        method: 'POST',
        path: widgetPath(c.namespace),
        body: { apiVersion: 'operon.test/v1', kind: 'Widget', metadata: { name }, spec },
      });
    await create('w', { data: { password: PASSWORD } });
    await create('broken', { fail: true, data: { password: PASSWORD } });
    await eventually(() => lines.some((l) => l.msg === 'create Secret w-secret'), {
      what: 'the Secret to be created',
    });
    await eventually(() => lines.some((l) => l.reason === 'SyncFailed'), {
      what: 'the failing sync to be logged',
    });

    const reconcileLines = lines.filter((l) => 'reconcileId' in l);
    assert.ok(reconcileLines.length >= 2);
    for (const l of reconcileLines) {
      assert.equal(l.operator, 'widget', JSON.stringify(l));
      assert.equal(l.namespace, c.namespace, JSON.stringify(l));
      assert.ok(l.name === 'w' || l.name === 'broken', JSON.stringify(l));
      assert.match(String(l.reconcileId), /^[0-9a-f]{8}$/);
    }
    const ids = new Set(reconcileLines.map((l) => `${l.name}:${l.reconcileId}`));
    assert.ok(ids.size >= 2, 'each pass has its own id');
    for (const secret of [PASSWORD, Buffer.from(PASSWORD).toString('base64')]) {
      assert.ok(!raw.includes(secret), `the Secret value ${secret} was logged`);
    }
  });
});
