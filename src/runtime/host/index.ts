export { defaultKubeConfig } from './load-kubeconfig.js';
export { OperatorController, type OperatorRunOptions, specOrMetadataChanged } from './operator-controller.js';
export { type HostOptions, OperonHost } from './operon-host.js';
