import { type Logger, silentLogger } from '../../observability/logger.js';
import type { KubeObject } from '../../types/kube-object.js';
import type { RelatedRef } from '../../types/related.js';
import type { ResourceType } from '../../types/resource-type.js';
import type { ChildRef, Parent, SyncRequest } from '../../types/sync.js';
import { NO_RELATED, type RelatedLookup } from '../related/related-lookup.js';

/**
 * Builds the {@link SyncRequest} `sync` and `finalize` get, from the parent (its spec already
 * transformed), a function listing its current children of one type, sorted by name, and one
 * listing what a relation selects (see `relatedLookup`). The runtime reads those from the caches;
 * the test kit's `runSync` from plain objects — one shape for both.
 */
export function syncRequest<TSpec>(
  parent: Parent<TSpec>,
  finalizing: boolean,
  childrenOf: (type: ResourceType) => readonly KubeObject[],
  signal: AbortSignal = new AbortController().signal,
  log: Logger = silentLogger(),
  relatedOf: RelatedLookup = NO_RELATED,
): SyncRequest<TSpec> {
  return {
    parent,
    finalizing,
    signal,
    log,
    children: <T extends KubeObject>(ref: ChildRef<T>) => childrenOf(ref.type) as T[],
    child: <T extends KubeObject>(ref: ChildRef<T>, name: string) =>
      childrenOf(ref.type).find((c) => c.metadata?.name === name) as T | undefined,
    related: <T extends KubeObject>(ref: RelatedRef<T>) => relatedOf(ref)[0] as T | undefined,
    relatedList: <T extends KubeObject>(ref: RelatedRef<T>) => relatedOf(ref) as readonly T[],
  };
}
