/** What replaces each value of a Secret's `data` and `stringData` in logs. */
export const REDACTED = '[REDACTED]';

/** Deeper than this, values are logged as they are: log objects are shallow in practice. */
const MAX_DEPTH = 8;

/**
 * Returns `value` with the `data` and `stringData` of every Kubernetes Secret in it (at any depth
 * up to 8, in objects and arrays, and the items of a `SecretList`) replaced by {@link REDACTED},
 * key by key, so a log still says which keys a Secret holds but never their values.
 *
 * @remarks
 * Copy-on-write: the input is never mutated (cached objects are frozen), and an object without a
 * Secret in it is returned as the same instance, so the common case allocates nothing. A Secret is
 * recognised by `kind: 'Secret'`; the items of a `kind: 'SecretList'` are treated as Secrets even
 * though list items carry no `kind` of their own.
 *
 * @example
 * ```ts
 * redactSecrets({ child: { kind: 'Secret', data: { password: 'aHVudGVyMg==' } } });
 * // → { child: { kind: 'Secret', data: { password: '[REDACTED]' } } }
 * ```
 */
export function redactSecrets<T>(value: T): T {
  return walk(value, 0, false) as T;
}

function walk(value: unknown, depth: number, isSecret: boolean): unknown {
  if (depth > MAX_DEPTH || typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const v = walk(value[i], depth + 1, isSecret);
      if (v !== value[i]) {
        copy ??= [...value];
        copy[i] = v;
      }
    }
    return copy ?? value;
  }
  if (!isPlainObject(value)) return value;
  const obj = value as Record<string, unknown>;
  const secret = isSecret || obj.kind === 'Secret';
  const listOfSecrets = obj.kind === 'SecretList';
  let copy: Record<string, unknown> | undefined;
  for (const [k, v] of Object.entries(obj)) {
    let next: unknown;
    if (secret && (k === 'data' || k === 'stringData')) next = censor(v);
    else if (listOfSecrets && k === 'items') next = walk(v, depth + 1, true);
    else next = walk(v, depth + 1, false);
    if (next !== v) {
      copy ??= { ...obj };
      copy[k] = next;
    }
  }
  return copy ?? value;
}

function censor(data: unknown): unknown {
  if (typeof data !== 'object' || data === null) return data === undefined ? data : REDACTED;
  return Object.fromEntries(Object.keys(data).map((k) => [k, REDACTED]));
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
