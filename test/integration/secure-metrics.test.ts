// /metrics as controller-runtime serves it securely, against the real API server: HTTPS, the bearer
// token checked with a TokenReview and its user authorized with a SubjectAccessReview for GET /metrics,
// answers cached; the probes stay plain HTTP; a bind address of 127.0.0.1 keeps the server off every
// other address; `operon run` does the same from its flags with nothing but the generated RBAC.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { KubeConfig } from '@kubernetes/client-node';
import { Container } from 'inversify';
import { EchoImage, EchoServerOperator } from '../../examples/echo-server/echo-server.js';
import { OperonApp } from '../../src/app/index.js';
import { missingPermissions } from '../../src/generate/check-permissions.js';
import { declarationsFromClasses } from '../../src/generate/from-classes.js';
import { requiredPermissions } from '../../src/generate/permissions.js';
import { generateRbac, metricsReaderRole, toPolicyRules } from '../../src/generate/rbac.js';
import { silentLogger } from '../../src/observability/logger.js';
import { parsePrometheusText, sampleValue } from '../../src/observability/metrics/index.js';
import { serviceAccountKubeConfig } from '../../src/testkit/control-plane.js';
import { applyObjects, installOperatorCrds } from '../../src/testkit/install.js';
import type { KubeObject } from '../../src/types/kube-object.js';
import { eventually, type TestCluster, useTestCluster } from '../support/cluster.js';
import { httpGet } from './production-support.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const example = 'dist/examples/echo-server/echo-server.js';
const declarations = declarationsFromClasses([EchoServerOperator]);
const RBAC = '/apis/rbac.authorization.k8s.io/v1';

