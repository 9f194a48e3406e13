import { OperonError } from '../../errors/operon-error.js';
import type { KubeObject } from '../../types/kube-object.js';
import type { RelatedRef } from '../../types/related.js';
import { resourceTypeId } from '../../types/resource-type.js';
import type { ResolvedSelection, ResolvedSelections } from './selection.js';

/** What `req.related` / `req.relatedList` read: every object a relation selects, sorted by name. */
export type RelatedLookup = (ref: RelatedRef) => readonly KubeObject[];

/** The lookup of an operator without relations: any ref is one it does not declare. */
export const NO_RELATED: RelatedLookup = (ref) => {
  throw undeclared(ref, []);
};

/**
 * Builds the lookup a {@link SyncRequest} answers `related`/`relatedList` with: one relation's
 * selection for this parent, read through `objectsOf` (the caches at run time, plain objects in the
 * test kit) and sorted by name.
 *
 * @remarks
 * A ref is matched by property and type, not by identity: the handle `sync` passes may be another
 * instance than the configuration's (the NestJS adapter builds the configuration from a stand-in
 * before the real instance exists). Each relation is read once per pass and kept, so repeated
 * calls in one `sync` return the same objects.
 */
export function relatedLookup(
  refs: readonly RelatedRef[],
  selections: ResolvedSelections,
  objectsOf: (selection: ResolvedSelection) => readonly KubeObject[],
): RelatedLookup {
  const read = new Map<string, readonly KubeObject[]>();
  return (ref) => {
    const declared = refs.find(
      (r) =>
        r.property === ref?.property &&
        ref.type !== undefined &&
        resourceTypeId(r.type) === resourceTypeId(ref.type),
    );
    if (!declared) throw undeclared(ref, refs);
    let objects = read.get(declared.property);
    if (!objects) {
      const selection = selections.get(declared.property);
      objects = selection ? sortByName(objectsOf(selection)) : [];
      read.set(declared.property, objects);
    }
    return objects;
  };
}

/** Why a pass cannot have its related objects: the condition reason and message to report. */
export interface RelatedProblem {
  readonly reason: 'InvalidRelatedSelection' | 'RelatedReadFailed';
  readonly message: string;
  readonly cause?: unknown;
}

/**
 * Reads every relation's selection for one parent before `sync` runs, and returns the lookup
 * `req.related`/`req.relatedList` answer with synchronously from what was read: `sync` never waits
 * for, nor calls, the API server.
 *
 * @param read - a selection's whole objects (the run time reads the metadata cache and fetches or
 *   reuses the full copies: `RelatedSource.objects`).
 * @returns the lookup, or a `RelatedReadFailed` problem when a read failed for any reason but
 *   `signal` aborting (that rejects, so the pass ends as aborted).
 *
 * @remarks
 * What it returns is a snapshot, as stale as the caches it came from can be (like a kube-rs
 * reflector's store): a change not yet seen when it was read queues the parent again.
 */
export async function readRelated(
  refs: readonly RelatedRef[],
  selections: ResolvedSelections,
  read: (selection: ResolvedSelection, signal: AbortSignal | undefined) => Promise<readonly KubeObject[]>,
  signal?: AbortSignal,
): Promise<RelatedLookup | RelatedProblem> {
  const objects = new Map<ResolvedSelection, readonly KubeObject[]>();
  try {
    await Promise.all(
      [...selections.values()].map(async (selection) => {
        if (selection) objects.set(selection, await read(selection, signal));
      }),
    );
  } catch (e) {
    if (signal?.aborted) throw e;
    const why = e instanceof Error ? e.message : String(e);
    return {
      reason: 'RelatedReadFailed',
      message: `A related object could not be read: ${why}`,
      cause: e,
    };
  }
  return relatedLookup(refs, selections, (selection) => objects.get(selection) ?? []);
}

// Frozen like the objects in it: the same list is handed out for every call in a pass.
function sortByName(objects: readonly KubeObject[]): readonly KubeObject[] {
  return Object.freeze(
    [...objects].sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '')),
  );
}

function undeclared(ref: RelatedRef | undefined, refs: readonly RelatedRef[]): OperonError {
  const declared = refs.length ? refs.map((r) => `'${r.property}'`).join(', ') : 'none';
  return new OperonError(
    'CONFIG_INVALID',
    `req.related was given a relation this operator does not declare (${ref?.property ? `'${ref.property}'` : String(ref)}; declared: ${declared}). Pass a handle of this operator (this.<property> with @Related, or a relatedRef listed in the config's related).`,
  );
}
