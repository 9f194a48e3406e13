/**
 * @packageDocumentation
 * The host: runs many operators in one process over one shared informer per resource type, one
 * work queue and reconciler per operator (OperatorController), with leader election when asked.
 */
export { defaultKubeConfig } from './load-kubeconfig.js';
export { OperatorController, type OperatorRunOptions, specOrMetadataChanged } from './operator-controller.js';
export {
  DEFAULT_WATCH_FAILURE_THRESHOLD_MS,
  type HostOptions,
  type HostStopped,
  type HostStopReason,
  OperonHost,
} from './operon-host.js';