describe('secure metrics', () => {
  let c: TestCluster;
  let app: OperonApp;
  let dir: string;
  let reader: string;
  let outsider: KubeConfig;
  const reviews: string[] = [];
  const clusterScoped: string[] = [];
  const children: ChildProcess[] = [];

  const token = (kc: KubeConfig) => kc.getCurrentUser()?.token ?? '';
  const scrape = (t?: string) => httpGet(`${app.metricsUrl}/metrics`, { token: t });

  before(async () => {
    c = await useTestCluster('secure-metrics');
    dir = mkdtempSync(join(tmpdir(), 'operon-secure-'));
    await installOperatorCrds(c.kubeConfig, [EchoServerOperator]);
    const ns = c.namespace;
    // The operator: its operators' permissions in its namespace, and the reviews cluster-wide, as
    // requiredPermissions lists them (nothing more).
    const operator = await serviceAccountKubeConfig(c.kubeConfig, {
      namespace: ns,
      name: 'operator',
      rules: toPolicyRules(requiredPermissions(declarations).filter((p) => p.scope === 'watched')),
      clusterRules: toPolicyRules(requiredPermissions([])),
    });
    clusterScoped.push(`${RBAC}/clusterroles/${ns}-operator`, `${RBAC}/clusterrolebindings/${ns}-operator`);
    // The scraper: bound to the metrics-reader ClusterRole `operon manifests` prints.
    const role = metricsReaderRole(ns);
    await applyObjects(c.kubeConfig, [
      role,
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: `${ns}-reader` },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: `${ns}-metrics-reader` },
        subjects: [{ kind: 'ServiceAccount', name: 'reader', namespace: ns }],
      } as KubeObject,
    ]);
    clusterScoped.push(
      `${RBAC}/clusterroles/${ns}-metrics-reader`,
      `${RBAC}/clusterrolebindings/${ns}-reader`,
    );
    reader = token(await serviceAccountKubeConfig(c.kubeConfig, { namespace: ns, name: 'reader' }));
    outsider = await serviceAccountKubeConfig(c.kubeConfig, { namespace: ns, name: 'outsider' });

    const container = new Container();
    container.bind(EchoImage).toSelf();
    container.bind(EchoServerOperator).toSelf();
    app = new OperonApp(container, {
      kubeConfig: operator,
      namespaces: [ns],
      resyncIntervalMs: 0,
      logger: silentLogger(),
      healthServer: { port: 0 }, // every interface: the control for the bind-address test
      metricsServer: { port: 0, host: '127.0.0.1' }, // secure by default
      signals: [],
      exitProcess: false,
    });
    app.host.api.onRequest((r) => {
      if (r.path.endsWith('reviews')) reviews.push(r.path.split('/').at(-1) ?? '');
    });
    await app.start();
  });

  after(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await app?.stop();
    for (const path of clusterScoped) await c.api.request({ method: 'DELETE', path }).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    await c.cleanup();
  });

  it('serves /metrics over HTTPS on the bound address', () => {
    assert.match(app.metricsUrl ?? '', /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.match(app.healthUrl ?? '', /^http:\/\//, 'the probes stay plain HTTP');
  });

  it('answers 401 without a token, and with a token the API server does not accept', async () => {
    const none = await scrape();
    assert.equal(none.status, 401);
    assert.equal(none.headers['www-authenticate'], 'Bearer');
    assert.equal(none.body, 'Unauthorized\n');
    // A well-formed but forged ServiceAccount token: the TokenReview says not authenticated.
    const forged = `${token(outsider).split('.').slice(0, 2).join('.')}.c2lnbmF0dXJl`;
    assert.equal((await scrape(forged)).status, 401);
    assert.equal((await scrape('not-a-token')).status, 401);
    assert.doesNotMatch(none.body, /controller_runtime/);
  });

  it('answers 403 to a ServiceAccount without the metrics-reader role', async () => {
    const res = await scrape(token(outsider));
    assert.equal(res.status, 403);
    assert.equal(res.body, `Authorization denied for user system:serviceaccount:${c.namespace}:outsider\n`);
  });

  it('answers 200 with valid Prometheus text to one bound to it, reviewing once per cache period', async () => {
    const before = reviews.length;
    const res = await scrape(reader);
    assert.equal(res.status, 200, res.body);
    const families = parsePrometheusText(res.body);
    assert.equal(
      sampleValue(families, 'controller_runtime_max_concurrent_reconciles', { controller: 'echo-server' }),
      4,
    );
    assert.deepEqual(reviews.slice(before), ['tokenreviews', 'subjectaccessreviews']);
    // Prometheus scrapes every few seconds: within the cache period (10 s) that costs no review.
    for (let i = 0; i < 5; i++) assert.equal((await scrape(reader)).status, 200);
    assert.equal(reviews.length, before + 2);
  });

  it('leaves the probes unauthenticated', async () => {
    assert.equal((await httpGet(`${app.healthUrl}/readyz`)).status, 200);
    assert.equal((await httpGet(`${app.healthUrl}/healthz`)).status, 200);
  });

  it('bound to 127.0.0.1, is not reachable on any other address of the machine', async () => {
    const metricsPort = Number(new URL(app.metricsUrl ?? '').port);
    const healthPort = Number(new URL(app.healthUrl ?? '').port);
    // Linux delivers all of 127.0.0.0/8 to the loopback interface: a server on every interface
    // answers on 127.0.0.2, one bound to 127.0.0.1 does not. (The test stays on loopback addresses.)
    assert.equal(await reachable('127.0.0.2', healthPort), true, 'control: every interface');
    assert.equal(await reachable('127.0.0.1', metricsPort), true);
    assert.equal(await reachable('127.0.0.2', metricsPort), false);
  });

  it('`operon run` checks for the review permissions, which the operator without them lacks', async () => {
    const missing = await missingPermissions(outsider, declarations, { namespaces: [c.namespace] });
    const reviewsMissing = missing.filter((m) => m.resource.endsWith('reviews'));
    assert.deepEqual(
      reviewsMissing.map((m) => `${m.verb} ${m.group}/${m.resource} ${m.namespace ?? 'cluster-wide'}`),
      [
        'create authentication.k8s.io/tokenreviews cluster-wide',
        'create authorization.k8s.io/subjectaccessreviews cluster-wide',
      ],
    );
    const plain = await missingPermissions(outsider, declarations, {
      namespaces: [c.namespace],
      secureMetrics: false,
    });
    assert.equal(plain.filter((m) => m.resource.endsWith('reviews')).length, 0);
  });

  it('`operon run --metrics-bind-address` serves secure metrics with nothing but the generated RBAC', async () => {
    const name = `${c.namespace}-run`;
    const objects = generateRbac(declarations, {
      name,
      namespace: c.namespace,
      watchNamespaces: [c.namespace],
    });
    clusterScoped.push(`${RBAC}/clusterroles/${name}`, `${RBAC}/clusterrolebindings/${name}`);
    await applyObjects(c.kubeConfig, objects);
    const kubeconfig = join(dir, 'run.kubeconfig');
    writeFileSync(
      kubeconfig,
      (await serviceAccountKubeConfig(c.kubeConfig, { namespace: c.namespace, name })).exportConfig(),
    );
    const { KUBERNETES_SERVICE_HOST: _inCluster, ...env } = process.env;
    const child = spawn(
      process.execPath,
      [
        join(root, 'bin', 'operon.js'),
        'run',
        example,
        '--metrics-bind-address=127.0.0.1:0',
        '--health-bind-address',
        '127.0.0.1:0',
      ],
      {
        cwd: root,
        env: { ...env, KUBECONFIG: kubeconfig, OPERON_WATCH_NAMESPACES: c.namespace, LOG_LEVEL: 'info' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    children.push(child);
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const logged = await eventually(
      () =>
        out
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .map((l) => JSON.parse(l) as { msg?: string; url?: string; secure?: boolean })
          .find((l) => l.msg === 'serving metrics'),
      { what: `operon run to serve metrics:\n${out}` },
    );
    assert.equal(logged.secure, true);
    assert.match(logged.url ?? '', /^https:\/\/127\.0\.0\.1:\d+$/);
    await eventually(() => out.includes('operators running'), { what: `operon run to start:\n${out}` });
    assert.equal((await httpGet(`${logged.url}/metrics`)).status, 401);
    assert.equal((await httpGet(`${logged.url}/metrics`, { token: token(outsider) })).status, 403);
    const ok = await httpGet(`${logged.url}/metrics`, { token: reader });
    assert.equal(ok.status, 200, ok.body);
    assert.ok(parsePrometheusText(ok.body).some((f) => f.name === 'controller_runtime_reconcile_total'));
    child.kill('SIGTERM');
    assert.equal(await exited, 0, out);
    assert.doesNotMatch(out, /"level":(40|50)/, 'no warning or error while running');
  });
});

/** Whether a TCP connection to `host:port` is accepted. */
function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 2_000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}
