/**
 * @packageDocumentation
 * The process around the operators: health and (secure) metrics servers, logging, signal handling
 * and graceful shutdown. `runOperators()` is the one entry point, from a test to production.
 */
export {
  APP_DEFAULTS,
  type AppOptions,
  type MetricsServerOptions,
  type RunOptions,
  type ServerOptions,
} from './app-options.js';
export { parseBindAddress } from './bind-address.js';
export { type OperatorSource, operatorsOf } from './operator-source.js';
export { OperonApp } from './operon-app.js';
export { runOperators } from './run-operators.js';
export { onSignals } from './signals.js';
