import type { KubeObject } from '../../types/kube-object.js';

/**
 * One entry of an object's `metadata.managedFields` as the caches remember it: who, how, and where
 * in the list (the position a JSON Patch of that list must name).
 */
export interface FieldManagerEntry {
  readonly manager: string;
  /** `Apply` or `Update`. */
  readonly operation: string;
  /** Its position in `metadata.managedFields` when the object was cached. */
  readonly index: number;
}

const NONE: readonly FieldManagerEntry[] = Object.freeze([]);

// Cached objects drop managedFields (often half an object's size). What survives is this summary,
// and only for objects that have an `Update` entry of the main resource: the one case a writer
// needs to know about (see `fieldsToAdopt`). Objects written by server-side apply alone, the usual
// state of an `apply` child, keep no entry here at all.
const summaries = new WeakMap<object, readonly FieldManagerEntry[]>();

// Most objects of a kind carry the same few managers in the same places; they share one frozen list.
const interned = new Map<string, readonly FieldManagerEntry[]>();
const MAX_INTERNED = 1024;

/** One managedFields entry as the API server sends it (the fields this module reads). */
interface RawEntry {
  manager?: unknown;
  operation?: unknown;
  subresource?: unknown;
}

/**
 * Remembers, for `cached` (the cache's copy of an object whose `managedFields` were `entries`), the
 * field managers of its main resource, when one of them wrote it with an `Update` (POST, PUT or a
 * non-apply PATCH). Entries of subresources (`status`, `scale`) are left out: they never own fields
 * a write of the main resource would need to prune.
 * @internal
 */
export function rememberFieldManagers(cached: object, entries: readonly unknown[]): void {
  const summary = summarize(entries);
  if (summary.length > 0) summaries.set(cached, summary);
}

/**
 * The field managers of `obj`'s main resource, read from its `managedFields` when it has them (an
 * answer to a write) and otherwise from the summary its cache kept: empty when none of them wrote
 * it with an `Update`, or when nothing is known.
 */
export function fieldManagersOf(obj: KubeObject): readonly FieldManagerEntry[] {
  const entries = obj.metadata?.managedFields;
  if (entries) return summarize(entries);
  return summaries.get(obj) ?? NONE;
}

function summarize(entries: readonly unknown[]): readonly FieldManagerEntry[] {
  const main: FieldManagerEntry[] = [];
  entries.forEach((raw, index) => {
    const e = raw as RawEntry;
    if (e.subresource || typeof e.manager !== 'string' || typeof e.operation !== 'string') return;
    main.push({ manager: e.manager, operation: e.operation, index });
  });
  if (!main.some((e) => e.operation === 'Update')) return NONE;
  const key = main.map((e) => `${e.index}\u0000${e.operation}\u0000${e.manager}`).join('\u0001');
  const known = interned.get(key);
  if (known) return known;
  for (const e of main) Object.freeze(e);
  Object.freeze(main);
  if (interned.size < MAX_INTERNED) interned.set(key, main);
  return main;
}
