/**
 * @packageDocumentation
 * The controller machinery, usable without decorators: API client, shared informers, work queue,
 * planner, reconciler and host. A hand-written `OperatorConfig` runs on exactly this engine.
 */
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
