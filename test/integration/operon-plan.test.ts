// `operon plan` as an operator's owner uses it before an upgrade: v1 of an operator runs in the
// cluster, v2 is built, and `operon plan dist/.../v2.js` (a child process, with the credentials of a
// ServiceAccount that may only get, list and watch) says exactly which children v2 would touch, and
// the API server's audit log shows that it sent no write.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { KubeConfig, V1PolicyRule } from '@kubernetes/client-node';
import { buildOperatorConfig } from '../../src/config/build-config.js';
import type { OperatorConfig } from '../../src/config/operator-config.js';
import { formatPlan } from '../../src/plan/format.js';
import { planCluster } from '../../src/plan/plan-cluster.js';
import type { ClusterPlan, PlannedDelete, PlannedUpdate } from '../../src/plan/types.js';
import { ApiClient } from '../../src/runtime/api/api-client.js';
import { OperonHost } from '../../src/runtime/host/operon-host.js';
import { serviceAccountKubeConfig } from '../../src/testkit/control-plane.js';
import { installOperatorCrds } from '../../src/testkit/install.js';
import type { KubeObject } from '../../src/types/kube-object.js';
import { PlanDemoV1 } from '../fixtures/plan/v1.js';
import { PlanDemoV2 } from '../fixtures/plan/v2.js';
import { auditLogOf } from '../support/audit.js';
import { eventually, type TestCluster, useTestCluster } from '../support/cluster.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const bin = join(root, 'bin', 'operon.js');
const v1 = 'dist/test/fixtures/plan/v1.js';
const v2 = 'dist/test/fixtures/plan/v2.js';
const auditLog = auditLogOf(process.env.OPERON_TEST_KUBECONFIG);

type Condition = { type: string; status: string };
type AuditEntry = {
  verb: string;
  requestURI: string;
  user: { username: string };
  stageTimestamp: string;
  responseStatus?: { code?: number };
};
type Demo = KubeObject & { status?: { observedGeneration?: number; conditions?: Condition[] } };

const READ_ONLY = ['get', 'list', 'watch'];

