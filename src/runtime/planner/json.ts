import { hash } from 'node:crypto';

/** A value as it looks after a JSON round trip. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * Deep copy through JSON: drops `undefined`, turns `Date` into its ISO string, and cuts every
 * reference to the author's object, so what Operon hashes, compares and sends are the same bytes.
 */
export function toJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/**
 * JSON with object keys sorted at every depth. Two values that differ only in key order give the
 * same text; `undefined` members are dropped as `JSON.stringify` does.
 *
 * @remarks
 * Its text is a fingerprint stored on live objects (the desired-hash annotation), so it must never
 * change: it is exactly what `JSON.stringify` gives with a replacer that returns each object with
 * its keys inserted in sorted order ({@link canonicalJsonByReplacer}), down to that replacer's
 * quirks (integer-like keys first, in numeric order, as any object lists them). It is written out
 * by hand because the replacer copies every object once more; this runs for every desired child
 * on every pass. Values it was not written for (class instances other than plain objects, boxed
 * primitives, a `__proto__` key, deeper than {@link MAX_DEPTH}) go to the replacer form.
 */
export function canonicalJson(value: unknown): string {
  try {
    return writeCanonical(value, '', 0) as string;
  } catch (e) {
    if (e !== NOT_PLAIN) throw e;
    return canonicalJsonByReplacer(value);
  }
}

/**
 * {@link canonicalJson} by `JSON.stringify` and a key-sorting replacer: the definition of its text.
 * @internal
 */
export function canonicalJsonByReplacer(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k];
    return sorted;
  });
}

/** Beyond this depth a value goes to the replacer form: a cycle overflows the stack there, as it always has. */
const MAX_DEPTH = 200;
const NOT_PLAIN = Symbol('not plain JSON');
const INDEX_LIKE = /^(?:0|[1-9]\d*)$/;

function writeCanonical(input: unknown, key: string, depth: number): string | undefined {
  let v = input;
  if (typeof v === 'object' && v !== null && typeof (v as { toJSON?: unknown }).toJSON === 'function') {
    v = (v as { toJSON(key: string): unknown }).toJSON(key);
  }
  switch (typeof v) {
    case 'string':
      return quote(v);
    case 'number':
      return Number.isFinite(v) ? String(v) : 'null';
    case 'boolean':
      return v ? 'true' : 'false';
    case 'object':
      break;
    case 'bigint':
      throw NOT_PLAIN;
    default:
      return undefined; // undefined, a function or a symbol: dropped from objects, null in arrays
  }
  if (v === null) return 'null';
  if (depth > MAX_DEPTH) throw NOT_PLAIN;
  if (Array.isArray(v)) {
    let out = '[';
    for (let i = 0; i < v.length; i++) {
      if (i > 0) out += ',';
      out += writeCanonical(v[i], String(i), depth + 1) ?? 'null';
    }
    return `${out}]`;
  }
  const proto: unknown = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) throw NOT_PLAIN;
  const record = v as Record<string, unknown>;
  const keys = sortedKeys(record);
  let out = '{';
  for (const k of keys) {
    const member = writeCanonical(record[k], k, depth + 1);
    if (member === undefined) continue;
    if (out.length > 1) out += ',';
    out += `${quote(k)}:${member}`;
  }
  return `${out}}`;
}

// What JSON.stringify makes of a string; most need no escape, and a concatenation is cheaper then.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what JSON escapes
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;
function quote(s: string): string {
  return NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : `"${s}"`;
}

// Array.prototype.sort copies its input into work arrays: most of this function's garbage, for the
// handful of keys an object has here. An insertion sort in place orders them as sort() does (by
// UTF-16 code units, which is what < compares); a large object still goes to sort().
function sortInPlace(keys: string[]): string[] {
  if (keys.length > 24) return keys.sort();
  for (let i = 1; i < keys.length; i++) {
    const k = keys[i] as string;
    let j = i - 1;
    for (; j >= 0 && (keys[j] as string) > k; j--) keys[j + 1] = keys[j] as string;
    keys[j + 1] = k;
  }
  return keys;
}

// Sorted as strings, then, as an object built in that order lists its keys: array indices first,
// in numeric order.
function sortedKeys(record: Record<string, unknown>): string[] {
  const keys = sortInPlace(Object.keys(record));
  const indices: string[] = [];
  for (const k of keys) {
    if (k === '__proto__') throw NOT_PLAIN; // the replacer's copy would set a prototype instead
    const c = k.charCodeAt(0);
    if (c >= 48 && c <= 57 && INDEX_LIKE.test(k) && Number(k) < 4294967295) indices.push(k);
  }
  if (indices.length === 0) return keys;
  const named = keys.filter((k) => !indices.includes(k));
  return [...indices.sort((a, b) => Number(a) - Number(b)), ...named];
}

/** First `length` hex digits of the SHA-256 of `text`. */
export function shortSha256(text: string, length: number): string {
  return hash('sha256', text, 'hex').slice(0, length);
}

/** True for a non-null, non-array object (no prototype check: callers decide about class instances). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A short rendering of any value for messages: JSON when possible, bounded in length. */
export function show(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'function') return 'a function';
  // JSON would print NaN and Infinity as null, which hides the mistake.
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
