import { isDeepStrictEqual } from 'node:util';
import {
  differenceIn,
  isObjectList,
  isScalarSet,
  pairElements,
  renderPath,
} from '../runtime/planner/compare.js';
import { isRecord, toJson } from '../runtime/planner/json.js';
import { diffJson, type FieldChange, propertySegment } from '../runtime/planner/json-diff.js';
import { hasKey, mergeKeyOf, renderKey } from '../runtime/planner/merge-keys.js';
import { DESIRED_HASH_ANNOTATION } from '../runtime/planner/ownership.js';
import { fieldsToAdopt, type ManagedFieldsEntry } from '../runtime/reconcile/field-adoption.js';
import type { KubeObject } from '../types/kube-object.js';

/**
 * Every field where `live` does not hold what `desired` sets, with both values: what a write of
 * `desired` would change.
 *
 * @remarks
 * The runtime's own drift rules decide what "holds" (`differenceIn`: fields and list entries others
 * add are ignored, lists of objects pair by merge key, quantities compare by value, empty values
 * match absent fields), so a field listed here is a field the runtime would rewrite, and nothing
 * the API server or a webhook added shows up. Where `firstDifference` stops at the first such field,
 * this lists them all. `apiVersion`, `kind`, `metadata.resourceVersion` and Operon's desired-hash
 * annotation (bookkeeping that changes with every desired state) are left out.
 *
 * A list of scalars (`args`) is shown whole, old → new; an entry of a list of objects that no live
 * entry holds is shown inside the live entry with its merge key (`spec.ports[port=80,protocol=TCP].targetPort`),
 * or as added when there is none.
 */
export function childFieldChanges(desired: KubeObject, live: KubeObject): FieldChange[] {
  const { apiVersion: _apiVersion, kind: _kind, metadata, ...rest } = toJson(desired);
  const want: Record<string, unknown> = { ...rest };
  if (metadata) {
    const { resourceVersion: _resourceVersion, annotations, ...meta } = metadata;
    const { [DESIRED_HASH_ANNOTATION]: _hash, ...others } = annotations ?? {};
    want.metadata = Object.keys(others).length > 0 ? { ...meta, annotations: others } : meta;
  }
  const out: FieldChange[] = [];
  collect(want, live, undefined, [], out);
  return out;
}

function collect(
  want: unknown,
  have: unknown,
  field: string | undefined,
  path: readonly string[],
  out: FieldChange[],
): void {
  if (differenceIn(want, have, field) === undefined) return;
  // An absent object is walked as an empty one, so that what it would get is shown key by key.
  if (isRecord(want) && (have === undefined || isRecord(have))) {
    const held = have ?? {};
    for (const [key, w] of Object.entries(want)) {
      // Asked of the record holding the key, so quantity maps (`limits`, `hard`) keep comparing by value.
      if (w === undefined || differenceIn({ [key]: w }, held, field) === undefined) continue;
      collect(w, held[key], key, [...path, propertySegment(key)], out);
    }
    return;
  }
  if (Array.isArray(want) && Array.isArray(have) && !isScalarSet(field) && isObjectList(want, have)) {
    const wanted = want as readonly Record<string, unknown>[];
    const pairs = pairElements(wanted, have, field);
    pairs.forEach((paired, i) => {
      if (paired >= 0) return;
      const element = wanted[i]!;
      const key = mergeKeyOf(field, element);
      const counterpart = key ? have.find((h) => hasKey(key, h)) : have[i];
      const at = [...path, key ? renderKey(key) : `[${i}]`];
      if (counterpart === undefined) out.push({ path: renderPath(at), op: 'add', to: element });
      else collect(element, counterpart, undefined, at, out);
    });
    return;
  }
  out.push(
    have === undefined
      ? { path: renderPath(path), op: 'add', to: want }
      : { path: renderPath(path), op: 'change', from: have, to: want },
  );
}

/**
 * The fields that server-side apply of `desired` by field manager `manager` would remove: those
 * `manager`'s `Apply` entry in `live.metadata.managedFields` owns and `desired` no longer sets.
 *
 * @remarks
 * The caches drop `managedFields`, so `live` must come from a GET. Without this, a field the new
 * version of an operator stops setting would show only as a changed desired hash. Only `Apply`
 * entries count: a `replace` (PUT) clears whatever it omits, and a `recreate` starts afresh, so for
 * those the live object alone cannot tell which fields the last write set. The exception is a child
 * Operon created (by POST) and has not updated yet: when its writer would first relabel that
 * creation's `Update` entry `Apply` (`fieldsToAdopt`), that entry's fields count as well, including
 * the defaults the API server filled in at creation (it fills them in again after the apply).
 */
