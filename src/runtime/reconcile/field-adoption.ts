import type { KubeObject } from '../../types/kube-object.js';
import { fieldManagersOf } from '../informers/field-managers.js';
import { isRecord } from '../planner/json.js';
import { SERVER_METADATA } from '../planner/ownership.js';

/**
 * What must happen to a live `apply` child's `managedFields` before a server-side apply of the
 * desired object can prune what it no longer sets.
 *
 * - `relabel`: the operator's one `Update` entry, at `index`, becomes its `Apply` entry (a JSON
 *   Patch of one field, guarded by `test`s of it and of the cached resourceVersion, no read first);
 * - `merge`: the operator has an `Apply` entry as well (or several `Update` entries): the child is
 *   read and its entries are merged into one `Apply` entry.
 */
export type FieldAdoption = { readonly kind: 'relabel'; readonly index: number } | { readonly kind: 'merge' };

/**
 * Whether `live` (a child about to be applied with `desired` by field manager `manager`) still has
 * fields its creation gave to `manager`'s `Update` entry that the apply would have to prune, and
 * how to hand them to the `Apply` entry first.
 *
 * @remarks
 * `apply` children are created with a POST: one request with nothing read first, and far less
 * work for the API server than a server-side apply that creates (measured: 1.3 ms against 2.1–2.6 ms
 * of API server CPU per object, and half the etcd work). A POST gives every field it sets, and
 * every default the API server fills in, to an `Update` entry of the operator's field manager. An
 * apply keeps such fields wherever it no longer sets them: they belong to another entry, so the
 * apply does not prune them. Hence this step, which kubectl's move from client-side to server-side
 * apply also takes: the `Update` entry is relabelled `Apply`, after which the apply prunes what
 * it drops (defaults are filled in again by the API server).
 *
 * It is needed only when the apply would have something to prune, so it is skipped when `desired`
 * sets every field `live` has (server-set metadata and `status` aside): then whatever the `Update`
 * entry owns is set again. An edit that changes values but not the shape of a child (the usual
 * update of a ConfigMap or a Secret) therefore costs one request, as before. A child whose type
 * has defaults (a Deployment, a Service) takes the step once, at its first update.
 */
export function fieldsToAdopt(
  live: KubeObject,
  desired: KubeObject,
  manager: string,
): FieldAdoption | undefined {
  const entries = fieldManagersOf(live).filter((e) => e.manager === manager);
  const updates = entries.filter((e) => e.operation === 'Update');
  if (updates.length === 0 || setsEverything(desired, live)) return undefined;
  if (updates.length === 1 && entries.length === 1) return { kind: 'relabel', index: updates[0].index };
  return { kind: 'merge' };
}

const SERVER_SET: ReadonlySet<string> = new Set(SERVER_METADATA);

/**
 * True when every field of `live` is set by `desired` too, so that an apply of `desired` prunes
 * nothing whoever owns them.
 *
 * @remarks
 * Lists are compared position by position, and conservatively: they must have the same length,
 * scalar items must be equal, and object items must agree on every scalar field both have (their
 * merge keys among them). A list whose items moved, or a set that lost a value, therefore counts
 * as not covered: a needless adoption costs one request, a missed one would leave a field behind.
 */
export function setsEverything(desired: KubeObject, live: KubeObject): boolean {
  for (const [key, value] of Object.entries(live)) {
    if (key === 'status' || key === 'apiVersion' || key === 'kind') continue;
    const want = (desired as Record<string, unknown>)[key];
    if (key === 'metadata' && isRecord(value)) {
      if (!isRecord(want)) return false;
      for (const [field, v] of Object.entries(value)) {
        if (SERVER_SET.has(field)) continue;
        if (!covers(want[field], v)) return false;
      }
      continue;
    }
    if (!covers(want, value)) return false;
  }
  return true;
}

function covers(want: unknown, have: unknown): boolean {
  if (want === undefined) return false;
  if (Array.isArray(have)) {
    if (!Array.isArray(want) || want.length !== have.length) return false;
    return have.every((item, i) => sameItem(want[i], item) && covers(want[i], item));
  }
  if (isRecord(have)) {
    if (!isRecord(want)) return false;
    for (const [k, v] of Object.entries(have)) if (!covers(want[k], v)) return false;
  }
  return true;
}

// Whether two list items at one position can be the same item: equal scalars; objects that agree
// on every scalar field both have.
function sameItem(want: unknown, have: unknown): boolean {
  if (!isRecord(have)) return isRecord(want) || Array.isArray(want) ? false : Object.is(want, have);
  if (!isRecord(want)) return false;
  for (const [k, v] of Object.entries(have)) {
    if (v === null || typeof v !== 'object') {
      if (k in want && (want[k] === null || typeof want[k] !== 'object') && !Object.is(want[k], v))
        return false;
    }
  }
  return true;
}

/** One entry of `metadata.managedFields` as the API server sends it. */
export interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  apiVersion?: string;
  time?: string;
  fieldsType?: string;
  fieldsV1?: Record<string, unknown>;
  subresource?: string;
}

/**
 * `entries` with every entry of `manager` for the main resource merged into one `Apply` entry
 * (the union of their fields), or undefined when `manager` has no `Update` entry there any more.
 */
export function adoptedManagedFields(
  entries: readonly ManagedFieldsEntry[],
  manager: string,
): ManagedFieldsEntry[] | undefined {
  const ours = entries.filter((e) => e.manager === manager && !e.subresource);
  if (!ours.some((e) => e.operation === 'Update')) return undefined;
  const applied = ours.find((e) => e.operation === 'Apply');
  const base = applied ?? ours[0];
  let fields: Record<string, unknown> = {};
  for (const e of ours) if (e.fieldsType === 'FieldsV1' && e.fieldsV1) fields = unionOf(fields, e.fieldsV1);
  const merged: ManagedFieldsEntry = {
    manager,
    operation: 'Apply',
    apiVersion: base.apiVersion,
    time: base.time,
    fieldsType: 'FieldsV1',
    fieldsV1: fields,
  };
  return [...entries.filter((e) => !ours.includes(e)), merged];
}

// A FieldsV1 set is a tree of objects; the union of two sets is their deep merge.
function unionOf(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const mine = out[k];
    out[k] = isRecord(mine) && isRecord(v) ? unionOf(mine, v) : isRecord(v) ? unionOf({}, v) : v;
  }
  return out;
}
