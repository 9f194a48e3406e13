import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { declarationsFromClasses } from '../../../src/generate/from-classes.js';
import { type Permission, requiredPermissions, STRATEGY_VERBS } from '../../../src/generate/permissions.js';
import { Child, type ChildRef, Operator, Sync, type SyncResponse } from '../../../src/index.js';
import { Namespace } from '../../../src/types/builtins.js';
import { EchoOperator, kitchenConfig, TenantOperator } from './fixtures-operators.js';

/** A namespaced parent with a cluster-scoped child it cannot own (Operon tracks it), no finalize. */
@Operator({ group: 'example.com', version: 'v1', kind: 'Project', name: 'project' })
class ProjectOperator {
  @Child(Namespace) namespaces!: ChildRef;
  @Sync() sync(): SyncResponse {
    return { children: [] };
  }
}

const table = (ps: Permission[]) =>
  Object.fromEntries(ps.map((p) => [`${p.scope} ${p.group || 'core'} ${p.resource}`, p.verbs.join(',')]));

describe('requiredPermissions', () => {
  it('gives each child type exactly the verbs of its strategy', () => {
    assert.deepEqual(STRATEGY_VERBS, {
      apply: ['get', 'list', 'watch', 'create', 'patch', 'delete'],
      replace: ['get', 'list', 'watch', 'create', 'update', 'delete'],
      recreate: ['get', 'list', 'watch', 'create', 'delete'],
      'on-delete': ['get', 'list', 'watch', 'create', 'delete'],
    });
    const t = table(requiredPermissions(declarationsFromClasses([EchoOperator])));
    assert.equal(t['watched core pods'], 'get,list,watch,create,delete'); // recreate
    assert.equal(t['watched core services'], 'get,list,watch,create,update,delete'); // replace
    assert.equal(t['watched core configmaps'], 'get,list,watch,create,patch,delete'); // apply
    assert.equal(t['watched core secrets'], 'get,list,watch,create,delete'); // on-delete
  });

  it('grants patch on the parent only to an operator with a finalizer', () => {
    const [echo, tenant] = declarationsFromClasses([EchoOperator, TenantOperator]);
    const withFinalizer = table(requiredPermissions([echo!]));
    assert.equal(withFinalizer['watched example.com echos'], 'get,list,watch,patch');
    const without = table(requiredPermissions([tenant!]));
    assert.equal(without['cluster example.com tenants'], 'get,list,watch');
  });

  it('grants patch on a namespaced parent with a cluster-scoped child (Operon holds it with its finalizer)', () => {
    const [project] = declarationsFromClasses([ProjectOperator]);
    const t = table(requiredPermissions([project!]));
    assert.equal(t['watched example.com projects'], 'get,list,watch,patch');
    assert.equal(t['cluster core namespaces'], 'get,list,watch,create,patch,delete');
  });

  it('grants the status and finalizers subresources, and Events', () => {
    const t = table(requiredPermissions(declarationsFromClasses([EchoOperator]), { secureMetrics: false }));
    assert.equal(t['watched example.com echos/status'], 'patch');
    assert.equal(t['watched example.com echos/finalizers'], 'update');
    assert.equal(t['watched core events'], 'create,patch');
    assert.equal(
      Object.keys(t).length,
      8,
      'parent, status, finalizers, four child types, events: nothing else',
    );
  });

  it('scopes cluster-scoped types (and the Events of cluster-scoped parents) cluster-wide', () => {
    const t = table(requiredPermissions(declarationsFromClasses([TenantOperator])));
    assert.equal(t['cluster rbac.authorization.k8s.io clusterroles'], 'get,list,watch,create,patch,delete');
    assert.equal(t['cluster core events'], 'create,patch');
  });

  it('merges the verbs of operators that share a child type', () => {
    const t = table(requiredPermissions([...declarationsFromClasses([EchoOperator]), kitchenConfig]));
    assert.equal(t['watched core configmaps'], 'get,list,watch,create,update,patch,delete');
  });

  it('adds Leases in the own namespace only with leader election', () => {
    const configs = declarationsFromClasses([EchoOperator]);
    assert.equal(table(requiredPermissions(configs))['own coordination.k8s.io leases'], undefined);
    assert.equal(
      table(requiredPermissions(configs, { leaderElection: true }))['own coordination.k8s.io leases'],
      'get,create,update',
    );
  });

  it('adds the TokenReview and SubjectAccessReview of secure metrics, cluster-wide, unless turned off', () => {
    const configs = declarationsFromClasses([EchoOperator]);
    const on = table(requiredPermissions(configs));
    assert.equal(on['cluster authentication.k8s.io tokenreviews'], 'create');
    assert.equal(on['cluster authorization.k8s.io subjectaccessreviews'], 'create');
    const off = table(requiredPermissions(configs, { secureMetrics: false }));
    assert.equal(off['cluster authentication.k8s.io tokenreviews'], undefined);
    assert.equal(off['cluster authorization.k8s.io subjectaccessreviews'], undefined);
    assert.equal(Object.keys(on).length, Object.keys(off).length + 2);
  });

  it('says why each permission is needed', () => {
    const pods = requiredPermissions(declarationsFromClasses([EchoOperator])).find(
      (p) => p.resource === 'pods',
    );
    assert.deepEqual(pods?.why, ['operator echo owns Pod (recreate)']);
  });
});
