/**
 * @packageDocumentation
 * The process around the operators: health and (secure) metrics servers, logging, signal handling
 * and graceful shutdown. `runOperators()` is the production entry point.
 */
export {
  APP_DEFAULTS,
  type AppOptions,
  type MetricsServerOptions,
  type ServerOptions,
} from './app-options.js';
export { parseBindAddress } from './bind-address.js';
export { type OperatorSource, OperonApp } from './operon-app.js';
export { runOperators } from './run-operators.js';
export { onSignals } from './signals.js';
