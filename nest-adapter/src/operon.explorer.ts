import { Injectable, Scope } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { ConfigError, type OperatorConfig, OperonError } from 'operon';
import {
  ApiError,
  collectOperatorConfig,
  type OperatorClass,
  OperonHost,
  operatorSetProblems,
  readOperatorMetadata,
  type SharedInformer,
} from 'operon/runtime';
import { describeType, type KubeObject, type ResourceType, resourceTypeId } from 'operon/types';
import { messages } from './operon.messages.js';

type Wrapper = ReturnType<DiscoveryService['getProviders']>[number];

interface PlannedOperator {
  readonly cls: OperatorClass;
  readonly wrapper: Wrapper;
  /** What the host runs: built from the class, calling into the instance bound later. */
  readonly config: OperatorConfig<unknown>;
}

/**
 * Finds the application's `@Operator` providers and turns them into the configurations the one
 * {@link OperonHost} runs.
 *
 * @remarks
 * Works in two steps because Nest creates the host, an injectable provider, before it has created
 * the operators, and the core host takes its configurations when constructed:
 * - {@link plan}, while providers are created: finds operator classes among the providers and
 *   builds each configuration from the class's decorators (they are class metadata; no instance is
 *   needed), with `sync`/`finalize` that call into the instance once it is bound;
 * - {@link bind}, in `onModuleInit`, once every provider exists: rejects scoped operators, builds
 *   each configuration again from the real instance (this sets its `@Child` handles), and throws
 *   one `ConfigError` listing every problem found by either step.
 */
@Injectable()
export class OperonExplorer {
  private planned: PlannedOperator[] = [];
  private planProblems: string[] = [];
  private readonly bound = new Map<OperatorClass, OperatorConfig<unknown>>();

  constructor(private readonly discovery: DiscoveryService) {}

  /** Finds operator classes and builds their configurations; problems are kept for {@link bind}. */
  plan(): OperatorConfig<unknown>[] {
    const problems: string[] = [];
    const hosts = this.discovery.getProviders().filter((w) => w.token === OperonHost);
    if (hosts.length > 1) problems.push(messages.moduleImportedTwice(hosts.length));

    const byClass = new Map<OperatorClass, Wrapper[]>();
    for (const wrapper of this.discovery.getProviders()) {
      const cls = declaredClassOf(wrapper);
      if (!cls || !readOperatorMetadata(cls)) continue;
      const list = byClass.get(cls) ?? [];
      byClass.set(cls, [...list, wrapper]);
    }

    const planned: PlannedOperator[] = [];
    for (const [cls, wrappers] of byClass) {
      if (wrappers.length > 1) {
        problems.push(messages.providedTwice(cls.name, wrappers.map(moduleNameOf)));
        continue;
      }
      // A stand-in with the class's prototype carries the same decorators as the instance will.
      const result = collectOperatorConfig(Object.create(cls.prototype) as object);
      problems.push(...result.problems);
      if (result.config) {
        planned.push({
          cls,
          wrapper: wrappers[0] as Wrapper,
          config: this.callingInstance(cls, result.config),
        });
      }
    }
    problems.push(...operatorSetProblems(planned.map((p) => p.config)));

    this.planned = planned;
    this.planProblems = problems;
    // A host with problems is never started (bind throws first); it must still be constructible.
    return problems.length > 0 ? [] : planned.map((p) => p.config);
  }

  /**
   * Binds each planned operator to the instance Nest created for it.
   *
   * @throws ConfigError listing every problem: decorator mistakes, scoped or duplicated operator
   * providers, operators provided through a factory, or no operator at all.
   */
  bind(): void {
    const problems = [...this.planProblems];
    const known = new Set(this.planned.map((p) => p.wrapper));
    for (const wrapper of this.discovery.getProviders()) {
      if (known.has(wrapper) || wrapper.isAlias || !wrapper.isFactory) continue;
      const cls: unknown = wrapper.instance?.constructor;
      if (typeof cls === 'function' && readOperatorMetadata(cls)) {
        problems.push(messages.notAClassProvider(cls.name, moduleNameOf(wrapper)));
      }
    }
    for (const { cls, wrapper } of this.planned) {
      const scoped = scopeProblem(cls, wrapper);
      if (scoped) {
        problems.push(scoped);
        continue;
      }
      const result = collectOperatorConfig(wrapper.instance as object);
      // Class-level problems were found by plan(); only instance-level ones are new here.
      problems.push(...result.problems.filter((p) => !this.planProblems.includes(p)));
      if (result.config) this.bound.set(cls, result.config);
    }
    if (problems.length === 0 && this.planned.length === 0) problems.push(messages.noOperators());
    if (problems.length > 0) throw new ConfigError(problems);
  }

  /** One line per cache that has not synced: what it is, who needs it, and the last error. */
  describeUnsynced(informers: readonly SharedInformer<KubeObject>[]): string[] {
    return informers.map((informer) => {
      const { type, scope } = informer;
      const what = `${describeType(type)}${scope.namespace ? ` in namespace ${scope.namespace}` : ''}`;
      const lastError = informer.health().lastError;
      const hint =
        ApiError.isNotFound(lastError) && type.group ? messages.crdHint(type.plural, type.group) : '';
      return messages.unsynced(what, this.operatorsUsing(type), lastError?.message.trim(), hint);
    });
  }

  private operatorsUsing(type: ResourceType): string[] {
    const id = resourceTypeId(type);
    return this.planned
      .filter(({ config }) =>
        [
          config.parent.type,
          ...config.children.map((c) => c.type),
          ...(config.related ?? []).map((r) => r.type),
        ].some((t) => resourceTypeId(t) === id),
      )
      .map((p) => p.cls.name);
  }

  private callingInstance(cls: OperatorClass, config: OperatorConfig<unknown>): OperatorConfig<unknown> {
    const live = (): OperatorConfig<unknown> => {
      const bound = this.bound.get(cls);
      if (!bound) throw new OperonError('NOT_STARTED', messages.notBound(cls.name));
      return bound;
    };
    type Finalize = NonNullable<OperatorConfig<unknown>['finalize']>;
    // The instance's class is the planned one, so it has @Finalize exactly when the plan has.
    const finalize: Pick<OperatorConfig<unknown>, 'finalize'> = config.finalize
      ? { finalize: (req) => (live().finalize as Finalize)(req) }
      : {};
    const delegating: OperatorConfig<unknown> = { ...config, sync: (req) => live().sync(req), ...finalize };
    return Object.freeze(delegating);
  }
}

// The class a provider declares, when it is known before Nest creates the instance.
function declaredClassOf(wrapper: Wrapper): OperatorClass | undefined {
  if (wrapper.isAlias) return undefined;
  if (!wrapper.isNotMetatype) return wrapper.metatype as OperatorClass;
  // useValue: the instance exists already. useFactory: unknown until called (see bind()).
  if (!wrapper.isFactory && wrapper.instance) return wrapper.instance.constructor as OperatorClass;
  return undefined;
}

function scopeProblem(cls: OperatorClass, wrapper: Wrapper): string | undefined {
  if (wrapper.scope === Scope.REQUEST) return messages.requestScoped(cls.name);
  if (wrapper.isTransient) return messages.transient(cls.name);
  // Only meaningful once Nest has resolved the constructor's dependencies (Nest caches the answer).
  if (!wrapper.isDependencyTreeStatic()) return messages.scopedDependency(cls.name);
  return undefined;
}

function moduleNameOf(wrapper: Wrapper): string {
  return wrapper.host?.name ?? 'an unnamed module';
}
