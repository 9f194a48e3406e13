/**
 * @packageDocumentation
 * Helpers for testing operators, with or without a cluster: `runSync`/`planSync` for the sync logic
 * alone, `replayFixtures` to replay recorded sync traffic (host option `record`, `operon record`),
 * `startOperator` and `eventually` to run operators against a real cluster, a real local
 * control plane, and service-account kubeconfigs with exactly the RBAC rules a test grants.
 */

export {
  type MetricFamily,
  parsePrometheusText,
  type Sample,
  sampleValue,
} from '../observability/metrics/prometheus-text.js';
export type { ChildAction, Plan } from '../runtime/planner/plan.js';
export {
  type ControlPlane,
  type ControlPlaneOptions,
  type ServiceAccountAccess,
  serviceAccountKubeConfig,
  startControlPlane,
  stopDetachedControlPlane,
} from './control-plane.js';
export { type ControlPlaneBinaries, controlPlaneBinaries } from './control-plane-binaries.js';
export { type EventuallyOptions, eventually } from './eventually.js';
export {
  type ApplyOptions,
  applyObjects,
  installCrds,
  installOperatorCrds,
  readManifests,
} from './install.js';
export {
  assertReplayPassed,
  type ChildChange,
  type FieldChange,
  type ReplayCase,
  type ReplayOptions,
  type ReplayResult,
  replayFixtures,
} from './replay.js';
export {
  type ObjectTarget,
  type OperatorFixture,
  type OperatorsUnderTest,
  type StartOperatorOptions,
  startOperator,
} from './start-operator.js';
export {
  buildRequest,
  describePlan,
  planSync,
  runFinalize,
  runSync,
  type SyncInput,
  type SyncPlan,
  type TestParent,
} from './sync-harness.js';
export { type TestNamespace, useTestNamespace } from './test-namespace.js';
