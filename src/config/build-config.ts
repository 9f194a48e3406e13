import {
  type MethodMetadata,
  readChildMetadata,
  readFinalizeMetadata,
  readOperatorMetadata,
  readRelatedMetadata,
  readSyncMetadata,
} from '../decorators/read-metadata.js';
import { ConfigError } from '../errors/operon-error.js';
import type { KubeObject } from '../types/kube-object.js';
import type { RelatedRef } from '../types/related.js';
import type { ResourceType } from '../types/resource-type.js';
import type { ChildRef } from '../types/sync.js';
import { childRef } from './child-ref.js';
import { defaultOperatorName } from './names.js';
import type { OperatorConfig } from './operator-config.js';
import { relatedRef } from './related-ref.js';
import { checkConfig } from './validate-config.js';

/**
 * What {@link collectOperatorConfig} found: the configuration, and every problem in it.
 *
 * @remarks
 * `config` is missing only when the class has no `@Operator`. It is safe to run only when
 * `problems` is empty: a missing `@Sync`, for example, leaves a `sync` that throws.
 *
 * @example
 * ```ts
 * const { config, problems } = collectOperatorConfig(instance);
 * ```
 */
export interface OperatorBuildResult {
  /** The configuration, when the class's decorators could be read at all. */
  readonly config?: OperatorConfig<unknown>;
  /** Every declaration mistake, each naming the class; empty when the config is valid. */
  readonly problems: readonly string[];
}

/**
 * Turns a constructed operator instance into the {@link OperatorConfig} the runtime runs, and
 * throws one `ConfigError` listing every problem in its decorators.
 *
 * @remarks
 * Reads the `@Operator`, `@Child`, `@Related`, `@Sync` and `@Finalize` metadata of the instance's
 * class (and its base classes). `sync` and `finalize` are bound to the instance, so they can use
 * injected services. Each `@Child` and `@Related` property is then set on the instance, as a
 * read-only own property, to its {@link ChildRef} or {@link RelatedRef}: this happens after
 * construction on purpose, because with
 * `useDefineForClassFields` the constructor itself sets declared fields to `undefined`.
 * Call it once per instance; calling it again replaces the handles with equal ones.
 *
 * @example
 * ```ts
 * const config = buildOperatorConfig(container.get(EchoServerOperator));
 * config.name; // 'echo-server'
 * ```
 *
 * @throws ConfigError listing every problem (no `@Operator`, no or two `@Sync`, a child type
 * declared twice, an invalid name, ...), each line naming the class and what to change.
 */
export function buildOperatorConfig(instance: object): OperatorConfig<unknown> {
  const { config, problems } = collectOperatorConfig(instance);
  if (!config || problems.length > 0) throw new ConfigError(problems);
  return config;
}

/**
 * Does what {@link buildOperatorConfig} does, but returns the problems instead of throwing.
 *
 * @remarks
 * For discovery code that builds many operators and reports all their problems at once
 * (`discoverOperators`, the NestJS adapter). The child handles are set on the instance even when
 * there are problems.
 *
 * @example
 * ```ts
 * const results = instances.map(collectOperatorConfig);
 * const problems = results.flatMap((r) => r.problems);
 * ```
 */
