/**
 * @packageDocumentation
 * The controller machinery, usable without decorators: API client, shared informers, work queue,
 * planner, reconciler and host. A hand-written `OperatorConfig` runs on exactly this engine.
 */

// Machinery outside runtime/ that a host composed by hand needs, kept off the author's entry point.
export { APP_DEFAULTS } from '../app/app-options.js';
export { parseBindAddress } from '../app/bind-address.js';
export { onSignals } from '../app/signals.js';
export { collectOperatorConfig } from '../config/build-config.js';
export { defaultOperatorName, finalizerNameOf, isDnsLabel, isFinalizerName } from '../config/names.js';
export { operatorConfigProblems, operatorSetProblems } from '../config/validate-config.js';
export { listOperatorClasses } from '../decorators/operator-registry.js';
export {
  type ChildMetadata,
  type MethodMetadata,
  type OperatorClass,
  type OperatorMetadata,
  type RelatedMetadata,
  readChildMetadata,
  readFinalizeMetadata,
  readOperatorMetadata,
  readRelatedMetadata,
  readSyncMetadata,
} from '../decorators/read-metadata.js';
export { type RuleMetadata, readRuleMetadata } from '../decorators/rule.js';
export { discoverOperators, discoverOperatorsAsync, OPERATORS } from '../di/discover-operators.js';
export { DEFAULT_REDACT_PATHS } from '../observability/create-logger.js';
export * from '../observability/health/index.js';
export { ControllerMetrics } from '../observability/metrics/controller-metrics.js';
export { LATENCY_BUCKETS, MetricSet, WORKQUEUE_BUCKETS } from '../observability/metrics/metric-set.js';
export {
  type ObservedInformer,
  type ObservedRequest,
  type QueueHooks,
  RECONCILE_OUTCOMES,
  type ReconcileOutcome,
  resourceLabel,
} from '../observability/metrics/observed.js';
export { REDACTED, redactSecrets } from '../observability/redact-secrets.js';
export * from '../observability/secure-serving/index.js';
export { AdmissionWebhook } from '../webhooks/index.js';
export * from './api/api-client.js';
export * from './api/api-error.js';
export * from './api/resource-path.js';
export * from './backoff/index.js';
export * from './host/index.js';
export * from './informers/index.js';
export * from './leader/index.js';
export * from './planner/index.js';
export * from './queue/index.js';
export {
  EVENT_RECORDER_DEFAULTS,
  type EventDrops,
  EventRecorder,
  type EventRecorderOptions,
  type EventType,
} from './reconcile/event-recorder.js';
export type { OperatorCache } from './reconcile/operator-cache.js';
export { type PassOutcome, ReconcileError, Reconciler, type ReconcilerDeps } from './reconcile/reconciler.js';
export { buildStatus, type SyncOutcome, statusUnchanged } from './reconcile/status.js';
export * from './record/index.js';
export * from './related/index.js';
export * from './shard/index.js';
