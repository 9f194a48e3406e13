import 'reflect-metadata';
import type { DataClass } from '../types/custom-resource.js';
import type { DeletionBudget } from '../types/deletion-budget.js';
import type { RelatedSelect } from '../types/related.js';
import type { ResourceType } from '../types/resource-type.js';
import type { UpdateStrategy } from '../types/update-strategy.js';
import {
  CHILD_METADATA,
  FINALIZE_METADATA,
  OPERATOR_METADATA,
  RELATED_METADATA,
  SYNC_METADATA,
} from './metadata-keys.js';

/**
 * Any class an operator can be declared on: one `new` away from an instance.
 *
 * @remarks
 * Constructor parameters are whatever the DI container injects.
 *
 * @example
 * ```ts
 * const classes: OperatorClass[] = listOperatorClasses();
 * ```
 */
export type OperatorClass<T extends object = object> = new (...args: never[]) => T;

/**
 * What `@Operator` records on a class, already normalised to one shape.
 *
 * @remarks
 * `parent` is missing only when the decorator got no usable options (plain JavaScript);
 * validation reports it. `name` is what the author wrote; the default is derived at build time.
 *
 * @example
 * ```ts
 * readOperatorMetadata(EchoServerOperator)?.parent?.kind; // 'EchoServer'
 * ```
 */
export interface OperatorMetadata {
  readonly parent?: ResourceType;
  readonly spec?: DataClass;
  readonly status?: DataClass;
  readonly name?: string;
  readonly finalizerName?: string;
  readonly deletionBudget?: DeletionBudget | false;
}

/**
 * What one `@Child` records: the property, the child type and its update strategy.
 *
 * @remarks
 * `strategy` is recorded as written, and checked only at build time.
 *
 * @example
 * ```ts
 * readChildMetadata(EchoServerOperator).map((c) => c.property); // ['pods', 'service']
 * ```
 */
export interface ChildMetadata {
  readonly property: string | symbol;
  readonly type: ResourceType;
  readonly strategy: UpdateStrategy;
  /** True when the decorator sat on a static property (a mistake validation reports). */
  readonly isStatic: boolean;
}

/**
 * What one `@Related` records: the property, the related type and the function that selects a
 * parent's related objects.
 *
 * @remarks
 * `select` is recorded as written (plain JavaScript can pass anything), and checked only at build
 * time.
 *
 * @example
 * ```ts
 * readRelatedMetadata(DatabaseOperator).map((r) => r.property); // ['password']
 * ```
 */
export interface RelatedMetadata {
  readonly property: string | symbol;
  readonly type: ResourceType;
  readonly select: RelatedSelect;
  /** True when the decorator sat on a static property (a mistake validation reports). */
  readonly isStatic: boolean;
}

/**
 * What `@Sync` or `@Finalize` records: the method it marks.
 *
 * @remarks
 * `finalizerName` is only ever set by `@Finalize`.
 *
 * @example
 * ```ts
 * readSyncMetadata(EchoServerOperator)[0]?.method; // 'sync'
 * ```
 */
export interface MethodMetadata {
  readonly method: string | symbol;
  readonly isStatic: boolean;
  readonly finalizerName?: string;
}

// Property and method decorators get the prototype, or the constructor for static members.
export function classOf(target: object): { cls: object; isStatic: boolean } {
  return typeof target === 'function'
    ? { cls: target, isStatic: true }
    : { cls: target.constructor, isStatic: false };
}

// Appends to the class's own list, so many decorators of one kind can sit on one class.
export function appendMetadata<T>(key: string, cls: object, entry: T): void {
  const list: readonly T[] = Reflect.getOwnMetadata(key, cls) ?? [];
  Reflect.defineMetadata(key, [...list, entry], cls);
}

/**
 * Reads what `@Operator` recorded on exactly this class (not inherited from a base class).
 *
 * @remarks
 * A subclass of an operator is an operator only if it has its own `@Operator`.
 *
 * @example
 * ```ts
 * if (!readOperatorMetadata(cls)) console.log(`${cls.name} is not an operator`);
 * ```
 */
export function readOperatorMetadata(cls: object): OperatorMetadata | undefined {
  return Reflect.getOwnMetadata(OPERATOR_METADATA, cls);
}

/**
 * Reads every `@Child` of a class and its base classes, base class first.
 *
 * @remarks
 * A subclass that re-declares a property replaces the base class's `@Child` on it. Two `@Child`
 * on one property of the same class are both returned, so validation can report them.
 *
 * @example
 * ```ts
 * for (const child of readChildMetadata(EchoServerOperator)) console.log(child.type.kind);
 * ```
 */
export function readChildMetadata(cls: object): readonly ChildMetadata[] {
  return mergeAlongChain<ChildMetadata>(CHILD_METADATA, cls, (c) => c.property);
}

/**
 * Reads every `@Related` of a class and its base classes, base class first.
 *
 * @remarks
 * Same merging rules as {@link readChildMetadata}.
 *
 * @example
 * ```ts
 * for (const r of readRelatedMetadata(DatabaseOperator)) console.log(r.type.kind);
 * ```
 */
export function readRelatedMetadata(cls: object): readonly RelatedMetadata[] {
  return mergeAlongChain<RelatedMetadata>(RELATED_METADATA, cls, (r) => r.property);
}

/**
 * Reads every method marked `@Sync` on a class and its base classes.
 *
 * @remarks
 * An override of a marked method counts once. More than one entry means two different methods.
 *
 * @example
 * ```ts
 * readSyncMetadata(EchoServerOperator).length; // 1
 * ```
 */
export function readSyncMetadata(cls: object): readonly MethodMetadata[] {
  return mergeAlongChain<MethodMetadata>(SYNC_METADATA, cls, (m) => m.method);
}

/**
 * Reads every method marked `@Finalize` on a class and its base classes.
 *
 * @remarks
 * Same merging rules as {@link readSyncMetadata}.
 *
 * @example
 * ```ts
 * readFinalizeMetadata(EchoServerOperator)[0]?.finalizerName; // 'example.com/cleanup'
 * ```
 */
export function readFinalizeMetadata(cls: object): readonly MethodMetadata[] {
  return mergeAlongChain<MethodMetadata>(FINALIZE_METADATA, cls, (m) => m.method);
}

function mergeAlongChain<T>(key: string, cls: object, idOf: (entry: T) => string | symbol): T[] {
  const chain: object[] = [];
  for (let c: object | null = cls; c && c !== Function.prototype; c = Object.getPrototypeOf(c))
    chain.unshift(c);
  const merged: T[] = [];
  for (const c of chain) {
    const own: readonly T[] = Reflect.getOwnMetadata(key, c) ?? [];
    const ownIds = new Set(own.map(idOf));
    // Entries a subclass re-declares replace the inherited ones; duplicates within one class stay.
    for (let i = merged.length - 1; i >= 0; i--) if (ownIds.has(idOf(merged[i] as T))) merged.splice(i, 1);
    merged.push(...own);
  }
  return merged;
}
