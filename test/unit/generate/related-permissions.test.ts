// Related types get read-only permissions (get, list, watch) in RBAC and in the permission check,
// scoped like any other type, and merged with what a child of the same type needs.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1Secret } from '@kubernetes/client-node';
import { Child, Operator, Related, Sync } from '../../../src/decorators/index.js';
import { declarationsFromClasses } from '../../../src/generate/from-classes.js';
import { type Permission, RELATED_VERBS, requiredPermissions } from '../../../src/generate/permissions.js';
import { generateRbac } from '../../../src/generate/rbac.js';
import { ConfigMap, Namespace, Secret } from '../../../src/types/builtins.js';
import { customResource } from '../../../src/types/custom-resource.js';
import type { KubeObject } from '../../../src/types/kube-object.js';
import type { RelatedRef } from '../../../src/types/related.js';
import type { ChildRef, Parent, SyncResponse } from '../../../src/types/sync.js';

const Database = customResource<{ secret: string }>({
  group: 'example.com',
  version: 'v1',
  kind: 'Database',
});

@Operator({ parent: Database, name: 'db' })
class DatabaseOperator {
  @Related(Secret, (db: Parent<{ secret: string }>) => ({ name: db.spec.secret }))
  password!: RelatedRef<V1Secret>;
  @Related(Namespace, () => ({ name: 'shared' })) namespace!: RelatedRef;
  @Child(ConfigMap) config!: ChildRef;
  @Sync() sync(): SyncResponse {
    return { children: [] };
  }
}

@Operator({ parent: customResource({ group: 'example.com', version: 'v1', kind: 'Vault' }), name: 'vault' })
class VaultOperator {
  @Child(Secret, 'on-delete') secrets!: ChildRef<V1Secret>;
  @Sync() sync(): SyncResponse {
    return { children: [] };
  }
}

const table = (ps: Permission[]) =>
  Object.fromEntries(ps.map((p) => [`${p.scope} ${p.group || 'core'} ${p.resource}`, p.verbs.join(',')]));

describe('permissions of related types', () => {
  it('grants get, list and watch, where the type lives, and says why', () => {
    assert.deepEqual(RELATED_VERBS, ['get', 'list', 'watch']);
    const ps = requiredPermissions(declarationsFromClasses([DatabaseOperator]), { secureMetrics: false });
    const t = table(ps);
    assert.equal(t['watched core secrets'], 'get,list,watch');
    assert.equal(t['cluster core namespaces'], 'get,list,watch');
    assert.deepEqual(ps.find((p) => p.resource === 'secrets')?.why, [
      "operator db reads related Secret (@Related 'password')",
    ]);
  });

  it('merges with the verbs of another operator that owns the type as a child', () => {
    const t = table(requiredPermissions(declarationsFromClasses([DatabaseOperator, VaultOperator])));
    assert.equal(t['watched core secrets'], 'get,list,watch,create,delete');
  });

  it('puts related namespaced types in the Role of each watched namespace', () => {
    const objects = generateRbac(declarationsFromClasses([DatabaseOperator]), {
      name: 'db',
      namespace: 'ops',
      watchNamespaces: ['a'],
      secureMetrics: false,
    }) as (KubeObject & { rules?: { resources: string[]; verbs: string[] }[] })[];
    const role = objects.find((o) => o.kind === 'Role');
    const clusterRole = objects.find((o) => o.kind === 'ClusterRole');
    assert.ok(
      role?.rules?.some((r) => r.resources.includes('secrets') && r.verbs.join() === 'get,list,watch'),
    );
    assert.ok(clusterRole?.rules?.some((r) => r.resources.includes('namespaces')));
    assert.ok(
      !clusterRole?.rules?.some((r) => r.resources.includes('secrets')),
      'no cluster-wide Secret read',
    );
  });
});
