import type { Container } from 'inversify';
import { ConfigError } from '../errors/operon-error.js';
import { type HostOptions, OperonHost } from '../runtime/host/index.js';
import { discoverOperators } from './discover-operators.js';

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
   * @throws ConfigError listing every declaration mistake of every operator, before anything starts.
   */
  async run(container: Container, options: HostOptions = {}): Promise<OperonHost> {
    const host = Operon.create(container, options);
    try {
      await host.start();
    } catch (e) {
      await host.stop();
      throw e;
    }
    return host;
  },

  /** Like {@link Operon.run} but does not start the host (for tests, or to start it later). */
  create(container: Container, options: HostOptions = {}): OperonHost {
    const configs = discoverOperators(container);
    if (configs.length === 0) {
      throw new ConfigError([
        'No operator is bound in the container. Bind each @Operator class, e.g. `container.bind(MyOperator).toSelf()`, and make sure its module is imported before Operon.run.',
      ]);
    }
    return new OperonHost(configs, options);
  },
};