export function collectOperatorConfig(instance: object): OperatorBuildResult {
  const cls = (instance as { constructor?: { name?: string } }).constructor ?? Object;
  const className = cls.name || '(anonymous class)';
  const problems: string[] = [];
  const operator = readOperatorMetadata(cls);
  const children = readChildMetadata(cls);
  const relations = readRelatedMetadata(cls);
  const syncs = readSyncMetadata(cls);
  const finalizers = readFinalizeMetadata(cls);

  if (!operator) {
    problems.push(
      `${className}: the class has no @Operator decorator, so Operon does not know which resource it owns. Add @Operator({ group, version, kind }) (or @Operator({ parent })) above the class, or do not register it as an operator.`,
    );
  }

  const refs: ChildRef<KubeObject>[] = [];
  const properties = new Set<string | symbol>();
  for (const child of children) {
    const property = nameOf(child.property);
    if (properties.has(child.property)) {
      problems.push(
        `${className}: property '${property}' has more than one @Child. Put each @Child on its own property.`,
      );
      continue;
    }
    properties.add(child.property);
    if (child.isStatic) {
      problems.push(
        `${className}: @Child '${property}' is on a static property. Put it on an instance property (remove 'static').`,
      );
      continue;
    }
    const ref = childRef(child.type, child.strategy, property);
    refs.push(ref);
    setHandle(instance, child.property, ref, `@Child '${property}'`, className, problems);
  }

  const related: RelatedRef<KubeObject>[] = [];
  const relatedProperties = new Set<string | symbol>();
  for (const relation of relations) {
    const property = nameOf(relation.property);
    if (relatedProperties.has(relation.property)) {
      problems.push(
        `${className}: property '${property}' has more than one @Related. Put each @Related on its own property (two relations may share a type).`,
      );
      continue;
    }
    relatedProperties.add(relation.property);
    if (properties.has(relation.property)) {
      problems.push(
        `${className}: property '${property}' has both @Child and @Related. A property holds one handle: put @Related on a property of its own.`,
      );
      continue;
    }
    if (relation.isStatic) {
      problems.push(
        `${className}: @Related '${property}' is on a static property. Put it on an instance property (remove 'static').`,
      );
      continue;
    }
    const ref = relatedRef(relation.type, relation.select, property);
    related.push(ref);
    setHandle(instance, relation.property, ref, `@Related '${property}'`, className, problems);
  }

  const sync = pickMethod(instance, className, 'Sync', syncs, problems);
  const finalizeMethod = pickMethod(instance, className, 'Finalize', finalizers, problems, true);
  if (syncs.length === 0) {
    problems.push(
      `${className}: no method is marked @Sync(). Mark the method that returns the desired children and the status with @Sync().`,
    );
  }

  if (!operator) return { problems };

  const fromFinalize = finalizers.length === 1 ? finalizers[0]?.finalizerName : undefined;
  if (
    fromFinalize !== undefined &&
    operator.finalizerName !== undefined &&
    fromFinalize !== operator.finalizerName
  ) {
    problems.push(
      `${className}: the finalizer name is set twice, to '${operator.finalizerName}' in @Operator and to '${fromFinalize}' in @Finalize. Set it in one place.`,
    );
  }
  const finalizerName = fromFinalize ?? operator.finalizerName;
  const name = operator.name ?? defaultOperatorName(className);
  const config: OperatorConfig<unknown> = {
    name,
    parent: {
      type: operator.parent as ResourceType,
      ...(operator.spec ? { spec: operator.spec } : {}),
      ...(operator.status ? { status: operator.status } : {}),
    },
    children: refs,
    related,
    sync: (sync ?? missingSync(className)) as OperatorConfig<unknown>['sync'],
    ...(finalizeMethod ? { finalize: finalizeMethod as OperatorConfig<unknown>['finalize'] } : {}),
    ...(finalizerName !== undefined ? { finalizerName } : {}),
    ...(operator.deletionBudget !== undefined ? { deletionBudget: operator.deletionBudget } : {}),
    source: className,
  };
  problems.push(...checkConfig(config, 'decorators'));
  return { config: Object.freeze(config), problems };
}

type Method = (...args: unknown[]) => unknown;

// Sets a handle as a read-only own property of the instance (after construction: see buildOperatorConfig).
function setHandle(
  instance: object,
  key: string | symbol,
  handle: object,
  what: string,
  className: string,
  problems: string[],
): void {
  try {
    Object.defineProperty(instance, key, {
      value: handle,
      enumerable: true,
      configurable: true,
      writable: false,
    });
  } catch (err) {
    const property = nameOf(key);
    problems.push(
      `${className}: cannot set ${what} on the instance (${(err as Error).message}). Do not freeze or seal operator instances, and do not define '${property}' as a non-configurable property.`,
    );
  }
}

// Checks the @Sync / @Finalize marks and returns the one marked method bound to the instance.
function pickMethod(
  instance: object,
  className: string,
  decorator: 'Sync' | 'Finalize',
  marks: readonly MethodMetadata[],
  problems: string[],
  optional = false,
): Method | undefined {
  if (marks.length === 0) return undefined;
  if (marks.length > 1) {
    const names = marks.map((m) => `'${nameOf(m.method)}'`).join(', ');
    const fix =
      decorator === 'Sync'
        ? 'Keep @Sync() on exactly one method; call the others from it.'
        : 'Keep @Finalize() on exactly one method; call the others from it.';
    problems.push(`${className}: @${decorator}() marks ${marks.length} methods (${names}). ${fix}`);
    return undefined;
  }
  const mark = marks[0] as MethodMetadata;
  const method = nameOf(mark.method);
  if (mark.isStatic) {
    problems.push(
      `${className}: @${decorator}() is on static method '${method}'. Put it on an instance method (remove 'static') so it can use injected services.`,
    );
    return undefined;
  }
  const fn = (instance as Record<string | symbol, unknown>)[mark.method];
  if (typeof fn !== 'function') {
    problems.push(
      `${className}: @${decorator}() is on '${method}', which is not a method (got ${typeof fn}). Put @${decorator}() on a method${optional ? ', or remove it' : ''}.`,
    );
    return undefined;
  }
  return (fn as Method).bind(instance);
}

function missingSync(className: string): Method {
  return () => {
    throw new ConfigError([`${className}: no method is marked @Sync().`]);
  };
}

function nameOf(key: string | symbol): string {
  return typeof key === 'symbol' ? (key.description ?? key.toString()) : key;
}
