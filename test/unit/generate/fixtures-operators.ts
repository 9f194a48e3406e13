// Operator classes and configs for the generation tests; they are read, never run.
import type { V1ConfigMap, V1Pod, V1Service } from '@kubernetes/client-node';
import { IsString } from 'class-validator';
import { Child, Finalize, Operator, Sync } from '../../../src/decorators/index.js';
import { ClusterRole, ConfigMap, Pod, Secret, Service, ServiceAccount } from '../../../src/types/builtins.js';
import { customResource } from '../../../src/types/custom-resource.js';
import { resourceType } from '../../../src/types/resource-type.js';
import type { ChildRef, FinalizeResponse, SyncResponse } from '../../../src/types/sync.js';
import { KitchenSpec, KitchenStatus } from './fixtures.js';

export class EchoSpec {
  @IsString() message!: string;
}

export const Echo = customResource({
  group: 'example.com',
  version: 'v1alpha1',
  kind: 'Echo',
  spec: EchoSpec,
  shortNames: ['ec'],
  categories: ['examples'],
  printerColumns: [{ name: 'Message', type: 'string', jsonPath: '.spec.message', priority: 1 }],
});

/** A service nobody binds or builds: constructing it fails. */
export class Unavailable {
  constructor() {
    throw new Error('Unavailable must never be constructed by generation');
  }
}

/** One child type per strategy, and a finalizer. Its dependency cannot be built: it must never run. */
@Operator({ parent: Echo })
export class EchoOperator {
  @Child(Pod, 'recreate') pods!: ChildRef<V1Pod>;
  @Child(Service, 'replace') services!: ChildRef<V1Service>;
  @Child(ConfigMap, 'apply') configMaps!: ChildRef<V1ConfigMap>;
  @Child(Secret, 'on-delete') secrets!: ChildRef;

  constructor(readonly dependency: Unavailable) {}

  @Sync() sync(): SyncResponse {
    return { children: [] };
  }

  @Finalize() finalize(): FinalizeResponse {
    return { finalized: true };
  }
}

/** A cluster-scoped parent with a cluster-scoped child, and no finalizer. */
@Operator({ group: 'example.com', version: 'v1', kind: 'Tenant', namespaced: false, name: 'tenant' })
export class TenantOperator {
  @Child(ClusterRole) roles!: ChildRef;
  @Sync() sync(): SyncResponse {
    return { children: [] };
  }
}

/** Shares ConfigMaps with EchoOperator, with another strategy. */
export const kitchenConfig = {
  name: 'kitchen',
  parent: {
    type: customResource({ group: 'example.com', version: 'v1', kind: 'Kitchen', spec: KitchenSpec }),
    status: KitchenStatus,
  },
  children: [
    { type: ConfigMap, strategy: 'replace' as const },
    { type: ServiceAccount, strategy: 'on-delete' as const },
  ],
  sync: (): SyncResponse => ({ children: [] }),
};

/** A parent described as a plain resource type: its CRD is someone else's. */
export const foreignConfig = {
  name: 'foreign',
  parent: { type: resourceType({ group: 'cert-manager.io', version: 'v1', kind: 'Certificate' }) },
  children: [],
  sync: (): SyncResponse => ({ children: [] }),
};
