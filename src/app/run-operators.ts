import { refuseStartWhileLoadingEntry } from '../runtime/host/start-guard.js';
import type { RunOptions } from './app-options.js';
import type { OperatorSource } from './operator-source.js';
import { OperonApp } from './operon-app.js';

/**
 * Runs operators: the one entry point, from a test to production. Finds every `@Operator` class
 * bound in an InversifyJS container (or takes hand-written configs), builds each one's
 * configuration, and runs them all over one shared informer per resource type. Resolves once every
 * cache has synced and reconciling has begun (with leader election: once this replica is a warm
 * follower or the leader).
 *
 * @remarks
 * By default it runs a production process: `/healthz` + `/readyz` on port 8081, secure `/metrics`
 * on port 8443, pino logging (JSON, or readable in a terminal; `LOG_LEVEL`), and a graceful shutdown
 * on SIGTERM/SIGINT, after which the process exits. `embedded: true` runs the same operators inside
 * another program (a test, a script): no servers, no signal handlers, no exit; call
 * {@link OperonApp.stop}. See {@link RunOptions} for every option and {@link OperonApp} for the
 * lifecycle. `operon run`, the NestJS module and the test kit's `startOperator` are thin layers over
 * this.
 *
 * Call it from the application's main module, never from a module that only defines operators:
 * `operon crd|rbac|manifests|run <entry>` import the entry, and refuse one that calls this.
 *
 * @example Production
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
 * @example In a test or a script
 * ```ts
 * const app = await runOperators(container, { embedded: true, namespaces: ['demo'] });
 * // ... app.host.trigger('echo-server', 'demo/web') ...
 * await app.stop();
 * ```
 *
 * @throws ConfigError (as a rejection) listing every declaration mistake of every operator, or an
 * invalid option, before anything starts.
 * @throws OperonError `NO_CLUSTER` when no kubeconfig is given or found; `NOT_STARTED` when the API
 * server cannot be reached, when the caches have not synced within `startTimeoutMs`, or when called
 * while the `operon` command imports an entry module.
 */
export async function runOperators(source: OperatorSource, options: RunOptions = {}): Promise<OperonApp> {
  // Before the app binds its ports: a module loaded by the CLI must not start anything.
  refuseStartWhileLoadingEntry('runOperators');
  const app = new OperonApp(source, options);
  await app.start();
  return app;
}
