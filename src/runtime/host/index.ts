export { defaultKubeConfig } from './load-kubeconfig.js';
export { OperatorController, type OperatorRunOptions, specOrMetadataChanged } from './operator-controller.js';
export {
  DEFAULT_WATCH_FAILURE_THRESHOLD_MS,
  type HostOptions,
  type HostStopped,
  type HostStopReason,
  OperonHost,
} from './operon-host.js';
