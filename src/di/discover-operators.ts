import type { Container, ServiceIdentifier } from 'inversify';
import { collectOperatorConfig } from '../config/build-config.js';
import type { OperatorConfig } from '../config/operator-config.js';
import { operatorSetProblems } from '../config/validate-config.js';
import { listOperatorClasses } from '../decorators/operator-registry.js';
import type { OperatorClass } from '../decorators/read-metadata.js';
import { ConfigError } from '../errors/operon-error.js';

/**
 * The DI token to bind operators under when binding them by class is not convenient.
 *
 * @remarks
 * Operon finds every `@Operator` class bound by class in the container on its own. Bind under this
 * token (many times, one per operator) when the class is only reachable through a token, for example
 * because the instance comes from `toDynamicValue`. Each class runs once, however it is bound.
 *
 * @example
 * ```ts
 * container.bind(OPERATORS).to(EchoServerOperator).inSingletonScope();
 * ```
 */
export const OPERATORS: unique symbol = Symbol.for('operon.OPERATORS');

/**
 * Finds every operator the container can provide, builds each one's configuration, and checks them
 * all, throwing one `ConfigError` that lists every problem.
 *
 * @remarks
 * Candidates are the `@Operator` classes imported so far that the container (or a parent container)
 * has a binding for, `container.isBound(cls)`, plus whatever is bound under {@link OPERATORS}.
 * Classes that are decorated but not bound are ignored. Each one is resolved once with
 * `container.get`, so its constructor dependencies are injected as usual, and its scope decides whether
 * the operator shares its instance with the rest of the app. A constructor or provider that fails
 * becomes a problem naming the operator class. Resolution is synchronous: if an operator depends on an
 * async provider, use {@link discoverOperatorsAsync}. The result is in decoration order.
 *
 * @example
 * ```ts
 * const container = new Container({ defaultScope: 'Singleton' });
 * container.bind(Greeter).toSelf();
 * container.bind(EchoServerOperator).toSelf();
 * const configs = discoverOperators(container); // [{ name: 'echo-server', ... }]
 * ```
 *
 * @throws ConfigError listing every construction, declaration and cross-operator problem.
 */
export function discoverOperators(container: Container): OperatorConfig<unknown>[] {
  const found: object[] = [];
  const problems: string[] = [];
  for (const cls of boundOperatorClasses(container)) {
    try {
      found.push(container.get(idOf(cls)));
    } catch (err) {
      problems.push(constructionProblem(cls.name, err, true));
    }
  }
  if (container.isBound(OPERATORS)) {
    try {
      found.push(...container.getAll<object>(OPERATORS));
    } catch (err) {
      problems.push(constructionProblem('OPERATORS', err, true));
    }
  }
  return compile(found, problems);
}

/**
 * Does what {@link discoverOperators} does, resolving each operator with `container.getAsync`.
 *
 * @remarks
 * Use it when an operator, or something it injects, has an async provider (an async
 * `toDynamicValue`, an async `@postConstruct`, or an async activation handler). Operators are resolved
 * one after another, in decoration order.
 *
 * @example
 * ```ts
 * container.bind(Database).toDynamicValue(() => Database.connect()).inSingletonScope();
 * const configs = await discoverOperatorsAsync(container);
 * ```
 *
 * @throws ConfigError (as a rejection) listing every problem.
 */
export async function discoverOperatorsAsync(container: Container): Promise<OperatorConfig<unknown>[]> {
  const found: object[] = [];
  const problems: string[] = [];
  for (const cls of boundOperatorClasses(container)) {
    try {
      found.push(await container.getAsync(idOf(cls)));
    } catch (err) {
      problems.push(constructionProblem(cls.name, err, false));
    }
  }
  if (container.isBound(OPERATORS)) {
    try {
      found.push(...(await container.getAllAsync<object>(OPERATORS)));
    } catch (err) {
      problems.push(constructionProblem('OPERATORS', err, false));
    }
  }
  return compile(found, problems);
}

function boundOperatorClasses(container: Container): OperatorClass[] {
  return listOperatorClasses().filter((cls) => container.isBound(idOf(cls)));
}

// OperatorClass takes `never[]` arguments (no `any` in public types); inversify's Newable takes `any[]`.
function idOf(cls: OperatorClass): ServiceIdentifier<object> {
  return cls as unknown as ServiceIdentifier<object>;
}

function compile(found: readonly object[], problems: string[]): OperatorConfig<unknown>[] {
  const configs: OperatorConfig<unknown>[] = [];
  const seen = new Set<unknown>();
  for (const instance of found) {
    if (typeof instance !== 'object' || instance === null) {
      problems.push(
        `OPERATORS: a binding resolved to ${instance === null ? 'null' : typeof instance}, not an operator instance. Bind operator classes only: container.bind(OPERATORS).to(MyOperator).`,
      );
      continue;
    }
    // A class bound both by itself and under OPERATORS runs once.
    if (seen.has(instance.constructor)) continue;
    seen.add(instance.constructor);
    const result = collectOperatorConfig(instance);
    problems.push(...result.problems);
    if (result.config) configs.push(result.config);
  }
  problems.push(...operatorSetProblems(configs));
  if (problems.length > 0) throw new ConfigError(problems);
  return configs;
}

function constructionProblem(name: string, err: unknown, sync: boolean): string {
  const message = err instanceof Error ? err.message : String(err);
  const asyncHint =
    sync && /async/i.test(message)
      ? ' If a provider it depends on is async, use discoverOperatorsAsync.'
      : '';
  return `${name}: the container could not create it: ${message.trim()} Bind every service its constructor injects (by class or token), or fix the error its constructor throws.${asyncHint}`;
}
