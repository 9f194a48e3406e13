import 'reflect-metadata';
import { FINALIZE_METADATA } from './metadata-keys.js';
import { appendMetadata, classOf, type MethodMetadata } from './read-metadata.js';

/**
 * Options of `@Finalize`.
 *
 * @remarks
 * The finalizer name is stored on every parent; changing it later leaves the old name behind on
 * existing objects, which then wait forever to be deleted. Pick it once.
 *
 * @example
 * ```ts
 * @Finalize({ finalizerName: 'example.com/cleanup' })
 * ```
 */
export interface FinalizeOptions {
  /** `<domain>/<name>`; defaults to the operator's `finalizerName`, else `<parent plural>.<parent group>/finalizer`. */
  finalizerName?: string;
}

/**
 * Marks the method that cleans up before a parent is allowed to disappear.
 *
 * @remarks
 * With a `@Finalize` method, Operon adds a finalizer to each parent before creating its first
 * child. When the parent is deleted, Kubernetes keeps it while the finalizer is there; Operon calls
 * this method (with the same {@link SyncRequest} as sync, `finalizing: true`) until it returns
 * `finalized: true`, then removes the finalizer. Throwing retries with backoff. The method must be
 * idempotent and must cope with `@Sync` never having succeeded. At most one per operator.
 *
 * @example
 * ```ts
 * @Finalize()
 * async finalize(req: SyncRequest<EchoServerSpec>): Promise<FinalizeResponse> {
 *   return { finalized: await this.dns.removeRecord(req.parent.metadata.name) };
 * }
 * ```
 */
export function Finalize(
  options: FinalizeOptions = {},
): (target: object, method: string | symbol, descriptor?: PropertyDescriptor) => void {
  return (target, method) => {
    const { cls, isStatic } = classOf(target);
    const entry: MethodMetadata = Object.freeze({
      method,
      isStatic,
      ...(options?.finalizerName !== undefined ? { finalizerName: options.finalizerName } : {}),
    });
    appendMetadata(FINALIZE_METADATA, cls, entry);
  };
}
/** Constants that belong with the `@Finalize` decorator. */
export namespace Finalize {
  /**
   * The reflect-metadata key (`'operon:finalize'`) under which `@Finalize` records the method it marks on the
   * class.
   */
  export const KEY = FINALIZE_METADATA;
}
