// Unit tests of the Tenant's sync logic, and of what Operon makes of its children: none of them
// can be owned by the namespaced Tenant, so each is tracked by the Tenant's UID label instead.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describePlan, planSync, runSync } from 'operon/testkit';
import { TenantOperator } from './tenant.js';

const parent = (admins: string[] = ['alice']) => ({
  metadata: { name: 'acme', namespace: 'platform', uid: 'tenant-uid' },
  spec: { admins, quota: { cpu: '4', memory: '8Gi' } },
});

describe('the tenant example', () => {
  it('asks for a Namespace, a ResourceQuota inside it, and a ClusterRoleBinding for its admins', async () => {
    const res = await runSync(new TenantOperator(), { parent: parent() });
    assert.deepEqual(
      res.children.map((c) => `${c.kind}/${c.metadata?.namespace ?? '-'}/${c.metadata?.name}`),
      [
        'Namespace/-/tenant-acme',
        'ResourceQuota/tenant-acme/tenant-quota',
        'ClusterRoleBinding/-/tenant-platform-acme-view',
      ],
    );
    assert.equal(res.status?.namespace, 'tenant-acme');
  });

  it('marks every child with the Tenant’s UID instead of an owner reference', async () => {
    const { plan, desired } = await planSync(new TenantOperator(), { parent: parent() });
    assert.deepEqual(describePlan(plan), [
      'create Namespace/tenant-acme',
      'create ResourceQuota/tenant-quota',
      'create ClusterRoleBinding/tenant-platform-acme-view',
    ]);
    for (const child of desired) {
      assert.equal(child.metadata.ownerReferences, undefined, `${child.kind} has no owner reference`);
      assert.equal(child.metadata.labels?.['operon.dev/parent-uid'], 'tenant-uid');
      assert.equal(child.metadata.annotations?.['operon.dev/parent'], 'platform/acme');
    }
  });

  it('deletes the ClusterRoleBinding once no admin is left', async () => {
    const first = await planSync(new TenantOperator(), { parent: parent() });
    const next = await planSync(new TenantOperator(), { parent: parent([]), children: first.desired });
    assert.deepEqual(describePlan(next.plan), ['delete ClusterRoleBinding/tenant-platform-acme-view']);
  });

  it('refuses a quota that is not a quantity, before sync runs', async () => {
    await assert.rejects(
      runSync(new TenantOperator(), {
        parent: { ...parent(), spec: { admins: [], quota: { cpu: 'lots', memory: '1Gi' } } },
      }),
      /spec\.quota\.cpu: cpu must match/,
    );
  });
});
