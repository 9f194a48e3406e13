import 'reflect-metadata';
import type { KubeObject } from '../types/kube-object.js';
import type { ResourceType } from '../types/resource-type.js';
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
): (target: object, property: string | symbol) => void {
  return (target, property) => {
    const { cls, isStatic } = classOf(target);
    const entry: ChildMetadata = Object.freeze({ property, type: type as ResourceType, strategy, isStatic });
    appendMetadata(CHILD_METADATA, cls, entry);
  };
}
Child.KEY = CHILD_METADATA;
