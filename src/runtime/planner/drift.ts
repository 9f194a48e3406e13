import type { V1OwnerReference } from '@kubernetes/client-node';
import type { KubeObject } from '../../types/kube-object.js';
import { isRecord } from './json.js';
import { DESIRED_HASH_ANNOTATION } from './ownership.js';

/**
 * True when the live object already holds the desired state, so no write is needed (DESIGN rule 4).
 *
 * @param desired - a child as `decorateChild` returns it (it carries the desired-hash annotation).
 * @param live - the object in the cache.
 *
 * @remarks
 * Two checks, both required:
 * 1. The live desired-hash annotation equals the desired one. This catches a field the author
 *    removed, which the live object still has and no subset comparison can see.
 * 2. Every field the desired object sets equals the live one, which catches drift made by someone
 *    else in fields the operator owns. Objects compare key by key on the desired side, so fields the
 *    API server or other controllers add (defaults, `status`, other labels) are ignored. Arrays
 *    compare element by element and must have the same length. Scalars compare strictly: a desired
 *    `"80"` does not match a live `80`. Owner references (by UID) and finalizers are sets: each desired
 *    one must be live, in any order, and others may add theirs. `apiVersion` and
 *    `kind` are not compared (the caller pairs objects of the same type).
 *
 * The API server drops empty and zero values of many fields (Go's `omitempty`): a desired `false`,
 * `0`, `""`, `{}` or `[]` therefore matches a live field that is absent, and a desired `null`
 * matches absent or `null`.
 *
 * Limitation: values the API server rewrites into another form look like drift forever, and cause a
 * write on every sync (with `recreate`, a new object every sync). CPU `"0.5"` comes back as `"500m"`,
 * and a quantity written as the number `1` comes back as the string `"1"`. Write canonical forms in
 * desired objects: the form `kubectl get -o yaml` shows.
 */
export function matchesDesired(desired: KubeObject, live: KubeObject): boolean {
  // The field comparison below covers the annotation too; checking it first is the cheap common
  // case (a changed desired object), and rejects a desired object that lacks it.
  const hash = desired.metadata?.annotations?.[DESIRED_HASH_ANNOTATION];
  if (hash === undefined || live.metadata?.annotations?.[DESIRED_HASH_ANNOTATION] !== hash) return false;
  // apiVersion and kind are left out: the planner matched the type already, and objects from a list
  // response may lack them.
  const { metadata, apiVersion: _apiVersion, kind: _kind, ...rest } = desired;
  if (!holds(rest, live)) return false;
  if (metadata === undefined) return true;
  const { ownerReferences, finalizers, ...meta } = metadata;
  return (
    holds(meta, live.metadata) &&
    ownerReferencesHold(ownerReferences, live.metadata?.ownerReferences) &&
    (finalizers ?? []).every((f) => live.metadata?.finalizers?.includes(f))
  );
}

/** Whether `have` holds every value `want` sets (see {@link matchesDesired} for the rules). */
function holds(want: unknown, have: unknown): boolean {
  if (have === undefined && isEmptyValue(want)) return true;
  if (Array.isArray(want)) {
    return Array.isArray(have) && have.length === want.length && want.every((w, i) => holds(w, have[i]));
  }
  if (isRecord(want)) {
    return isRecord(have) && Object.entries(want).every(([key, w]) => w === undefined || holds(w, have[key]));
  }
  return want === have;
}

/** Values Kubernetes omits when they are empty, and `null`, which asks for absence. */
function isEmptyValue(value: unknown): boolean {
  if (value === null || value === false || value === 0 || value === '') return true;
  if (Array.isArray(value)) return value.length === 0;
  return isRecord(value) && Object.keys(value).length === 0;
}

// The API server keeps owner references as a set keyed by UID (finalizers as a plain set); others may
// add theirs and the order carries no meaning, so comparing them as arrays would see drift forever.
function ownerReferencesHold(
  want: readonly V1OwnerReference[] | undefined,
  have: readonly V1OwnerReference[] | undefined,
): boolean {
  return (want ?? []).every((w) => (have ?? []).some((h) => h.uid === w.uid && holds(w, h)));
}
