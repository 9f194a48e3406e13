// The one entry point: runOperators runs the same operators embedded (a test, a script) or as a
// production process, and Operon.run stays a working, deprecated alias of the embedded form.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { V1ConfigMap } from '@kubernetes/client-node';
import { Container } from 'inversify';
import { Operon, type OperonApp, runOperators } from '../../src/index.js';
import { installOperatorCrds } from '../../src/testkit/install.js';
import { eventually, type TestCluster, useTestCluster } from '../support/cluster.js';
import { Greeting, GreetingOperator } from '../unit/cli/entries/greeting-operator.js';

function container(): Container {
  const c = new Container();
  c.bind(GreetingOperator).toSelf();
  return c;
}

const signalListeners = () => process.listenerCount('SIGTERM') + process.listenerCount('SIGINT');

describe('runOperators: one entry point from a test to production', () => {
  let c: TestCluster;
  before(async () => {
    c = await useTestCluster('run-ops');
    await installOperatorCrds(c.kubeConfig, [GreetingOperator]);
  });
  after(async () => {
    await c.cleanup();
  });

  const greet = async (name: string, message: string) => {
    await c.create(`/apis/guard.example.com/v1/namespaces/${c.namespace}/${Greeting.plural}`, {
      apiVersion: 'guard.example.com/v1',
      kind: 'Greeting',
      metadata: { name },
      spec: { message },
    });
    return eventually(() => c.find<V1ConfigMap>(`/api/v1/namespaces/${c.namespace}/configmaps/${name}`), {
      what: `the ConfigMap ${name}`,
    });
  };

  it('embedded: reconciles, binds no server, handles no signal, and stops without exiting', async () => {
    const before = signalListeners();
    const app = await runOperators(container(), {
      embedded: true,
      kubeConfig: c.kubeConfig,
      namespaces: [c.namespace],
    });
    try {
      assert.equal(app.healthUrl, undefined);
      assert.equal(app.metricsUrl, undefined);
      assert.equal(signalListeners(), before, 'no signal handler installed');
      assert.deepEqual(app.host.operators, ['greeting']);
      const cm = await greet('embedded', 'hi');
      assert.equal(cm.data?.message, 'hi');
    } finally {
      assert.deepEqual(await app.stop(), { reason: 'stopped', drained: true });
    }
  });

  it('without embedded: serves probes and metrics and handles signals, all given back by stop()', async () => {
    const before = signalListeners();
    let app: OperonApp | undefined;
    try {
      app = await runOperators(container(), {
        kubeConfig: c.kubeConfig,
        namespaces: [c.namespace],
        logger: false,
        healthServer: { host: '127.0.0.1', port: 0 },
        metricsServer: { host: '127.0.0.1', port: 0, secure: false },
        exitProcess: false,
      });
      assert.ok(app.healthUrl, 'health server bound');
      assert.ok(app.metricsUrl, 'metrics server bound');
      assert.equal(signalListeners(), before + 2, 'SIGTERM and SIGINT handled');
      const ready = await fetch(`${app.healthUrl}/readyz`);
      assert.equal(ready.status, 200);
      const metrics = await (await fetch(`${app.metricsUrl}/metrics`)).text();
      assert.match(metrics, /process_resident_memory_bytes/, 'a process serving /metrics reports itself');
      await greet('production', 'hello');
    } finally {
      await app?.stop();
    }
    assert.equal(signalListeners(), before, 'signal handlers removed');
  });

  it('Operon.run, the deprecated alias, still runs the operators embedded and returns the host', async () => {
    const before = signalListeners();
    const host = await Operon.run(container(), { kubeConfig: c.kubeConfig, namespaces: [c.namespace] });
    try {
      assert.equal(signalListeners(), before);
      assert.equal(host.ready, true);
      await greet('alias', 'still here');
    } finally {
      await host.stop();
    }
  });
});
