/**
 * @packageDocumentation
 * Logs, metrics and health of an Operon process: pino logging with Secret data censored,
 * Prometheus metrics with controller-runtime's names, `/healthz` and `/readyz`.
 */
export * from './create-logger.js';
export * from './health/index.js';
export { type Logger, silentLogger } from './logger.js';
export * from './metrics/index.js';
export { REDACTED, redactSecrets } from './redact-secrets.js';
