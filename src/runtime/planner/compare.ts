import { isRecord } from './json.js';
import { hasKey, mergeKeyOf, renderKey } from './merge-keys.js';
import { sameQuantity } from './quantity.js';

/**
 * Where a difference is, from the compared value down: `['.spec', '.containers', '[name=app]', '.image']`.
 * Empty when the compared value itself differs.
 */
export type PathSegments = readonly string[];

// Maps whose values are quantities (resources, quotas, limit ranges, node and volume capacity). Only
// here does `"0.5"` equal `"500m"`: elsewhere a string is a string.
const QUANTITY_MAPS: ReadonlySet<string> = new Set([
  'limits',
  'requests',
  'hard',
  'capacity',
  'allocatable',
  'overhead',
  'max',
  'min',
  'default',
  'defaultRequest',
  'maxLimitRequestRatio',
]);

// Scalar fields that are quantities (emptyDir's).
const QUANTITY_FIELDS: ReadonlySet<string> = new Set(['sizeLimit']);

// Scalar lists whose order means nothing and that others add to.
const SCALAR_SETS: ReadonlySet<string> = new Set(['finalizers']);

const HERE: PathSegments = [];

/**
 * Where `have` first fails to hold what `want` sets, or `undefined` when it holds all of it.
 *
 * @remarks
 * The rules (DESIGN rule 4: "holds" must survive what the API server and others do to an object):
 * - Objects compare key by key on the `want` side; keys only `have` has are ignored.
 * - Empty and zero values (`false`, `0`, `""`, `{}`, `[]`, `null`) hold against an absent field: the
 *   API server drops them (Go's `omitempty`).
 * - Lists of objects: each wanted element must be held by a distinct element of `have`, in any order;
 *   elements only `have` has (a token volume, default tolerations, an injected sidecar) are ignored.
 *   Elements pair by merge key (see `merge-keys.ts`), then preferably at the same index. The price:
 *   an element someone else added is never removed by Operon, as with a strategic merge patch.
 * - Lists of scalars (`args`, `command`) are ordered and compare element by element, same length;
 *   `finalizers` is a set.
 * - Scalars compare strictly (`"80"` is not `80`), except quantities in quantity maps (`limits`,
 *   `requests`, `hard`, ...) and `sizeLimit`, which compare by value (`"0.5"` = `"500m"`, `1` = `"1"`).
 *
 * @param field - the name of the field holding `want`, which selects list merge keys and quantities.
 */
export function differenceIn(want: unknown, have: unknown, field?: string): PathSegments | undefined {
  return diff(want, have, field, false);
}

/** Whether `have` holds everything `want` sets (see {@link differenceIn}). */
export function holds(want: unknown, have: unknown): boolean {
  return diff(want, have, undefined, false) === undefined;
}

/** `segments` as one path: `spec.containers[name=app].image`. */
export function renderPath(segments: PathSegments): string {
  const path = segments.join('');
  return path.startsWith('.') ? path.slice(1) : path;
}

/**
 * Whether a list compares as a list of objects: by the wanted elements, or, when none is wanted, by
 * the live ones (an empty wanted list of tolerations still lets the server add its own).
 */
export function isObjectList(want: readonly unknown[], have: readonly unknown[]): boolean {
  return want.length > 0 ? want.every(isRecord) : have.every(isRecord);
}

/** Whether the list in field `field` is a set of scalars. */
export function isScalarSet(field: string | undefined): boolean {
  return field !== undefined && SCALAR_SETS.has(field);
}

/**
 * For each wanted element of an object list, the index of the distinct live element that holds it, or
 * -1; as many as can be are paired.
 *
 * @remarks
 * An element with a merge key pairs only with a live element with the same key. Of the candidates,
 * the one at the same index is tried first, then the others in order. The pairing is a maximum
 * bipartite matching, so a greedy choice cannot leave an element unpaired that some assignment holds.
 */
