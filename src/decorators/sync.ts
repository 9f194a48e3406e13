import 'reflect-metadata';
import { SYNC_METADATA } from './metadata-keys.js';
import { appendMetadata, classOf, type MethodMetadata } from './read-metadata.js';

/**
 * Marks the method that computes, from one parent, its status and the complete set of children.
 *
 * @remarks
 * Exactly one method per operator. It gets a {@link SyncRequest} (the parent with its validated
 * spec, and the current children from Operon's caches) and returns a {@link SyncResponse}; it may be
 * async. It must not write to the cluster: Operon creates, updates and deletes the children.
 * Children it does not return are deleted, but only when it succeeds; if it throws, nothing is
 * deleted, the error is recorded on the parent, and the parent is retried with backoff.
 *
 * @example
 * ```ts
 * @Sync()
 * sync(req: SyncRequest<EchoServerSpec>): SyncResponse {
 *   return { children: [this.service.desired({ metadata: { name: req.parent.metadata.name } })] };
 * }
 * ```
 */
export function Sync(): (target: object, method: string | symbol, descriptor?: PropertyDescriptor) => void {
  return (target, method) => {
    const { cls, isStatic } = classOf(target);
    const entry: MethodMetadata = Object.freeze({ method, isStatic });
    appendMetadata(SYNC_METADATA, cls, entry);
  };
}
/** Constants that belong with the `@Sync` decorator. */
export namespace Sync {
  /**
   * The reflect-metadata key (`'operon:sync'`) under which `@Sync` records the method it marks on the class.
   */
  export const KEY = SYNC_METADATA;
}
