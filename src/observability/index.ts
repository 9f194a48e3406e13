/**
 * @packageDocumentation
 * Logs, metrics and health of an Operon process: pino logging with Secret data censored,
 * Prometheus metrics with controller-runtime's names, `/healthz` and `/readyz`, and `/metrics` served
 * over HTTPS to authenticated, authorized scrapers only.
 */
export * from './create-logger.js';
export * from './health/index.js';
export { type Logger, silentLogger } from './logger.js';
export * from './metrics/index.js';
export { REDACTED, redactSecrets } from './redact-secrets.js';
export * from './secure-serving/index.js';
