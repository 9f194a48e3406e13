// `operon crd` and `operon manifests` output for the EchoServer example, applied to the real API server.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { EchoServerOperator } from '../../examples/echo-server/echo-server.js';
import { generateCrds } from '../../src/generate/crd.js';
import { declarationsFromClasses } from '../../src/generate/from-classes.js';
import { applyObjects, installCrds } from '../../src/testkit/install.js';
import type { KubeObject } from '../../src/types/kube-object.js';
import { type TestCluster, useTestCluster } from '../support/cluster.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const example = 'dist/examples/echo-server/echo-server.js';

function operon(...args: string[]): KubeObject[] {
  const r = spawnSync(process.execPath, [join(root, 'bin', 'operon.js'), ...args], {
    cwd: root,
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  return parseAllDocuments(r.stdout, { version: '1.1' }).map((d) => d.toJSON() as KubeObject);
}

describe('operon manifests for the EchoServer example', () => {
  let c: TestCluster;
  before(async () => {
    c = await useTestCluster('cli-man');
  });
  after(async () => {
    // The real apply below leaves cluster-scoped roles that the namespace's deletion does not take.
    const rbac = '/apis/rbac.authorization.k8s.io/v1';
    for (const path of [
      `${rbac}/clusterroles/echo-server`,
      `${rbac}/clusterroles/echo-server-metrics-reader`,
      `${rbac}/clusterrolebindings/echo-server`,
    ])
      await c.api.request({ method: 'DELETE', path }).catch(() => undefined);
    await c.cleanup();
  });

  it('`operon crd` prints exactly the generated CRD, and the API server accepts it', async () => {
    const printed = operon('crd', example);
    assert.deepEqual(
      printed,
      JSON.parse(JSON.stringify(generateCrds(declarationsFromClasses([EchoServerOperator])))),
    );
    await installCrds(c.kubeConfig, printed);
  });

  it('applies cleanly with a server-side dry run: CRD, ServiceAccount, ClusterRole, binding, metrics reader, Deployment', async () => {
    const objects = operon(
      'manifests',
      example,
      '--image',
      'ghcr.io/example/echo-server:1.0',
      '--namespace',
      c.namespace,
      '--name',
      `${c.namespace}-echo`,
      '--create-namespace',
    );
    assert.deepEqual(
      objects.map((o) => o.kind),
      [
        'Namespace',
        'CustomResourceDefinition',
        'ServiceAccount',
        'ClusterRole',
        'ClusterRoleBinding',
        'ClusterRole',
        'Deployment',
      ],
    );
    assert.equal(objects.at(-2)?.metadata?.name, `${c.namespace}-echo-metrics-reader`);
    const applied = await applyObjects(c.kubeConfig, objects, { dryRun: true });
    assert.deepEqual(
      applied.map((o) => `${o.kind}/${o.metadata?.name}`),
      objects.map((o) => `${o.kind}/${o.metadata?.name}`),
    );
    const deployment = applied.at(-1) as KubeObject & {
      spec: { template: { spec: { serviceAccountName: string } } };
    };
    assert.equal(deployment.spec.template.spec.serviceAccountName, `${c.namespace}-echo`);
    // A dry run stores nothing.
    await assert.rejects(
      c.api.request({
        method: 'GET',
        path: `/apis/apps/v1/namespaces/${c.namespace}/deployments/${c.namespace}-echo`,
      }),
      /404|NotFound/,
    );
  });

  it('applies for real with watched namespaces and leader election: Roles, Lease Role, review ClusterRole, Deployment', async () => {
    const objects = operon(
      'manifests',
      example,
      '-i',
      'ghcr.io/example/echo-server:1.0',
      '-n',
      c.namespace,
      '-w',
      c.namespace,
      '--leader-election',
    );
    assert.deepEqual(
      objects.map((o) => o.kind),
      [
        'CustomResourceDefinition',
        'ServiceAccount',
        'Role',
        'ClusterRole',
        'Role',
        'RoleBinding',
        'ClusterRoleBinding',
        'RoleBinding',
        'ClusterRole',
        'Deployment',
      ],
    );
    const applied = await applyObjects(c.kubeConfig, objects);
    assert.equal(applied.length, objects.length);
    const stored = await c.api.request<
      KubeObject & {
        spec: {
          replicas: number;
          template: {
            spec: {
              containers: {
                env: unknown[];
                command: string[];
                ports: unknown[];
                readinessProbe?: { httpGet: { scheme?: string } };
              }[];
            };
          };
        };
      }
    >({
      method: 'GET',
      path: `/apis/apps/v1/namespaces/${c.namespace}/deployments/echo-server`,
    });
    assert.deepEqual(stored.spec.template.spec.containers[0]?.env, [
      {
        name: 'POD_NAMESPACE',
        valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } },
      },
      { name: 'OPERON_WATCH_NAMESPACES', value: c.namespace },
    ]);
    assert.equal(stored.spec.replicas, 2);
    assert.equal(stored.spec.template.spec.containers[0]?.command.at(-1), '--leader-elect');
    // Secure metrics on 8443 (HTTPS), probes on 8081 (HTTP), as `operon run` serves them by default.
    assert.deepEqual(stored.spec.template.spec.containers[0]?.ports, [
      { name: 'metrics', containerPort: 8443, protocol: 'TCP' },
      { name: 'probes', containerPort: 8081, protocol: 'TCP' },
    ]);
    assert.equal(stored.spec.template.spec.containers[0]?.readinessProbe?.httpGet.scheme, 'HTTP');
    const reviews = await c.api.request<{
      rules: { apiGroups: string[]; resources: string[]; verbs: string[] }[];
    }>({ method: 'GET', path: '/apis/rbac.authorization.k8s.io/v1/clusterroles/echo-server' });
    assert.deepEqual(reviews.rules, [
      { apiGroups: ['authentication.k8s.io'], resources: ['tokenreviews'], verbs: ['create'] },
      { apiGroups: ['authorization.k8s.io'], resources: ['subjectaccessreviews'], verbs: ['create'] },
    ]);
    const lease = await c.api.request<{ rules: { resources: string[] }[] }>({
      method: 'GET',
      path: `/apis/rbac.authorization.k8s.io/v1/namespaces/${c.namespace}/roles/echo-server-leader-election`,
    });
    assert.deepEqual(lease.rules[0]?.resources, ['leases']);
  });
});
