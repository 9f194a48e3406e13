import type { OperatorClass } from './read-metadata.js';

// One registry per process, even when two copies of Operon are installed side by side.
const REGISTRY = Symbol.for('operon.operatorClasses');
type Holder = { [REGISTRY]?: Set<OperatorClass> };

function registry(): Set<OperatorClass> {
  const holder = globalThis as Holder;
  holder[REGISTRY] ??= new Set();
  return holder[REGISTRY];
}

// Called by @Operator; not public.
export function registerOperatorClass(cls: OperatorClass): void {
  registry().add(cls);
}

/**
 * Lists every class decorated with `@Operator` so far, in the order they were decorated.
 *
 * @remarks
 * InversifyJS cannot list its bindings, so Operon keeps its own registry, filled when each
 * decorated class is evaluated: a class whose module was never imported is not listed. Being listed
 * does not make a class run; {@link discoverOperators} runs those bound in the container.
 *
 * @example
 * ```ts
 * for (const cls of listOperatorClasses()) if (container.isBound(cls)) console.log(cls.name);
 * ```
 */
export function listOperatorClasses(): readonly OperatorClass[] {
  return [...registry()];
}
