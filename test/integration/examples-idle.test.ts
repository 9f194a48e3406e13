// The three examples (echo-server, multi-operator, nest-app) on the realistic cluster, left idle
// after converging: the API server's audit log must show no write request from any of them, and no
// Warning Event may be recorded about their parents. Five minutes by default (OPERON_IDLE_MS), with
// a 30 s resync, so every parent goes through ten resync passes.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { V1Pod } from '@kubernetes/client-node';
import { Container } from 'inversify';
import { EchoImage, EchoServerOperator } from '../../examples/echo-server/echo-server.js';
import { Greeter, GreetingOperator, StaticSiteOperator } from '../../examples/multi-operator/operators.js';
import { type KubeObject, Operon, type OperonHost } from '../../src/index.js';
import { installCrds, installOperatorCrds, readManifests } from '../../src/testkit/install.js';
import { auditedWrites, auditLogOf } from '../support/audit.js';
import { eventually, type TestCluster, useTestCluster } from '../support/cluster.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const nestApp = join(root, 'examples', 'nest-app');
const idleMs = Number(process.env.OPERON_IDLE_MS ?? 300_000);
const auditLog = auditLogOf(process.env.OPERON_TEST_KUBECONFIG);

type Parent = KubeObject & {
  status?: { readyPods?: number; conditions?: { type: string; status: string }[] };
};

describe('the examples, idle on a realistic cluster', {
  skip: auditLog ? false : 'counts writes in the local cluster audit log',
}, () => {
  let c: TestCluster;
  let host: OperonHost;
  let nest: ChildProcess;
  let nestOutput = '';
  before(async () => {
    c = await useTestCluster('idle');
    await installOperatorCrds(c.kubeConfig, [EchoServerOperator, StaticSiteOperator, GreetingOperator]);
    await installCrds(c.kubeConfig, readManifests(join(nestApp, 'crds.yaml')));
    const container = new Container();
    container.bind(EchoImage).toSelf();
    container.bind(Greeter).toSelf();
    container.bind(EchoServerOperator).toSelf();
    container.bind(StaticSiteOperator).toSelf();
    container.bind(GreetingOperator).toSelf();
    host = await Operon.run(container, {
      kubeConfig: c.kubeConfig,
      namespaces: [c.namespace],
      resyncIntervalMs: 30_000,
    });
    nest = spawn(process.execPath, [join(nestApp, 'dist', 'main.js')], {
      env: { ...process.env, KUBECONFIG: process.env.OPERON_TEST_KUBECONFIG, WATCH_NAMESPACES: c.namespace },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    nest.stdout?.on('data', (d: Buffer) => {
      nestOutput += d.toString();
    });
    nest.stderr?.on('data', (d: Buffer) => {
      nestOutput += d.toString();
    });
    await eventually(() => nestOutput.includes('ready:'), { what: 'the Nest app to be ready' });
  });
  after(async () => {
    nest?.kill('SIGTERM');
    await host?.stop();
    await c.cleanup();
  });

  const path = (group: string, plural: string, name = '') =>
    `/apis/${group}/v1alpha1/namespaces/${c.namespace}/${plural}${name ? `/${name}` : ''}`;
  const create = (group: string, plural: string, kind: string, name: string, spec: object) =>
    c.api.request({
      method: 'POST',
      path: path(group, plural),
      body: { apiVersion: `${group}/v1alpha1`, kind, metadata: { name }, spec },
    });
  const synced = (group: string, plural: string, name: string) =>
    eventually(
      async () => {
        const p = await c.api.request<Parent>({ method: 'GET', path: path(group, plural, name) });
        return p.status?.conditions?.some((x) => x.type === 'Synced' && x.status === 'True') ? p : undefined;
      },
      { what: `${plural}/${name} Synced`, timeoutMs: 60_000 },
    );

  it(`sends no write request and records no Warning over ${idleMs / 1000} s idle`, {
    timeout: idleMs + 180_000,
  }, async () => {
    await create('example.com', 'echoservers', 'EchoServer', 'echo', { message: 'idle', replicas: 2 });
    await create('example.com', 'staticsites', 'StaticSite', 'site', { html: '<h1>idle</h1>' });
    await create('example.com', 'greetings', 'Greeting', 'hello', { to: 'Idle' });
    await create('nest.example.com', 'greetings', 'Greeting', 'nest-hello', { to: 'Idle' });
    await create('nest.example.com', 'pages', 'Page', 'nest-home', { title: 'Idle', body: 'Quiet' });
    await eventually(
      async () => (await synced('example.com', 'echoservers', 'echo')).status?.readyPods === 2,
      { what: 'two ready echo Pods', timeoutMs: 60_000 },
    );
    await synced('example.com', 'staticsites', 'site');
    await synced('example.com', 'greetings', 'hello');
    await synced('nest.example.com', 'greetings', 'nest-hello');
    await synced('nest.example.com', 'pages', 'nest-home');
    await eventually(
      async () => {
        const pods = await c.api.request<{ items: V1Pod[] }>({
          method: 'GET',
          path: `/api/v1/namespaces/${c.namespace}/pods`,
        });
        return pods.items.every((p) =>
          p.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True'),
        );
      },
      { what: 'every Pod Ready' },
    );
    // Let the last events of converging (Pods becoming Ready, status writes) pass.
    await new Promise((r) => setTimeout(r, 5_000));

    const since = Date.now();
    await new Promise((r) => setTimeout(r, idleMs));
    // The operators run as the admin user; the test's own client says 'operon-tests'.
    const writes = auditedWrites(auditLog!, c.namespace, since).filter(
      (w) => w.user === 'operon-admin' && w.userAgent !== 'operon-tests',
    );
    assert.deepEqual(
      writes.map((w) => `${w.verb} ${w.uri} (${w.userAgent})`),
      [],
      'no write request from any example while idle',
    );
    type Event = { type: string; reason: string; message: string; involvedObject: { kind: string } };
    const events = await c.api.request<{ items: Event[] }>({
      method: 'GET',
      path: `/api/v1/namespaces/${c.namespace}/events`,
    });
    const ours = new Set(['EchoServer', 'StaticSite', 'Greeting', 'Page']);
    assert.deepEqual(
      events.items
        .filter(
          (e) =>
            e.type === 'Warning' && ours.has((e as { involvedObject: { kind: string } }).involvedObject.kind),
        )
        .map((e) => `${e.reason}: ${e.message}`),
      [],
    );
  });
});
