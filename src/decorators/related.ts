import 'reflect-metadata';
import type { KubeObject } from '../types/kube-object.js';
import type { RelatedRef, RelatedSelect } from '../types/related.js';
import type { ResourceType } from '../types/resource-type.js';
import { RELATED_METADATA } from './metadata-keys.js';
import { appendMetadata, classOf, type RelatedMetadata } from './read-metadata.js';

/**
 * Declares objects each parent reads but Operon never writes, such as the Secret holding a
 * database's password, and says from the parent which ones.
 *
 * @remarks
 * `select(parent)` returns `{ name }` (one object) or `{ selector }` (every object whose labels
 * match), in the parent's namespace unless it names another (`namespace`, ignored for a
 * cluster-scoped type); `undefined` when the parent reads nothing of this type. Annotate its
 * parameter (`(db: Parent<DatabaseSpec>) => ...`) to get the spec typed; it receives the parent as
 * `sync` does, spec transformed and validated.
 *
 * Operon watches the type (one watch per type and namespace, shared by every operator in the
 * process), keeps which parents select which objects, and runs a pass for exactly those parents
 * when a selected object is added, changed or deleted. In `sync`, `req.related(this.password)`
 * returns the object (or undefined) and `req.relatedList(ref)` every match, from the cache. The
 * property receives a {@link RelatedRef} when the configuration is built (after the instance is
 * constructed).
 *
 * @example
 * ```ts
 * @Related(Secret, (db: Parent<DatabaseSpec>) => ({ name: db.spec.passwordSecret }))
 * password!: RelatedRef<V1Secret>;
 * @Related(ConfigMap, (db: Parent<DatabaseSpec>) => ({ selector: { matchLabels: { database: db.metadata.name } } }))
 * settings!: RelatedRef<V1ConfigMap>;
 * ```
 */
export function Related<T extends KubeObject, TSpec = unknown>(
  type: ResourceType<T>,
  select: RelatedSelect<TSpec>,
): RelatedPropertyDecorator<T> {
  return (target: object, property: string | symbol) => {
    const { cls, isStatic } = classOf(target);
    const entry: RelatedMetadata = Object.freeze({
      property,
      type: type as ResourceType,
      select: select as RelatedSelect,
      isStatic,
    });
    appendMetadata(RELATED_METADATA, cls, entry);
  };
}
/** Constants that belong with the `@Related` decorator. */
export namespace Related {
  /**
   * The reflect-metadata key (`'operon:related'`) under which `@Related` records the relations it declares on
   * the class.
   */
  export const KEY = RELATED_METADATA;
}

/**
 * A property decorator that only fits a property typed `RelatedRef` of the decorator's resource
 * type: `@Related(Secret, ...) settings!: RelatedRef<V1ConfigMap>` does not compile. An untyped
 * `RelatedRef`, and a `private` or `protected` property, are accepted unchecked (see
 * `ChildPropertyDecorator` for why).
 */
export interface RelatedPropertyDecorator<T extends KubeObject> {
  /** Applies to a public property typed `RelatedRef<T>` (or an untyped `RelatedRef`). */
  <K extends string | symbol>(target: { [P in K]?: RelatedRef<T> }, property: K): void;
  /** Applies, unchecked, to a property TypeScript hides from the first signature (`private` or `protected`). */
  <O extends object, K extends string | symbol>(
    target: O & (K extends keyof O ? never : unknown),
    property: K,
  ): void;
}
