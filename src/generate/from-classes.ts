import { collectOperatorConfig } from '../config/build-config.js';
import type { OperatorConfig } from '../config/operator-config.js';
import { operatorSetProblems } from '../config/validate-config.js';
import type { OperatorClass } from '../decorators/read-metadata.js';
import { ConfigError } from '../errors/operon-error.js';

/**
 * Reads the operator declarations of decorated classes, for CRD and RBAC generation, without
 * constructing them or anything they inject.
 *
 * @remarks
 * Each class is read from an object made with `Object.create(cls.prototype)`: the constructor never
 * runs, so no dependency is needed, yet the checks are exactly those `Operon.run` makes (a missing
 * `@Sync`, a child type declared twice, two operators owning one kind, …). The `sync` and `finalize`
 * of the returned configs belong to that bare object: read them, never call them.
 *
 * @example
 * ```ts
 * const crds = generateCrds(declarationsFromClasses([EchoServerOperator]));
 * ```
 *
 * @throws ConfigError listing every problem of every class.
 */
export function declarationsFromClasses(classes: readonly OperatorClass[]): OperatorConfig<unknown>[] {
  const problems: string[] = [];
  const configs: OperatorConfig<unknown>[] = [];
  for (const cls of new Set(classes)) {
    const bare = Object.create(cls.prototype) as object;
    const result = collectOperatorConfig(bare);
    problems.push(...result.problems);
    if (result.config) configs.push(result.config);
  }
  problems.push(...operatorSetProblems(configs));
  if (problems.length > 0) throw new ConfigError(problems);
  return configs;
}
