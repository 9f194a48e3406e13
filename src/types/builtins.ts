import type {
  V1ClusterRole,
  V1ClusterRoleBinding,
  V1ConfigMap,
  V1CronJob,
  V1DaemonSet,
  V1Deployment,
  V1Ingress,
  V1Job,
  V1Lease,
  V1LimitRange,
  V1Namespace,
  V1NetworkPolicy,
  V1PersistentVolumeClaim,
  V1Pod,
  V1PodDisruptionBudget,
  V1ReplicaSet,
  V1ResourceQuota,
  V1Role,
  V1RoleBinding,
  V1Secret,
  V1Service,
  V1ServiceAccount,
  V1StatefulSet,
  V2HorizontalPodAutoscaler,
} from '@kubernetes/client-node';
import { resourceType } from './resource-type.js';

// The common built-in kinds, typed by client-node's models. Anything else is one `resourceType()` away.

export const Pod = resourceType<V1Pod>({ version: 'v1', kind: 'Pod' });
export const Service = resourceType<V1Service>({ version: 'v1', kind: 'Service' });
export const ConfigMap = resourceType<V1ConfigMap>({ version: 'v1', kind: 'ConfigMap' });
export const Secret = resourceType<V1Secret>({ version: 'v1', kind: 'Secret' });
export const ServiceAccount = resourceType<V1ServiceAccount>({ version: 'v1', kind: 'ServiceAccount' });
export const PersistentVolumeClaim = resourceType<V1PersistentVolumeClaim>({
  version: 'v1',
  kind: 'PersistentVolumeClaim',
});
export const Namespace = resourceType<V1Namespace>({ version: 'v1', kind: 'Namespace', namespaced: false });
export const ResourceQuota = resourceType<V1ResourceQuota>({ version: 'v1', kind: 'ResourceQuota' });
export const LimitRange = resourceType<V1LimitRange>({ version: 'v1', kind: 'LimitRange' });

export const Deployment = resourceType<V1Deployment>({ group: 'apps', version: 'v1', kind: 'Deployment' });
export const StatefulSet = resourceType<V1StatefulSet>({ group: 'apps', version: 'v1', kind: 'StatefulSet' });
export const DaemonSet = resourceType<V1DaemonSet>({ group: 'apps', version: 'v1', kind: 'DaemonSet' });
export const ReplicaSet = resourceType<V1ReplicaSet>({ group: 'apps', version: 'v1', kind: 'ReplicaSet' });

export const Job = resourceType<V1Job>({ group: 'batch', version: 'v1', kind: 'Job' });
export const CronJob = resourceType<V1CronJob>({ group: 'batch', version: 'v1', kind: 'CronJob' });

export const Ingress = resourceType<V1Ingress>({
  group: 'networking.k8s.io',
  version: 'v1',
  kind: 'Ingress',
});
export const NetworkPolicy = resourceType<V1NetworkPolicy>({
  group: 'networking.k8s.io',
  version: 'v1',
  kind: 'NetworkPolicy',
  plural: 'networkpolicies',
});

export const Role = resourceType<V1Role>({ group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'Role' });
export const RoleBinding = resourceType<V1RoleBinding>({
  group: 'rbac.authorization.k8s.io',
  version: 'v1',
  kind: 'RoleBinding',
});
export const ClusterRole = resourceType<V1ClusterRole>({
  group: 'rbac.authorization.k8s.io',
  version: 'v1',
  kind: 'ClusterRole',
  namespaced: false,
});
export const ClusterRoleBinding = resourceType<V1ClusterRoleBinding>({
  group: 'rbac.authorization.k8s.io',
  version: 'v1',
  kind: 'ClusterRoleBinding',
  namespaced: false,
});

export const PodDisruptionBudget = resourceType<V1PodDisruptionBudget>({
  group: 'policy',
  version: 'v1',
  kind: 'PodDisruptionBudget',
});
export const HorizontalPodAutoscaler = resourceType<V2HorizontalPodAutoscaler>({
  group: 'autoscaling',
  version: 'v2',
  kind: 'HorizontalPodAutoscaler',
});
export const Lease = resourceType<V1Lease>({ group: 'coordination.k8s.io', version: 'v1', kind: 'Lease' });
