/**
 * @packageDocumentation
 * Prometheus metrics of an Operon host, named like controller-runtime's, and a checker for the text
 * format they are served in.
 */
export { ControllerMetrics } from './controller-metrics.js';
export { LATENCY_BUCKETS, MetricSet, WORKQUEUE_BUCKETS } from './metric-set.js';
export {
  type ObservedInformer,
  type ObservedRequest,
  type QueueHooks,
  RECONCILE_OUTCOMES,
  type ReconcileOutcome,
  resourceLabel,
} from './observed.js';
export { OperonMetrics, type OperonMetricsOptions } from './operon-metrics.js';
export { type MetricFamily, parsePrometheusText, type Sample, sampleValue } from './prometheus-text.js';
