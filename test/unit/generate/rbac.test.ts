import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1PolicyRule } from '@kubernetes/client-node';
import { declarationsFromClasses } from '../../../src/generate/from-classes.js';
import { generateRbac, metricsReaderRole, toPolicyRules } from '../../../src/generate/rbac.js';
import type { KubeObject } from '../../../src/types/kube-object.js';
import { EchoOperator, TenantOperator } from './fixtures-operators.js';

type Role = KubeObject & { rules: V1PolicyRule[] };
type Binding = KubeObject & {
  roleRef: { kind: string; name: string };
  subjects: { name: string; namespace: string }[];
};
const ids = (objects: KubeObject[]) =>
  objects.map((o) => `${o.kind} ${o.metadata?.namespace ?? '-'}/${o.metadata?.name}`);

describe('generateRbac', () => {
  const echo = declarationsFromClasses([EchoOperator]);

  it('makes a ServiceAccount, a ClusterRole and its binding by default', () => {
    const objects = generateRbac(echo, { name: 'echo', namespace: 'ops' });
    assert.deepEqual(ids(objects), [
      'ServiceAccount ops/echo',
      'ClusterRole -/echo',
      'ClusterRoleBinding -/echo',
    ]);
    assert.deepEqual(
      (objects[1] as Role).rules.filter((r) => r.apiGroups?.[0]?.endsWith('.k8s.io')),
      [
        { apiGroups: ['authentication.k8s.io'], resources: ['tokenreviews'], verbs: ['create'] },
        { apiGroups: ['authorization.k8s.io'], resources: ['subjectaccessreviews'], verbs: ['create'] },
      ],
      'what secure metrics need to review scrapers',
    );
    const binding = objects[2] as Binding;
    assert.deepEqual(binding.roleRef, {
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'ClusterRole',
      name: 'echo',
    });
    assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: 'echo', namespace: 'ops' }]);
  });

  it('with watched namespaces, grants namespaced permissions by a Role in each of them', () => {
    const objects = generateRbac(echo, {
      name: 'echo',
      namespace: 'ops',
      watchNamespaces: ['a', 'b'],
      secureMetrics: false,
    });
    assert.deepEqual(ids(objects), [
      'ServiceAccount ops/echo',
      'Role a/echo',
      'Role b/echo',
      'RoleBinding a/echo',
      'RoleBinding b/echo',
    ]);
  });

  it('with watched namespaces and secure metrics, grants the (cluster-scoped) reviews by a ClusterRole', () => {
    const objects = generateRbac(echo, { name: 'echo', namespace: 'ops', watchNamespaces: ['a'] });
    assert.deepEqual(ids(objects), [
      'ServiceAccount ops/echo',
      'Role a/echo',
      'ClusterRole -/echo',
      'RoleBinding a/echo',
      'ClusterRoleBinding -/echo',
    ]);
    assert.deepEqual(
      (objects[2] as Role).rules.map((r) => r.resources?.[0]),
      ['tokenreviews', 'subjectaccessreviews'],
    );
  });

  it('still needs a ClusterRole for cluster-scoped types when namespaces are watched', () => {
    const objects = generateRbac(declarationsFromClasses([EchoOperator, TenantOperator]), {
      name: 'app',
      namespace: 'ops',
      watchNamespaces: ['a'],
    });
    const cluster = objects.find((o) => o.kind === 'ClusterRole') as Role;
    const resources = cluster.rules.flatMap((r) => r.resources);
    assert.ok(resources.includes('clusterroles') && resources.includes('tenants'));
    assert.ok(!resources.includes('pods'), 'namespaced permissions stay in the Roles');
  });

  it('puts the leader-election Lease rule in a Role in the own namespace', () => {
    const objects = generateRbac(echo, { name: 'echo', namespace: 'ops', leaderElection: true });
    const lease = objects.find(
      (o) => o.metadata?.name === 'echo-leader-election' && o.kind === 'Role',
    ) as Role;
    assert.equal(lease.metadata?.namespace, 'ops');
    assert.deepEqual(lease.rules, [
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] },
    ]);
  });

  it('can leave the ServiceAccount out', () => {
    const objects = generateRbac(echo, { name: 'echo', namespace: 'ops', serviceAccount: false });
    assert.equal(
      objects.some((o) => o.kind === 'ServiceAccount'),
      false,
    );
  });
});

describe('metricsReaderRole', () => {
  it('is the ClusterRole a scraper needs for secure metrics: get on /metrics, as kubebuilder scaffolds', () => {
    assert.deepEqual(metricsReaderRole('echo'), {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: {
        name: 'echo-metrics-reader',
        labels: { 'app.kubernetes.io/name': 'echo', 'app.kubernetes.io/managed-by': 'operon' },
      },
      rules: [{ nonResourceURLs: ['/metrics'], verbs: ['get'] }],
    });
  });
});

describe('toPolicyRules', () => {
  it('merges resources of one group with the same verbs, never widening a grant', () => {
    const rules = toPolicyRules([
      { group: '', resource: 'pods', scope: 'watched', verbs: ['get', 'list'], why: [] },
      { group: '', resource: 'secrets', scope: 'watched', verbs: ['get', 'list'], why: [] },
      { group: '', resource: 'configmaps', scope: 'watched', verbs: ['get'], why: [] },
      { group: 'apps', resource: 'deployments', scope: 'watched', verbs: ['get', 'list'], why: [] },
    ]);
    assert.deepEqual(rules, [
      { apiGroups: [''], resources: ['configmaps'], verbs: ['get'] },
      { apiGroups: [''], resources: ['pods', 'secrets'], verbs: ['get', 'list'] },
      { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'list'] },
    ]);
  });
});
