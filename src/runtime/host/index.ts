export { defaultKubeConfig } from './load-kubeconfig.js';
export { type OperatorRunOptions, OperatorController, specOrMetadataChanged } from './operator-controller.js';
export { type HostOptions, OperonHost } from './operon-host.js';
