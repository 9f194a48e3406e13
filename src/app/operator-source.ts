import type { Container } from 'inversify';
import type { OperatorConfig } from '../config/operator-config.js';
import { discoverOperators } from '../di/discover-operators.js';
import { ConfigError } from '../errors/operon-error.js';

/** The operators an app runs: an InversifyJS container to discover them in, or their configs. */
export type OperatorSource = Container | readonly OperatorConfig<unknown>[];

/**
 * The configs of the operators in `source`: as given, or built from the decorators of every
 * `@Operator` class bound in the container.
 *
 * @throws ConfigError listing every declaration mistake, or when the container binds no operator.
 */
export function operatorsOf(source: OperatorSource): readonly OperatorConfig<unknown>[] {
  if (Array.isArray(source)) return source as readonly OperatorConfig<unknown>[];
  const configs = discoverOperators(source as Container);
  if (configs.length === 0) {
    throw new ConfigError([
      'No operator is bound in the container. Bind each @Operator class, e.g. `container.bind(MyOperator).toSelf()`, and make sure its module is imported before runOperators.',
    ]);
  }
  return configs;
}
