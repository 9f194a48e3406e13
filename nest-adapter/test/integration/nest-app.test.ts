// The Nest example app (examples/nest-app) against a real API server: it converges, its two operators
// share one watch per resource type, the host is injectable, and app.close() leaves nothing open.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { V1ConfigMap } from '@kubernetes/client-node';
import { Test, type TestingModule } from '@nestjs/testing';
import type { KubeObject } from 'operon';
import { installCrds, readManifests } from 'operon/testkit';
import { OperonHost } from '../../src/index.js';
import { eventually, type TestCluster, useTestCluster } from '../support/cluster.js';
import { AppConfig, AppModule, exampleDir, OperonStatus } from '../support/example.js';

type Parent = KubeObject & {
  status?: { text?: string; configMap?: string; conditions?: { type: string; status: string }[] };
};

describe('the Nest example app on a real API server', () => {
  let c: TestCluster;
  before(async () => {
    c = await useTestCluster('nest-app');
    await installCrds(c.kubeConfig, readManifests(join(exampleDir, 'crds.yaml')));
  });
  after(() => c.cleanup());

  const ns = () => c.namespace;
  const parents = (plural: string) => `/apis/nest.example.com/v1alpha1/namespaces/${ns()}/${plural}`;
  const configMap = (name: string) => `/api/v1/namespaces/${ns()}/configmaps/${name}`;
  const synced = (plural: string, name: string) =>
    eventually(
      async () => {
        const p = await c.find<Parent>(`${parents(plural)}/${name}`);
        return p?.status?.conditions?.some((x) => x.type === 'Synced' && x.status === 'True') ? p : undefined;
      },
      { what: `${plural}/${name} to be Synced` },
    );

  async function boot(
    salutation: string,
  ): Promise<{ app: TestingModule; config: InstanceType<typeof AppConfig> }> {
    const config = Object.assign(new AppConfig(), {
      namespaces: [ns()],
      kubeConfig: c.kubeConfig,
      salutation,
    });
    const app = await Test.createTestingModule({ imports: [AppModule] })
      .overrideProvider(AppConfig)
      .useValue(config)
      .compile();
    app.useLogger(false);
    return { app, config };
  }

  it('should converge both kinds of parent, with one watch per resource type shared by the two operators', async () => {
    const { app, config } = await boot('Hi');
    const host = app.get(OperonHost);
    const watches: string[] = [];
    host.api.onRequest((r) => {
      if (r.verb === 'watch') watches.push(r.path);
    });
    await app.init();
    try {
      assert.equal(host.ready, true, 'bootstrap resolves once the caches have synced');
      assert.deepEqual(host.operators, ['greeting', 'page']);

      await c.create(parents('greetings'), {
        apiVersion: 'nest.example.com/v1alpha1',
        kind: 'Greeting',
        metadata: { name: 'world' },
        spec: { to: 'World' },
      });
      await c.create(parents('pages'), {
        apiVersion: 'nest.example.com/v1alpha1',
        kind: 'Page',
        metadata: { name: 'home' },
        spec: { title: 'Home <1>', body: 'Hello' },
      });
      const greeting = await synced('greetings', 'world');
      const page = await synced('pages', 'home');
      assert.equal(greeting.status?.text, 'Hi, World!');
      assert.equal(page.status?.configMap, 'home-page');
      const text = await c.find<V1ConfigMap>(configMap('world-greeting'));
      assert.deepEqual(text?.data, { text: 'Hi, World!' });
      const html = await c.find<V1ConfigMap>(configMap('home-page'));
      assert.match(html?.data?.['index.html'] ?? '', /<h1>Home &#60;1&#62;<\/h1>/);

      // Both operators own ConfigMaps: one informer and one watch serve them both.
      assert.equal(host.sharedInformers().filter((i) => i.type.kind === 'ConfigMap').length, 1);
      assert.deepEqual(watches.sort(), [
        `/api/v1/namespaces/${ns()}/configmaps`,
        `/apis/nest.example.com/v1alpha1/namespaces/${ns()}/greetings`,
        `/apis/nest.example.com/v1alpha1/namespaces/${ns()}/pages`,
      ]);

      // The host is injectable: the app's OperonStatus reads it and triggers a reconcile through it.
      const status = app.get(OperonStatus);
      assert.equal(status.isReady(), true);
      config.salutation = 'Howdy';
      status.refreshGreeting(ns(), 'world');
      await eventually(
        async () => (await c.find<V1ConfigMap>(configMap('world-greeting')))?.data?.text === 'Howdy, World!',
        { what: 'the triggered reconcile to rewrite the greeting' },
      );
    } finally {
      await app.close();
    }
    assert.equal(host.ready, false);
    assert.deepEqual(
      host.sharedInformers().filter((i) => i.health().watching),
      [],
      'no watch is open after app.close()',
    );
  });

  /** Runs a node script with the test cluster and namespace in its environment, collecting its output. */
  function run(script: string, env: Record<string, string>) {
    const child = spawn(process.execPath, [script], {
      env: { ...process.env, KUBECONFIG: c.kubeconfigPath, WATCH_NAMESPACES: ns(), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out = { stdout: '', stderr: '' };
    child.stdout.on('data', (d: Buffer) => {
      out.stdout += d;
    });
    child.stderr.on('data', (d: Buffer) => {
      out.stderr += d;
    });
    const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    /** How the process ended, or 'timeout' if it is still running after `ms`. */
    const exit = (ms: number) =>
      Promise.race([exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), ms).unref())]);
    const kill = () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    };
    return { child, out, exit, kill };
  }

  it('should leave no open handle after app.close(): the process exits on its own', async () => {
    const app = run(fileURLToPath(new URL('../support/boot-example.js', import.meta.url)), {
      GREETING_SALUTATION: 'Bye',
    });
    try {
      await eventually(() => app.out.stdout.includes('ready\n'), { what: 'the child app to boot' });
      await c.create(parents('greetings'), {
        apiVersion: 'nest.example.com/v1alpha1',
        kind: 'Greeting',
        metadata: { name: 'child' },
        spec: { to: 'Child' },
      });
      await eventually(
        async () => (await c.find<V1ConfigMap>(configMap('child-greeting')))?.data?.text === 'Bye, Child!',
        { what: 'the child app to converge its Greeting' },
      );
      app.child.kill('SIGUSR2');
      const result = await app.exit(15_000);
      assert.notEqual(
        result,
        'timeout',
        `the process did not exit within 15 s of app.close(). ${app.out.stderr}`,
      );
      assert.deepEqual(result, [0, null], `the process exited with an error: ${app.out.stderr}`);
      assert.match(app.out.stdout, /closed\n/);
    } finally {
      app.kill();
    }
  });

  it('should run main.ts: ready once synced, and stopped by SIGTERM', async () => {
    const main = run(join(exampleDir, 'dist', 'main.js'), { GREETING_SALUTATION: 'Hey' });
    try {
      await eventually(
        () => main.out.stdout.includes(`ready: operators greeting, page; shared caches: Greeting in ${ns()}`),
        { what: 'main.ts to log that it is ready' },
      );
      main.child.kill('SIGTERM');
      // enableShutdownHooks: Nest closes the app (Operon drains), then re-raises the signal.
      assert.deepEqual(await main.exit(15_000), [null, 'SIGTERM'], main.out.stderr);
    } finally {
      main.kill();
    }
  });
});
