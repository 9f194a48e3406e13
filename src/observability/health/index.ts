/**
 * @packageDocumentation
 * Liveness and readiness of an Operon process, and the small HTTP server that answers the
 * kubelet's probes and Prometheus' scrapes.
 */
export {
  type EndpointServer,
  type Endpoints,
  type ListenOptions,
  type ServeOptions,
  serveEndpoints,
} from './endpoint-server.js';
export { type CheckResult, formatReport, type HealthReport, report } from './health-report.js';
export { type CheckedInformer, informerReadiness, watchLiveness } from './informer-checks.js';
