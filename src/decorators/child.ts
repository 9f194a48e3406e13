import 'reflect-metadata';
import type { KubeObject } from '../types/kube-object.js';
import type { ResourceType } from '../types/resource-type.js';
import type { ChildRef } from '../types/sync.js';
import type { UpdateStrategy } from '../types/update-strategy.js';
import { CHILD_METADATA } from './metadata-keys.js';
import { appendMetadata, type ChildMetadata, classOf } from './read-metadata.js';

/**
 * Declares one type of child the operator creates for each parent, and how Operon updates it.
 *
 * @remarks
 * The property receives a {@link ChildRef} when the configuration is built (after the instance is
 * constructed, so it is not there yet inside the constructor). Use it in `sync` to build desired
 * objects (`this.pods.desired({...})`) and to read current ones (`req.children(this.pods)`).
 * Children of this type that `sync` does not return are deleted after a successful sync.
 *
 * Strategies: `'apply'` (server-side apply, the default), `'replace'` (PUT in place),
 * `'recreate'` (delete, then create: for Pods and other objects with immutable fields), and
 * `'on-delete'` (create when missing, never update). Declare each child type once per operator.
 *
 * @example
 * ```ts
 * @Child(Pod, 'recreate') pods!: ChildRef<V1Pod>;
 * @Child(Service) service!: ChildRef<V1Service>;
 * ```
 */
export function Child<T extends KubeObject>(
  type: ResourceType<T>,
  strategy: UpdateStrategy = 'apply',
): ChildPropertyDecorator<T> {
  return (target: object, property: string | symbol) => {
    const { cls, isStatic } = classOf(target);
    const entry: ChildMetadata = Object.freeze({ property, type: type as ResourceType, strategy, isStatic });
    appendMetadata(CHILD_METADATA, cls, entry);
  };
}
/** Constants that belong with the `@Child` decorator. */
export namespace Child {
  /**
   * The reflect-metadata key (`'operon:child'`) under which `@Child` records the child types it declares on
   * the class.
   */
  export const KEY = CHILD_METADATA;
}

/**
 * A property decorator that only fits a property typed `ChildRef` of the decorator's resource type:
 * `@Child(Pod) services!: ChildRef<V1Service>` does not compile ("Unable to resolve signature of
 * property decorator"), instead of failing in `sync` at run time. An untyped `ChildRef` fits any
 * resource type.
 *
 * @remarks
 * With legacy decorators, `target` is the prototype (or the constructor, for a static property) and
 * `property` the key's literal type, so the class's property type can be checked here. A `private`
 * or `protected` property is invisible to that check (TypeScript hides its type outside the
 * class), so the second signature accepts it unchecked rather than rejecting it.
 */
export interface ChildPropertyDecorator<T extends KubeObject> {
  /** Applies to a public property typed `ChildRef<T>` (or an untyped `ChildRef`). */
  <K extends string | symbol>(target: { [P in K]?: ChildRef<T> }, property: K): void;
  /** Applies, unchecked, to a property TypeScript hides from the first signature (`private` or `protected`). */
  <O extends object, K extends string | symbol>(
    target: O & (K extends keyof O ? never : unknown),
    property: K,
  ): void;
}
