import { refuseStartWhileLoadingEntry } from '../runtime/host/start-guard.js';
import type { AppOptions } from './app-options.js';
import { type OperatorSource, OperonApp } from './operon-app.js';

/**
 * The production entry point: runs the operators in `source` as a long-lived process, with leader
 * election (when configured), `/healthz` + `/readyz` on port 8081, `/metrics` on port 8080, pino
 * logging (JSON, or pretty in a terminal; `LOG_LEVEL`), and a graceful shutdown on SIGTERM/SIGINT.
 *
 * @remarks
 * Resolves once every cache has synced; the process then runs until a signal (exit 0) or a lost
 * Lease (exit 1). See {@link OperonApp} for the lifecycle and {@link AppOptions} for every option.
 *
 * @example
 * ```ts
 * import 'reflect-metadata';
 * import { Container } from 'inversify';
 * import { runOperators } from 'operon';
 *
 * const container = new Container();
 * container.bind(EchoServerOperator).toSelf();
 * await runOperators(container, {
 *   leaderElection: { leaseName: 'echo-server-operator' }, // namespace: POD_NAMESPACE or in-cluster
 * });
 * ```
 *
 * @throws ConfigError (as a rejection) when an operator or option is invalid, before anything starts.
 */
export async function runOperators(source: OperatorSource, options: AppOptions = {}): Promise<OperonApp> {
  // Before the app binds its ports: a module loaded by the CLI must not start anything.
  refuseStartWhileLoadingEntry('runOperators');
  const app = new OperonApp(source, options);
  await app.start();
  return app;
}
