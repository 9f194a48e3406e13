import type { Container } from 'inversify';
import type { OperatorConfig } from '../config/operator-config.js';
import { ConfigError } from '../errors/operon-error.js';
import { defaultLogger } from '../observability/create-logger.js';
import { type Logger, silentLogger } from '../observability/logger.js';
import { type HostOptions, OperonHost } from '../runtime/host/index.js';
import { refuseStartWhileLoadingEntry } from '../runtime/host/start-guard.js';
import { DEFAULT_START_TIMEOUT_MS, startWithin } from '../runtime/host/start-within.js';
import { discoverOperators } from './discover-operators.js';

/** Options of {@link Operon.run} and {@link Operon.create}: the host's, with a start timeout and a default logger. */
export interface RunOptions extends Omit<HostOptions, 'logger'> {
  /**
   * Default: `createLogger()` at `info` — JSON lines, readable lines in a terminal, `LOG_LEVEL` and
   * `LOG_FORMAT` honoured (as `runOperators`); silent under a test runner (`NODE_ENV=test`, or
   * `node --test`) unless `LOG_LEVEL` is set. `false` (or `LOG_LEVEL=silent`) logs nothing.
   */
  logger?: Logger | false;
  /**
   * How long {@link Operon.run} waits for every cache to sync, in ms, before it stops the host and
   * fails naming each cache that did not sync and its last error. Default 60 000; 0 waits for ever.
   * An API server that cannot be reached at all fails the start within seconds, whatever this is
   * (unless 0).
   */
  startTimeoutMs?: number;
}

/**
 * Entry point for InversifyJS applications.
 *
 * @example
 * ```ts
 * const container = new Container();
 * container.bind(EchoServerOperator).toSelf().inSingletonScope();
 * container.bind(Clock).toSelf();
 * const host = await Operon.run(container, { namespaces: ['demo'] });
 * process.once('SIGTERM', () => host.stop());
 * ```
 */
export const Operon = {
  /**
   * Finds every `@Operator` class bound in `container`, builds each one's configuration from its
   * decorators, and runs them all in one {@link OperonHost}. Resolves once every cache has synced
   * and reconciling has begun.
   *
   * @remarks
   * Call it from the application's main module, never from a module that only defines operators:
   * `operon crd|rbac|manifests|run <entry>` import the entry, and refuse one that calls this.
   *
   * @throws ConfigError listing every declaration mistake of every operator, before anything starts.
   * @throws OperonError `NO_CLUSTER` when no kubeconfig is given or found (see `defaultKubeConfig`);
   * `NOT_STARTED` when the API server cannot be reached, when the caches have not synced within
   * `startTimeoutMs`, or when called while the `operon` command imports an entry module.
   */
  async run(container: Container, options: RunOptions = {}): Promise<OperonHost> {
    refuseStartWhileLoadingEntry('Operon.run');
    const { startTimeoutMs = DEFAULT_START_TIMEOUT_MS, ...rest } = options;
    const configs = operatorsIn(container);
    const host = new OperonHost(configs, hostOptions(rest));
    try {
      await startWithin(host, {
        timeoutMs: startTimeoutMs,
        configs,
        option: 'Operon.run(container, { startTimeoutMs })',
      });
    } catch (e) {
      await host.stop();
      throw e;
    }
    return host;
  },

  /** Like {@link Operon.run} but does not start the host (for tests, or to start it later). */
  create(container: Container, options: RunOptions = {}): OperonHost {
    const { startTimeoutMs: _runOnly, ...rest } = options;
    return new OperonHost(operatorsIn(container), hostOptions(rest));
  },
};

function operatorsIn(container: Container): OperatorConfig<unknown>[] {
  const configs = discoverOperators(container);
  if (configs.length === 0) {
    throw new ConfigError([
      'No operator is bound in the container. Bind each @Operator class, e.g. `container.bind(MyOperator).toSelf()`, and make sure its module is imported before Operon.run.',
    ]);
  }
  return configs;
}

function hostOptions(options: Omit<RunOptions, 'startTimeoutMs'>): HostOptions {
  const { logger, ...rest } = options;
  return { ...rest, logger: logger === false ? silentLogger() : (logger ?? defaultLogger()) };
}
