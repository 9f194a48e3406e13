// A Tenant (namespaced, in the platform team's namespace) gets its own Namespace, a ResourceQuota
// inside it, and a ClusterRoleBinding that lets its admins read the cluster. None of the three can
// carry an owner reference to the Tenant (one is in another namespace, two are cluster-scoped), so
// the garbage collector cannot remove them: Operon tracks them by a label with the Tenant's UID,
// holds the Tenant with its finalizer, and deletes them itself when the Tenant goes.
import type { V1ClusterRoleBinding, V1Namespace, V1ResourceQuota } from '@kubernetes/client-node';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsOptional, IsString, Matches, MaxLength, ValidateNested } from 'class-validator';
import {
  Child,
  type ChildRef,
  customResource,
  Operator,
  type Parent,
  Sync,
  type SyncRequest,
  type SyncResponse,
} from 'operon';
import { ClusterRoleBinding, Namespace, ResourceQuota } from 'operon/types';

export class TenantQuota {
  /** CPU requests the tenant's namespace may hold in total, e.g. `4`. */
  @IsString()
  @Matches(/^[0-9]+m?$/)
  cpu!: string;

  /** Memory requests in total, e.g. `8Gi`. */
  @IsString()
  @Matches(/^[0-9]+(Ki|Mi|Gi|Ti)?$/)
  memory!: string;
}

export class TenantSpec {
  /** The namespace to create; defaults to `tenant-<name>`. */
  @IsOptional()
  @IsString()
  @MaxLength(63)
  @Matches(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/)
  namespace?: string;

  /** Users who may read the whole cluster (bound to the built-in `view` ClusterRole). */
  @IsString({ each: true })
  @ArrayMaxSize(20)
  admins: string[] = [];

  @ValidateNested()
  @Type(() => TenantQuota)
  quota!: TenantQuota;
}

export interface TenantStatus {
  /** The tenant's namespace. */
  namespace: string;
}

export const TenantResource = customResource<TenantSpec, TenantStatus>({
  group: 'example.com',
  version: 'v1alpha1',
  kind: 'Tenant',
  spec: TenantSpec,
  printerColumns: [{ name: 'Namespace', type: 'string', jsonPath: '.status.namespace' }],
});

/** The namespace a Tenant gets. */
export function tenantNamespace(tenant: Parent<TenantSpec>): string {
  return tenant.spec.namespace ?? `tenant-${tenant.metadata.name}`;
}

@Operator({ parent: TenantResource })
export class TenantOperator {
  @Child(Namespace) namespaces!: ChildRef<V1Namespace>;
  @Child(ResourceQuota) quotas!: ChildRef<V1ResourceQuota>;
  @Child(ClusterRoleBinding) viewers!: ChildRef<V1ClusterRoleBinding>;

  @Sync()
  sync(req: SyncRequest<TenantSpec>): SyncResponse<TenantStatus> {
    const tenant = req.parent;
    const namespace = tenantNamespace(tenant);
    const labels = { 'example.com/tenant': tenant.metadata.name };
    const children = [
      this.namespaces.desired({ metadata: { name: namespace, labels } }),
      // In the tenant's namespace, not the Tenant's: Operon writes it after the Namespace.
      this.quotas.desired({
        metadata: { name: 'tenant-quota', namespace, labels },
        spec: {
          hard: { 'requests.cpu': tenant.spec.quota.cpu, 'requests.memory': tenant.spec.quota.memory },
        },
      }),
    ];
    if (tenant.spec.admins.length > 0) {
      children.push(
        this.viewers.desired({
          // Cluster-wide names: the Tenant's namespace and name keep two Tenants' bindings apart.
          metadata: { name: `tenant-${tenant.metadata.namespace}-${tenant.metadata.name}-view`, labels },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
          subjects: tenant.spec.admins.map((name) => ({
            apiGroup: 'rbac.authorization.k8s.io',
            kind: 'User',
            name,
          })),
        }),
      );
    }
    return { children, status: { namespace } };
  }
}
