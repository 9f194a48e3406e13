import { renderPath } from './compare.js';
import { isRecord } from './json.js';
import { mergeKeyOf, renderKey } from './merge-keys.js';

/**
 * One field that differs between two JSON values, as `kubectl diff` shows it: where, and from what
 * to what.
 *
 * @remarks
 * `operon plan` reports a child's update, the fields server-side apply would remove and the status
 * change in this shape; `replayFixtures` reports how a new response differs from a recorded one.
 */
export interface FieldChange {
  /**
   * The field, from the compared value down: `spec.containers[name=app].image`, `data.greeting`,
   * `metadata.labels["app.kubernetes.io/name"]`, `conditions[type=Synced].reason`. Entries of a
   * list of objects are named by their key, other entries by index (`args[1]`). Empty when the
   * compared value itself differs as a whole.
   */
  readonly path: string;
  /** `add`: absent before; `change`: another value before; `remove`: present before, absent after. */
  readonly op: 'add' | 'change' | 'remove';
  /** The value before; absent for `add`. */
  readonly from?: unknown;
  /** The value after; absent for `remove`. */
  readonly to?: unknown;
}

/**
 * Every field that differs between `from` and `to` (JSON values), strictly: what only one side has,
 * and every value that is not equal, in the order of `to` (then what only `from` has).
 *
 * @remarks
 * Objects compare key by key; a member whose value is `undefined` counts as absent, as in JSON.
 * Lists of objects whose every element has a distinct key pair by that key, whatever their order:
 * `type` for `conditions`, otherwise the planner's merge keys (`name`, `containerPort` + `protocol`,
 * `mountPath`, ...; see `merge-keys.ts`). Other lists pair by index when their lengths agree, and
 * otherwise show as one change of the whole list.
 *
 * Unlike the drift rules (`differenceIn`), nothing is forgiven: a field the API server defaulted
 * or a list entry someone else added is a difference here. Use it where two values Operon itself
 * produced are compared (a status it would write against the live one, a recorded response against
 * a new one), not to ask whether a live object holds a desired one.
 *
 * @param at - the path of the compared values, put before every change's path (`status`).
 */
export function diffJson(from: unknown, to: unknown, at = ''): FieldChange[] {
  const out: FieldChange[] = [];
  walk(from, to, at === '' ? [] : [at], undefined, out);
  return out;
}

function walk(
  from: unknown,
  to: unknown,
  path: readonly string[],
  field: string | undefined,
  out: FieldChange[],
): void {
  if (sameJson(from, to)) return;
  if (from === undefined) {
    out.push({ path: renderPath(path), op: 'add', to });
    return;
  }
  if (to === undefined) {
    out.push({ path: renderPath(path), op: 'remove', from });
    return;
  }
  if (isRecord(from) && isRecord(to)) {
    for (const key of unionOf(Object.keys(to), Object.keys(from))) {
      walk(from[key], to[key], [...path, propertySegment(key)], key, out);
    }
    return;
  }
  if (Array.isArray(from) && Array.isArray(to)) {
    const before = keyed(from, field);
    const after = keyed(to, field);
    if (before && after) {
      for (const key of unionOf([...after.keys()], [...before.keys()])) {
        walk(before.get(key), after.get(key), [...path, key], field, out);
      }
      return;
    }
    if (from.length === to.length) {
      for (let i = 0; i < from.length; i++) walk(from[i], to[i], [...path, `[${i}]`], field, out);
      return;
    }
  }
  out.push({ path: renderPath(path), op: 'change', from, to });
}

/** `first`'s keys in order, then those only `second` has. */
function unionOf(first: readonly string[], second: readonly string[]): string[] {
  return [...new Set([...first, ...second])];
}

/**
 * The elements of `list` by their key rendered as a path segment (`[type=Ready]`, `[name=app]`), or
 * undefined when some element has none or two share one.
 */
function keyed(list: readonly unknown[], field: string | undefined): Map<string, unknown> | undefined {
  const out = new Map<string, unknown>();
  for (const element of list) {
    if (!isRecord(element)) return undefined;
    let segment: string | undefined;
    // Conditions are a map by type (metav1.Condition's list-map key), which no merge key expresses.
    if (field === 'conditions' && typeof element.type === 'string') segment = `[type=${element.type}]`;
    else {
      const key = mergeKeyOf(field, element);
      segment = key && renderKey(key);
    }
    if (segment === undefined || out.has(segment)) return undefined;
    out.set(segment, element);
  }
  return out;
}

/**
 * A property as a path segment, as `compare.ts` renders one: `.name`, or `["app.kubernetes.io/name"]`
 * when the key is not an identifier.
 */
export function propertySegment(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

/** Equal as JSON: key order aside, and `undefined` members as absent. */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a))
    return Array.isArray(b) && a.length === b.length && a.every((v, i) => sameJson(v, b[i]));
  if (isRecord(a) && isRecord(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => sameJson(a[k], b[k]));
  }
  return false;
}

/** Values longer than this are cut in a change line (the structured change has them whole). */
const MAX_VALUE = 160;

/** A value on one line: JSON, cut at `max` characters. */
export function showValue(value: unknown, max = MAX_VALUE): string {
  const text = value === undefined ? 'undefined' : (JSON.stringify(value) ?? String(value));
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}

/**
 * One change as a line, as `operon plan` and replay reports print it: `~ path: old → new`,
 * `+ path: new`, `- path: old`.
 */
export function describeChange(change: FieldChange): string {
  const path = change.path || '(the whole value)';
  switch (change.op) {
    case 'add':
      return `+ ${path}: ${showValue(change.to)}`;
    case 'remove':
      return `- ${path}: ${showValue(change.from)}`;
    case 'change':
      return `~ ${path}: ${showValue(change.from)} → ${showValue(change.to)}`;
  }
}