export function removedFields(desired: KubeObject, live: KubeObject, manager: string): FieldChange[] {
  const out: FieldChange[] = [];
  const want = toJson(desired);
  const entries = (live.metadata?.managedFields ?? []) as ManagedFieldsEntry[];
  // The Update entry of a child created by POST counts too when the writer would first hand its
  // fields to the Apply entry (see fieldsToAdopt).
  const adopting = fieldsToAdopt(live, desired, manager) !== undefined;
  for (const entry of entries) {
    const ours = entry.operation === 'Apply' || (adopting && entry.operation === 'Update');
    if (entry.manager !== manager || !ours || entry.subresource) continue;
    if (entry.fieldsType !== 'FieldsV1' || !isRecord(entry.fieldsV1)) continue;
    walkOwned(entry.fieldsV1, want, live, [], out);
  }
  const seen = new Set<string>();
  return out.filter((c) => !seen.has(c.path) && seen.add(c.path));
}

// Walks a FieldsV1 set (`f:<field>`, `k:<merge key JSON>`, `v:<value JSON>`, `i:<index>`) along the
// desired and live objects. A node is owned itself when it is a leaf or has a `.` entry; other nodes
// only lead to owned ones. The first owned node the desired object lacks and the live one has is
// reported, whole: everything under it goes with it.
function walkOwned(
  node: Record<string, unknown>,
  want: unknown,
  have: unknown,
  path: readonly string[],
  out: FieldChange[],
): void {
  for (const [raw, child] of Object.entries(node)) {
    const step = parseStep(raw);
    if (!step) continue;
    const live = step.pick(have);
    if (live === undefined) continue; // already gone: nothing to remove
    const at = [...path, step.segment];
    const desired = step.pick(want);
    const owned = !isRecord(child) || Object.keys(child).length === 0 || '.' in child;
    if (desired === undefined && owned) {
      out.push({ path: renderPath(at), op: 'remove', from: live });
      continue;
    }
    if (isRecord(child)) walkOwned(child, desired, live, at, out);
  }
}

interface Step {
  readonly segment: string;
  pick(value: unknown): unknown;
}

function parseStep(raw: string): Step | undefined {
  const kind = raw.slice(0, 2);
  const rest = raw.slice(2);
  if (kind === 'f:') {
    return { segment: propertySegment(rest), pick: (v) => (isRecord(v) ? v[rest] : undefined) };
  }
  if (kind === 'i:') {
    const index = Number(rest);
    return { segment: `[${rest}]`, pick: (v) => (Array.isArray(v) ? v[index] : undefined) };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(rest);
  } catch {
    return undefined;
  }
  if (kind === 'k:' && isRecord(parsed)) {
    const key = parsed;
    const matches = (el: unknown) =>
      isRecord(el) && Object.entries(key).every(([k, v]) => isDeepStrictEqual(el[k] ?? defaultOf(k), v));
    return {
      segment: `[${Object.entries(key)
        .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
        .join(',')}]`,
      pick: (v) => (Array.isArray(v) ? v.find(matches) : undefined),
    };
  }
  if (kind === 'v:') {
    return {
      segment: `[${JSON.stringify(parsed)}]`,
      pick: (v) => (Array.isArray(v) && v.some((x) => isDeepStrictEqual(x, parsed)) ? parsed : undefined),
    };
  }
  return undefined;
}

// The API server fills in a port's protocol, so a managed key carries it where the desired entry may not.
function defaultOf(field: string): unknown {
  return field === 'protocol' ? 'TCP' : undefined;
}

/**
 * How the status Operon would write differs from the live status: every field added, changed or
 * removed, with list entries paired by key (`type` for conditions, the merge key otherwise).
 *
 * @remarks
 * Strict, unlike {@link childFieldChanges}: Operon writes the status only when the whole of it
 * differs (`statusUnchanged`), so every difference is shown ({@link diffJson}, the diff replays use
 * too). Paths start with `status.`.
 */
export function statusChanges(
  next: Record<string, unknown>,
  live: Record<string, unknown> | undefined,
): FieldChange[] {
  return diffJson(live ?? {}, toJson(next), 'status');
}
