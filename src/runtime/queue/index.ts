/**
 * @packageDocumentation
 * The work queue: turns "this key changed" into at most one reconcile per key at a time, with per-key backoff and a global rate limit.
 */
export type { QueueObserver } from './queue-observer.js';
export { TokenBucket } from './token-bucket.js';
export {
  type ReconcileContext,
  type ReconcileHandler,
  type ReconcileResult,
  type ShutdownResult,
  WorkQueue,
} from './work-queue.js';
export { WORK_QUEUE_DEFAULTS, type WorkQueueOptions } from './work-queue-options.js';
