import { ConfigError } from '../../errors/operon-error.js';
import { isRecord } from '../planner/json.js';

/**
 * What replaces a redacted string. Valid base64 (it decodes to six bytes), so a `sync` that decodes
 * a redacted Secret value during a replay gets bytes, not an exception.
 */
export const REDACTED_VALUE = 'REDACTED';

/**
 * Values to hide in recorded fixtures, beyond the `data` and `stringData` of every Secret (always
 * hidden).
 *
 * @remarks
 * A redacted value keeps its type and shape, so the spec still validates when it is replayed: a
 * string becomes `"REDACTED"`, a number `0`, a boolean `false`; an object keeps its keys and a list
 * its length, with each value inside redacted the same way.
 */
export interface RedactOptions {
  /**
   * Paths from the root of every recorded object (the parent, each current child and related
   * object, each desired child) and of the response (`status.…`), dot-separated; `*` stands for any
   * key or list index: `spec.password`, `spec.env.*.value`, `metadata.annotations.*`. A key that
   * contains a dot is written as an array of keys: `['metadata', 'annotations', 'example.com/token']`.
   */
  readonly paths?: readonly (string | readonly string[])[];
  /** Keys redacted wherever they appear, at any depth (e.g. `password`, `token`). */
  readonly fields?: readonly string[];
}

/** {@link RedactOptions} in the one form fixtures store and replays apply: paths as key arrays. */
export interface RedactRules {
  readonly paths: readonly (readonly string[])[];
  readonly fields: readonly string[];
}

/**
 * Checks and normalises redaction options.
 * @throws ConfigError listing every unusable path or field.
 */
export function redactRules(options: RedactOptions | undefined, what = 'record.redact'): RedactRules {
  const problems: string[] = [];
  const paths: string[][] = [];
  for (const [i, path] of (options?.paths ?? []).entries()) {
    const keys = typeof path === 'string' ? path.split('.') : [...path];
    if (keys.length === 0 || keys.some((k) => typeof k !== 'string' || k === '')) {
      problems.push(
        `${what}.paths[${i}] (${JSON.stringify(path)}) has an empty key; write keys separated by single dots, e.g. "spec.password".`,
      );
    } else paths.push(keys);
  }
  const fields: string[] = [];
  for (const [i, field] of (options?.fields ?? []).entries()) {
    if (typeof field !== 'string' || field === '')
      problems.push(`${what}.fields[${i}] must be a non-empty key name.`);
    else fields.push(field);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return { paths, fields };
}

/** No rules beyond the Secrets. */
export const NO_RULES: RedactRules = { paths: [], fields: [] };

/**
 * A copy of one Kubernetes object (or of a response, rooted at `{ status }`) with every Secret's
 * `data` and `stringData` values and whatever the rules name replaced by placeholders. The input is
 * not touched. Secrets are found at the root (`kind: Secret` of core/v1) only: they are the objects
 * a fixture stores.
 */
export function redactObject<T>(value: T, rules: RedactRules): T {
  let out: unknown = value;
  if (isRecord(out) && out.kind === 'Secret' && (out.apiVersion === 'v1' || out.apiVersion === undefined)) {
    const secret: Record<string, unknown> = { ...out };
    for (const key of ['data', 'stringData']) {
      if (secret[key] !== undefined) secret[key] = placeholder(secret[key]);
    }
    out = secret;
  }
  for (const path of rules.paths) out = atPath(out, path, 0);
  if (rules.fields.length > 0) out = byField(out, new Set(rules.fields));
  return out as T;
}

/** The value's placeholder: same type, same keys, same length. */
function placeholder(value: unknown): unknown {
  if (typeof value === 'string') return REDACTED_VALUE;
  if (typeof value === 'number') return 0;
  if (typeof value === 'boolean') return false;
  if (Array.isArray(value)) return value.map(placeholder);
  if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, placeholder(v)]));
  return value; // null stays null: it says nothing
}

function atPath(value: unknown, path: readonly string[], depth: number): unknown {
  if (depth === path.length) return placeholder(value);
  const key = path[depth]!;
  if (Array.isArray(value)) {
    if (key === '*') return value.map((v) => atPath(v, path, depth + 1));
    const i = Number(key);
    if (!Number.isInteger(i) || i < 0 || i >= value.length) return value;
    const copy = [...value];
    copy[i] = atPath(copy[i], path, depth + 1);
    return copy;
  }
  if (!isRecord(value)) return value;
  if (key === '*') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, atPath(v, path, depth + 1)]));
  }
  if (!(key in value)) return value;
  return { ...value, [key]: atPath(value[key], path, depth + 1) };
}

function byField(value: unknown, fields: ReadonlySet<string>): unknown {
  if (Array.isArray(value)) return value.map((v) => byField(v, fields));
  if (!isRecord(value)) return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, fields.has(k) ? placeholder(v) : byField(v, fields)]),
  );
}