export function pairElements(
  want: readonly Record<string, unknown>[],
  have: readonly unknown[],
  field: string | undefined,
): number[] {
  const candidates = want.map((w, i) => {
    const key = mergeKeyOf(field, w);
    return preferenceOrder(i, have.length).filter(
      (j) => (key === undefined || hasKey(key, have[j])) && holds(w, have[j]),
    );
  });
  return maximumMatching(candidates, have.length);
}

function diff(
  want: unknown,
  have: unknown,
  field: string | undefined,
  quantity: boolean,
): PathSegments | undefined {
  if (have === undefined && isEmptyValue(want)) return undefined;
  if (Array.isArray(want)) return Array.isArray(have) ? listDifference(want, have, field) : HERE;
  if (isRecord(want)) {
    if (!isRecord(have)) return HERE;
    const quantities = field !== undefined && QUANTITY_MAPS.has(field);
    // Object.keys, not entries: this runs for every field of every child on every pass.
    for (const key of Object.keys(want)) {
      const w = want[key];
      if (w === undefined) continue;
      const found = diff(w, have[key], key, quantities || QUANTITY_FIELDS.has(key));
      if (found) return [propertySegment(key), ...found];
    }
    return undefined;
  }
  return want === have || (quantity && sameQuantity(want, have)) ? undefined : HERE;
}

function listDifference(
  want: readonly unknown[],
  have: readonly unknown[],
  field: string | undefined,
): PathSegments | undefined {
  if (isScalarSet(field)) {
    const missing = want.findIndex((w) => !have.includes(w));
    return missing < 0 ? undefined : [`[${JSON.stringify(want[missing])}]`];
  }
  if (!isObjectList(want, have)) return orderedDifference(want, have);
  const wanted = want as readonly Record<string, unknown>[];
  const unpaired = pairElements(wanted, have, field).indexOf(-1);
  return unpaired < 0 ? undefined : unpairedDifference(wanted[unpaired]!, unpaired, have, field);
}

function orderedDifference(want: readonly unknown[], have: readonly unknown[]): PathSegments | undefined {
  const common = Math.min(want.length, have.length);
  for (let i = 0; i < common; i++) {
    const found = diff(want[i], have[i], undefined, false);
    if (found) return [`[${i}]`, ...found];
  }
  return want.length === have.length ? undefined : [`[${common}]`];
}

// The path for a wanted element nothing holds: into the live element with its key, or at its index,
// so a message points at the field that differs rather than at the whole element.
function unpairedDifference(
  want: Record<string, unknown>,
  index: number,
  have: readonly unknown[],
  field: string | undefined,
): PathSegments {
  const key = mergeKeyOf(field, want);
  const counterpart = key ? have.find((h) => hasKey(key, h)) : have[index];
  const inside = counterpart === undefined ? undefined : diff(want, counterpart, undefined, false);
  return [key ? renderKey(key) : `[${index}]`, ...(inside ?? HERE)];
}

/** Values Kubernetes omits when they are empty, and `null`, which asks for absence. */
function isEmptyValue(value: unknown): boolean {
  if (value === null || value === false || value === 0 || value === '') return true;
  if (Array.isArray(value)) return value.length === 0;
  return isRecord(value) && Object.keys(value).length === 0;
}

function propertySegment(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

function preferenceOrder(index: number, length: number): number[] {
  const order = index < length ? [index] : [];
  for (let j = 0; j < length; j++) if (j !== index) order.push(j);
  return order;
}

/** Kuhn's augmenting paths: lists here are a handful of elements, so its O(V·E) is nothing. */
function maximumMatching(candidates: readonly (readonly number[])[], liveCount: number): number[] {
  const pairOf = candidates.map(() => -1);
  const ownerOf = new Array<number>(liveCount).fill(-1);
  const assign = (i: number, seen: boolean[]): boolean => {
    for (const j of candidates[i]!) {
      if (seen[j]) continue;
      seen[j] = true;
      const owner = ownerOf[j]!;
      if (owner < 0 || assign(owner, seen)) {
        ownerOf[j] = i;
        pairOf[i] = j;
        return true;
      }
    }
    return false;
  };
  for (let i = 0; i < candidates.length; i++) assign(i, new Array<boolean>(liveCount).fill(false));
  return pairOf;
}
