/**
 * @packageDocumentation
 * The NestJS module for Operon: Kubernetes operators as ordinary Nest providers.
 */
export { OperonHost } from 'operon/runtime';
export type {
  OperonModuleAsyncOptions,
  OperonModuleOptions,
  OperonOptionsFactory,
} from './interfaces/operon-module-options.interface.js';
export { DEFAULT_START_TIMEOUT_MS, OPERON_MODULE_OPTIONS } from './operon.constants.js';
export { OperonModule } from './operon.module.js';
