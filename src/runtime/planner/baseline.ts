import type { KubeObject, NamedObject } from '../../types/kube-object.js';
import { isObjectList, isScalarSet, pairElements } from './compare.js';
import { canonicalJson, isRecord, shortSha256 } from './json.js';
import { hasKey, mergeKeyOf } from './merge-keys.js';
import { DESIRED_HASH_ANNOTATION, desiredHash } from './ownership.js';

/** What Operon remembers about a child right after writing it: what the server made of the write. */
export interface ChildBaseline {
  /** The desired hash the child was written from. */
  readonly desiredHash: string;
  /** The `resourceVersion` of the server's response to the write. */
  readonly resourceVersion: string;
  /** {@link projectionOf} the desired object onto the server's response. */
  readonly projection: string;
}

/** Hex digits kept: collisions would only hide drift within one child's fields, so 64 bits is ample. */
const PROJECTION_LENGTH = 16;

// Not state the author sets: a replace's object carries resourceVersion as a precondition. Owner
// references and finalizers are left out because no server rewrites them, so drift compares them
// on their own, with or without a baseline.
const UNPROJECTED_METADATA = ['ownerReferences', 'finalizers', 'resourceVersion'] as const;

/**
 * The baseline of a child Operon just wrote.
 *
 * @param desired - the decorated desired child that was written (what `decorateChild` returned).
 * @param written - the API server's response to the write: the object as stored, after admission,
 *   defaulting and mutating webhooks.
 */
export function baselineOf(desired: NamedObject, written: KubeObject): ChildBaseline {
  return {
    desiredHash: desired.metadata.annotations?.[DESIRED_HASH_ANNOTATION] ?? desiredHash(desired),
    resourceVersion: written.metadata?.resourceVersion ?? '',
    projection: projectionOf(desired, written),
  };
}

/**
 * A short hash of `live` projected onto the fields `desired` sets: unchanged as long as nobody changes
 * a field Operon writes, whatever the server made of it, and whatever else changes on the object.
 *
 * @remarks
 * Object lists pair as in drift detection (merge key, then a holding element at the same index or
 * elsewhere); a wanted element nothing holds falls back to the live element with its key, else the
 * one at its index. A list of scalars projects whole. From `metadata`, only the labels and annotations
 * `desired` sets count; owner references, finalizers and `resourceVersion` do not.
 */
export function projectionOf(desired: KubeObject, live: KubeObject): string {
  const { apiVersion: _apiVersion, kind: _kind, metadata, ...rest } = desired;
  const meta: Record<string, unknown> = { ...metadata };
  for (const field of UNPROJECTED_METADATA) delete meta[field];
  const projected = project({ ...rest, metadata: meta }, live, undefined);
  return shortSha256(canonicalJson(projected), PROJECTION_LENGTH);
}

/** `have` cut down to what `want` sets. An absent field projects to `undefined`, which JSON omits. */
function project(want: unknown, have: unknown, field: string | undefined): unknown {
  if (Array.isArray(want)) {
    if (!Array.isArray(have) || isScalarSet(field) || !isObjectList(want, have)) return have;
    const wanted = want as readonly Record<string, unknown>[];
    const pairs = pairForProjection(wanted, have, field);
    return wanted.map((w, i) => (pairs[i]! < 0 ? null : project(w, have[pairs[i]!], undefined)));
  }
  if (isRecord(want)) {
    if (!isRecord(have)) return have;
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(want)) {
      const w = want[key];
      if (w !== undefined) out[key] = project(w, have[key], key);
    }
    return out;
  }
  return have;
}

// Drift pairing first; an element nothing holds (the server rewrote it) still needs a partner, and
// the choice must depend only on the live list, so the same live object projects the same way.
function pairForProjection(
  want: readonly Record<string, unknown>[],
  have: readonly unknown[],
  field: string | undefined,
): number[] {
  const pairs = pairElements(want, have, field);
  const used = new Set(pairs.filter((j) => j >= 0));
  want.forEach((w, i) => {
    if (pairs[i]! >= 0) return;
    const key = mergeKeyOf(field, w);
    const j = key
      ? have.findIndex((h, k) => !used.has(k) && hasKey(key, h))
      : i < have.length && !used.has(i) && isRecord(have[i])
        ? i
        : -1;
    if (j < 0) return;
    pairs[i] = j;
    used.add(j);
  });
  return pairs;
}