describe('operon plan', () => {
  let c: TestCluster;
  let dir: string;
  let host: OperonHost;
  let reader: KubeConfig;
  let readerFile: string;
  let since: number;
  const demos = `/apis/plan.example.com/v1alpha1/namespaces/NS/plandemos`;
  const path = () => demos.replace('NS', c.namespace);

  before(async () => {
    c = await useTestCluster('plan');
    dir = mkdtempSync(join(tmpdir(), 'operon-plan-'));
    await installOperatorCrds(c.kubeConfig, [PlanDemoV1]);
    for (const [name, message] of [
      ['alpha', 'A'],
      ['beta', 'B'],
    ] as const) {
      await c.api.request({
        method: 'POST',
        path: path(),
        body: {
          apiVersion: 'plan.example.com/v1alpha1',
          kind: 'PlanDemo',
          metadata: { name },
          spec: { message },
        },
      });
    }
    // v1 runs, and keeps running while v2 is planned: the plan must neither disturb it nor be disturbed.
    host = new OperonHost([buildOperatorConfig(new PlanDemoV1())], {
      kubeConfig: c.kubeConfig,
      namespaces: [c.namespace],
    });
    await host.start();
    for (const name of ['alpha', 'beta']) {
      await eventually(
        async () => {
          const d = await c.api.request<Demo>({ method: 'GET', path: `${path()}/${name}` });
          const synced = d.status?.conditions?.find((x) => x.type === 'Synced');
          return synced?.status === 'True' && d.status?.observedGeneration === d.metadata?.generation;
        },
        { what: `PlanDemo ${name} to converge under v1`, timeoutMs: 60_000 },
      );
    }
    reader = await account('plan-reader', [
      { apiGroups: ['plan.example.com'], resources: ['plandemos'], verbs: READ_ONLY },
      { apiGroups: [''], resources: ['configmaps', 'services'], verbs: READ_ONLY },
    ]);
    readerFile = kubeconfigFile('plan-reader', reader);
    since = Date.now();
  });
  after(async () => {
    await host?.stop();
    rmSync(dir, { recursive: true, force: true });
    await c.cleanup();
  });

  /** A ServiceAccount in the test namespace with exactly `rules` there. */
  function account(name: string, rules: V1PolicyRule[]): Promise<KubeConfig> {
    return serviceAccountKubeConfig(c.kubeConfig, { namespace: c.namespace, name, rules });
  }

  function kubeconfigFile(name: string, kc: KubeConfig): string {
    const file = join(dir, `${name}.kubeconfig`);
    writeFileSync(file, kc.exportConfig());
    return file;
  }

  function plan(args: string[], kubeconfig = readerFile) {
    const { KUBERNETES_SERVICE_HOST: _inCluster, OPERON_WATCH_NAMESPACES: _watched, ...env } = process.env;
    return spawnSync(process.execPath, [bin, 'plan', ...args], {
      cwd: root,
      encoding: 'utf8',
      env: { ...env, KUBECONFIG: kubeconfig },
      timeout: 90_000,
    });
  }

  const block = (name: string, message: string) =>
    [
      `PlanDemo ${c.namespace}/${name} (operator plan-demo): would change`,
      `  ~ apply ConfigMap ${name}-config`,
      `      ~ data.greeting: "hello ${message}" → "hi ${message}"`,
      `      - data.mode: "v1"`,
      `  + create ConfigMap ${name}-extra`,
      `  - delete ConfigMap ${name}-legacy`,
      '  ~ status',
      `      ~ status.greeting: "hello ${message}" → "hi ${message}"`,
      '',
    ].join('\n');

  it('shows exactly which children v2 would touch, with a field diff, and exits 2', () => {
    const r = plan([v2, '-n', c.namespace]);
    assert.equal(r.status, 2, r.stdout + r.stderr);
    assert.equal(
      r.stdout,
      `${block('alpha', 'A')}\n${block('beta', 'B')}\n` +
        '2 parents: 2 would change, 0 unchanged, 0 errors; 2 creates, 2 updates, 2 deletes, 2 status writes\n',
    );
    assert.doesNotMatch(r.stdout, /Service/, 'the Service is the same in v1 and v2: not touched');
  });

  it('says the same for machines with --output json', () => {
    const r = plan([v2, '-n', c.namespace, '--output', 'json']);
    assert.equal(r.status, 2, r.stderr);
    const result = JSON.parse(r.stdout) as ClusterPlan;
    assert.deepEqual(result.summary, {
      parents: 2,
      changing: 2,
      unchanged: 0,
      errors: 0,
      creates: 2,
      updates: 2,
      recreates: 0,
      deletes: 2,
      heldDeletes: 0,
      conflicts: 0,
      statusChanges: 2,
    });
    const alpha = result.parents.find((p) => p.parent.name === 'alpha');
    assert.ok(alpha);
    assert.deepEqual(
      alpha.children.map((ch) => `${ch.action} ${ch.kind}/${ch.name}`),
      ['apply ConfigMap/alpha-config', 'create ConfigMap/alpha-extra', 'delete ConfigMap/alpha-legacy'],
    );
    assert.deepEqual((alpha.children[0] as PlannedUpdate).fields, [
      { path: 'data.greeting', op: 'change', from: 'hello A', to: 'hi A' },
      { path: 'data.mode', op: 'remove', from: 'v1' },
    ]);
    assert.deepEqual(alpha.status, [{ path: 'status.greeting', op: 'change', from: 'hello A', to: 'hi A' }]);
  });

  it('plans one parent with --parent', () => {
    const r = plan([v2, '-n', c.namespace, '--parent', `${c.namespace}/beta`]);
    assert.equal(r.status, 2, r.stderr);
    assert.equal(
      r.stdout,
      `${block('beta', 'B')}\n1 parent: 1 would change, 0 unchanged, 0 errors; 1 create, 1 update, 1 delete, 1 status write\n`,
    );
  });

  it('finds nothing to change when the running version is planned against itself, and exits 0', () => {
    const r = plan([v1, '-n', c.namespace]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.equal(
      r.stdout,
      'No changes: every parent is in the state the operators would make of it.\n\n' +
        '2 parents: 0 would change, 2 unchanged, 0 errors; 0 creates, 0 updates, 0 deletes\n',
    );
  });

  it('returns the same plan from planCluster, for CI to assert on', async () => {
    const result = await planCluster([new PlanDemoV2()], { kubeConfig: reader, namespaces: [c.namespace] });
    assert.equal(result.summary.changing, 2);
    assert.deepEqual(
      result.parents.map((p) => [p.parent.name, p.children.map((ch) => `${ch.action} ${ch.name}`)]),
      [
        ['alpha', ['apply alpha-config', 'create alpha-extra', 'delete alpha-legacy']],
        ['beta', ['apply beta-config', 'create beta-extra', 'delete beta-legacy']],
      ],
    );
    const unchanged = await planCluster([new PlanDemoV1()], {
      kubeConfig: reader,
      namespaces: [c.namespace],
    });
    assert.deepEqual(
      unchanged.parents.map((p) => p.outcome),
      ['unchanged', 'unchanged'],
    );
  });

  it('marks the deletes the deletion budget would hold when a version drops most children of an unchanged parent', async () => {
    const v1 = buildOperatorConfig(new PlanDemoV1());
    // A version that keeps only the Service: 2 of each converged parent's 3 children would go.
    const shrunk: OperatorConfig<unknown> = {
      ...v1,
      sync: async (req) => {
        const response = await v1.sync(req);
        return { ...response, children: response.children.filter((ch) => ch.kind === 'Service') };
      },
    };
    const options = { kubeConfig: reader, namespaces: [c.namespace], parents: [`${c.namespace}/alpha`] };
    const held = await planCluster([shrunk], options);
    const alpha = held.parents[0]!;
    assert.deepEqual(
      alpha.children.map((ch) => `${ch.action} ${ch.name} ${(ch as PlannedDelete).held}`),
      ['delete alpha-config true', 'delete alpha-legacy true'],
    );
    assert.equal(alpha.deletionsHeld?.rule, 'share');
    assert.deepEqual([held.summary.changing, held.summary.deletes, held.summary.heldDeletes], [1, 0, 2]);
    assert.ok(
      alpha.status.some((f) => f.path === 'status.conditions[type=Synced].reason' && f.to === 'DeletionHeld'),
    );
    const text = formatPlan(held);
    assert.match(text, /\n {2}- delete ConfigMap alpha-config \(held by the deletion budget\)\n/);
    assert.match(
      text,
      /\n {2}! deletions held by the deletion budget: sync no longer returns 2 of the 3 children/,
    );
    assert.match(text, new RegExp(`operon approve plandemo/alpha -n ${c.namespace}`));

    const off = await planCluster([shrunk], { ...options, deletionBudget: false });
    assert.deepEqual([off.summary.deletes, off.summary.heldDeletes], [2, 0]);
  });

  it('exits 1 naming what it may not read, when a list is forbidden', async () => {
    const kc = await account('plan-no-services', [
      { apiGroups: ['plan.example.com'], resources: ['plandemos'], verbs: READ_ONLY },
      { apiGroups: [''], resources: ['configmaps'], verbs: READ_ONLY },
    ]);
    const r = plan([v2, '-n', c.namespace], kubeconfigFile('plan-no-services', kc));
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.equal(r.stdout, '');
    assert.match(
      r.stderr,
      /^operon: The plan cannot read what the operators watch:\n {2}- Service \(v1\) in namespace/,
    );
    assert.match(
      r.stderr,
      /list is forbidden \(services is forbidden: User "system:serviceaccount:[^"]+:plan-no-services" cannot list/,
    );
    assert.match(r.stderr, /grant get, list and watch on it: operon plan needs nothing more\n$/);
  });

  it('exits 1 when the API server cannot be reached', () => {
    const file = join(dir, 'unreachable.kubeconfig');
    writeFileSync(
      file,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters: [{ name: gone, cluster: { server: "https://127.0.0.1:1", insecure-skip-tls-verify: true } }]',
        'users: [{ name: u, user: { token: t } }]',
        'contexts: [{ name: c, context: { cluster: gone, user: u } }]',
        'current-context: c',
        '',
      ].join('\n'),
    );
    const r = plan([v2, '-n', c.namespace], file);
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /Cannot reach the Kubernetes API server/);
  });

  it('exits 1, not 2, on a usage error', () => {
    const r = plan([v2, '--output', 'yaml']);
    assert.equal(r.status, 1, r.stderr);
    const missing = plan(['dist/test/fixtures/plan/missing.js']);
    assert.equal(missing.status, 1, missing.stderr);
    assert.match(missing.stderr, /Cannot find the entry module/);
  });

  it('sent no write request to the API server (its audit log)', async (t) => {
    if (!auditLog) return t.skip('the audit log exists only on the local test cluster');
    const writesBy = (name: string) =>
      readFileSync(auditLog, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as AuditEntry)
        .filter(
          (e) =>
            e.user.username === `system:serviceaccount:${c.namespace}:${name}` &&
            Date.parse(e.stageTimestamp) >= since,
        )
        .map((e) => `${e.verb} ${e.requestURI} ${e.responseStatus?.code}`);
    // The control: a write a read-only account attempts is refused, and the log records it.
    const control = new ApiClient(await account('plan-control', []), 'control');
    await assert.rejects(
      control.request({ method: 'POST', path: `/api/v1/namespaces/${c.namespace}/configmaps`, body: {} }),
      /Forbidden/,
    );
    control.close();
    assert.deepEqual(writesBy('plan-control'), [`create /api/v1/namespaces/${c.namespace}/configmaps 403`]);
    // operon plan (the CLI runs and planCluster) sent none, allowed or refused.
    assert.deepEqual(writesBy('plan-reader'), []);
    assert.deepEqual(writesBy('plan-no-services'), []);
  });
});
