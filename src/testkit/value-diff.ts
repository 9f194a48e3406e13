import { isRecord } from '../runtime/planner/json.js';
import { mergeKeyOf, renderKey } from '../runtime/planner/merge-keys.js';

/**
 * One field that differs between a recorded value and a new one. `before` is absent when the field
 * was added, `after` when it was removed.
 */
export interface FieldChange {
  /** Where, from the compared value down: `spec.containers[name=echo].image`, `metadata.labels["app.kubernetes.io/name"]`. */
  readonly path: string;
  readonly before?: unknown;
  readonly after?: unknown;
}

/**
 * Every field that differs between `before` and `after` (JSON values), in a stable order.
 *
 * @remarks
 * Objects compare key by key. Lists of objects that all carry a merge key (`name`, `containerPort`,
 * `mountPath`, ... as the planner pairs them) pair by that key, so a changed container reads
 * `containers[name=echo].image` wherever it sits; other lists pair by index when their lengths
 * agree, and otherwise show as one change of the whole list.
 */
export function diffValues(before: unknown, after: unknown): FieldChange[] {
  const out: FieldChange[] = [];
  walk(before, after, '', undefined, out);
  return out;
}

function walk(before: unknown, after: unknown, path: string, field: string | undefined, out: FieldChange[]) {
  if (sameJson(before, after)) return;
  if (before === undefined) {
    out.push({ path, after });
    return;
  }
  if (after === undefined) {
    out.push({ path, before });
    return;
  }
  if (isRecord(before) && isRecord(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    for (const key of keys) walk(before[key], after[key], join(path, key), key, out);
    return;
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const keyed = keyedList(before, field) && keyedList(after, field);
    if (keyed) {
      const b = byKey(before, field);
      const a = byKey(after, field);
      const keys = [...new Set([...b.keys(), ...a.keys()])];
      for (const key of keys) walk(b.get(key), a.get(key), `${path}${key}`, field, out);
      return;
    }
    if (before.length === after.length) {
      for (let i = 0; i < before.length; i++) walk(before[i], after[i], `${path}[${i}]`, field, out);
      return;
    }
  }
  out.push({ path, before, after });
}

/** True when every element is an object with a merge key, and no key repeats. */
function keyedList(list: readonly unknown[], field: string | undefined): boolean {
  if (list.length === 0) return true;
  const seen = new Set<string>();
  for (const element of list) {
    if (!isRecord(element)) return false;
    const key = mergeKeyOf(field, element);
    if (!key) return false;
    const rendered = renderKey(key);
    if (seen.has(rendered)) return false;
    seen.add(rendered);
  }
  return true;
}

function byKey(list: readonly unknown[], field: string | undefined): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const element of list) {
    const key = mergeKeyOf(field, element as Record<string, unknown>);
    if (key) out.set(renderKey(key), element);
  }
  return out;
}

function join(path: string, key: string): string {
  if (/^[A-Za-z_$][\w$-]*$/.test(key)) return path ? `${path}.${key}` : key;
  return `${path}[${JSON.stringify(key)}]`;
}

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

/** A value in a diff line: JSON, cut to `max` characters. */
export function showValue(value: unknown, max = 120): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}

/** One change as a line: `~ path: before → after`, `+ path: after`, `- path: before`. */
export function describeChange(change: FieldChange): string {
  const path = change.path || '(the whole value)';
  if (!('before' in change) || change.before === undefined) return `+ ${path}: ${showValue(change.after)}`;
  if (!('after' in change) || change.after === undefined) return `- ${path}: ${showValue(change.before)}`;
  return `~ ${path}: ${showValue(change.before)} → ${showValue(change.after)}`;
}
