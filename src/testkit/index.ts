/**
 * @packageDocumentation
 * Helpers for testing operators, with or without a cluster: a real local control plane, and
 * service-account kubeconfigs with exactly the RBAC rules a test grants.
 */
export {
  type ControlPlane,
  type ControlPlaneOptions,
  type ServiceAccountAccess,
  serviceAccountKubeConfig,
  startControlPlane,
  stopDetachedControlPlane,
} from './control-plane.js';
export { type ControlPlaneBinaries, controlPlaneBinaries } from './control-plane-binaries.js';
export {
  type ApplyOptions,
  applyObjects,
  installCrds,
  installOperatorCrds,
  readManifests,
} from './install.js';
export { buildRequest, runFinalize, runSync, type SyncInput, type TestParent } from './sync-harness.js';
