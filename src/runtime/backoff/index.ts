/**
 * @packageDocumentation
 * The one backoff rule (capped exponential, equal jitter) for reconcile retries and reconnects.
 */
export { Backoff, type BackoffCurve, backoffDelay, KeyedBackoff } from './backoff.js';
