import { createHash } from 'node:crypto';

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
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k];
    return sorted;
  });
}

/** First `length` hex digits of the SHA-256 of `text`. */
export function shortSha256(text: string, length: number): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
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
