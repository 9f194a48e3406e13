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

/** The `Pod` kind (`v1`), typed as client-node's `V1Pod`. */
export const Pod = resourceType<V1Pod>({ version: 'v1', kind: 'Pod' });
/** The `Service` kind (`v1`), typed as client-node's `V1Service`. */
export const Service = resourceType<V1Service>({ version: 'v1', kind: 'Service' });
/** The `ConfigMap` kind (`v1`), typed as client-node's `V1ConfigMap`. */
export const ConfigMap = resourceType<V1ConfigMap>({ version: 'v1', kind: 'ConfigMap' });
/** The `Secret` kind (`v1`), typed as client-node's `V1Secret`. */
export const Secret = resourceType<V1Secret>({ version: 'v1', kind: 'Secret' });
/** The `ServiceAccount` kind (`v1`), typed as client-node's `V1ServiceAccount`. */
export const ServiceAccount = resourceType<V1ServiceAccount>({ version: 'v1', kind: 'ServiceAccount' });
/** The `PersistentVolumeClaim` kind (`v1`), typed as client-node's `V1PersistentVolumeClaim`. */
export const PersistentVolumeClaim = resourceType<V1PersistentVolumeClaim>({
  version: 'v1',
  kind: 'PersistentVolumeClaim',
});
/** The `Namespace` kind (`v1`, cluster-scoped), typed as client-node's `V1Namespace`. */
export const Namespace = resourceType<V1Namespace>({ version: 'v1', kind: 'Namespace', namespaced: false });
/** The `ResourceQuota` kind (`v1`), typed as client-node's `V1ResourceQuota`. */
export const ResourceQuota = resourceType<V1ResourceQuota>({ version: 'v1', kind: 'ResourceQuota' });
/** The `LimitRange` kind (`v1`), typed as client-node's `V1LimitRange`. */
export const LimitRange = resourceType<V1LimitRange>({ version: 'v1', kind: 'LimitRange' });

/** The `Deployment` kind (`apps/v1`), typed as client-node's `V1Deployment`. */
export const Deployment = resourceType<V1Deployment>({ group: 'apps', version: 'v1', kind: 'Deployment' });
/** The `StatefulSet` kind (`apps/v1`), typed as client-node's `V1StatefulSet`. */
export const StatefulSet = resourceType<V1StatefulSet>({ group: 'apps', version: 'v1', kind: 'StatefulSet' });
/** The `DaemonSet` kind (`apps/v1`), typed as client-node's `V1DaemonSet`. */
export const DaemonSet = resourceType<V1DaemonSet>({ group: 'apps', version: 'v1', kind: 'DaemonSet' });
/** The `ReplicaSet` kind (`apps/v1`), typed as client-node's `V1ReplicaSet`. */
export const ReplicaSet = resourceType<V1ReplicaSet>({ group: 'apps', version: 'v1', kind: 'ReplicaSet' });

/** The `Job` kind (`batch/v1`), typed as client-node's `V1Job`. */
export const Job = resourceType<V1Job>({ group: 'batch', version: 'v1', kind: 'Job' });
/** The `CronJob` kind (`batch/v1`), typed as client-node's `V1CronJob`. */
export const CronJob = resourceType<V1CronJob>({ group: 'batch', version: 'v1', kind: 'CronJob' });

/** The `Ingress` kind (`networking.k8s.io/v1`), typed as client-node's `V1Ingress`. */
export const Ingress = resourceType<V1Ingress>({
  group: 'networking.k8s.io',
  version: 'v1',
  kind: 'Ingress',
});
/** The `NetworkPolicy` kind (`networking.k8s.io/v1`), typed as client-node's `V1NetworkPolicy`. */
export const NetworkPolicy = resourceType<V1NetworkPolicy>({
  group: 'networking.k8s.io',
  version: 'v1',
  kind: 'NetworkPolicy',
  plural: 'networkpolicies',
});

/** The `Role` kind (`rbac.authorization.k8s.io/v1`), typed as client-node's `V1Role`. */
export const Role = resourceType<V1Role>({ group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'Role' });
/** The `RoleBinding` kind (`rbac.authorization.k8s.io/v1`), typed as client-node's `V1RoleBinding`. */
export const RoleBinding = resourceType<V1RoleBinding>({
  group: 'rbac.authorization.k8s.io',
  version: 'v1',
  kind: 'RoleBinding',
});
/**
 * The `ClusterRole` kind (`rbac.authorization.k8s.io/v1`, cluster-scoped),
 * typed as client-node's `V1ClusterRole`.
 */
export const ClusterRole = resourceType<V1ClusterRole>({
  group: 'rbac.authorization.k8s.io',
  version: 'v1',
  kind: 'ClusterRole',
  namespaced: false,
});
/**
 * The `ClusterRoleBinding` kind (`rbac.authorization.k8s.io/v1`, cluster-scoped),
 * typed as client-node's `V1ClusterRoleBinding`.
 */
export const ClusterRoleBinding = resourceType<V1ClusterRoleBinding>({
  group: 'rbac.authorization.k8s.io',
  version: 'v1',
  kind: 'ClusterRoleBinding',
  namespaced: false,
});

/** The `PodDisruptionBudget` kind (`policy/v1`), typed as client-node's `V1PodDisruptionBudget`. */
export const PodDisruptionBudget = resourceType<V1PodDisruptionBudget>({
  group: 'policy',
  version: 'v1',
  kind: 'PodDisruptionBudget',
});
/**
 * The `HorizontalPodAutoscaler` kind (`autoscaling/v2`),
 * typed as client-node's `V2HorizontalPodAutoscaler`.
 */
export const HorizontalPodAutoscaler = resourceType<V2HorizontalPodAutoscaler>({
  group: 'autoscaling',
  version: 'v2',
  kind: 'HorizontalPodAutoscaler',
});
/** The `Lease` kind (`coordination.k8s.io/v1`), typed as client-node's `V1Lease`. */
export const Lease = resourceType<V1Lease>({ group: 'coordination.k8s.io', version: 'v1', kind: 'Lease' });
