import { plainToInstance } from 'class-transformer';
import { type ValidationError, validate } from 'class-validator';
import type { SpecClass } from '../../config/operator-config.js';

/** The spec as transformed (also when invalid: `finalize` still needs it), and any violations as `path: message`. */
export type SpecResult<T> = { ok: true; spec: T } | { ok: false; spec: T; problems: string[] };

/**
 * Turns a parent's raw spec into an instance of the operator's spec class (class-transformer: nested
 * classes, arrays, dates, defaults from property initialisers) and validates it (class-validator).
 * Without a spec class the raw spec is passed through.
 *
 * @param knownValid - this very spec was found valid before (the reconciler knows it by the parent's
 *   generation): it is only transformed, for a fresh instance, and not validated again.
 */
export async function transformAndValidateSpec<T>(
  specClass: SpecClass<T> | undefined,
  raw: unknown,
  knownValid = false,
): Promise<SpecResult<T>> {
  if (!specClass) return { ok: true, spec: (raw ?? {}) as T };
  const plain = raw && typeof raw === 'object' ? raw : {};
  let spec: T & object;
  try {
    spec = plainToInstance(specClass as new () => T, plain, { exposeDefaultValues: true }) as T & object;
    if (knownValid) return { ok: true, spec };
    const errors = await validate(spec, {
      forbidUnknownValues: false,
      validationError: { target: false, value: false },
    });
    if (errors.length === 0) return { ok: true, spec };
    return { ok: false, spec, problems: flatten(errors, 'spec') };
  } catch (e) {
    // The API server accepts specs these libraries cannot walk (a nesting thousands deep overflows
    // the stack). That is bad input, not a crash: report it, and hand `finalize` the raw spec so
    // the parent can still be deleted.
    const why = e instanceof Error ? e.message : String(e);
    return {
      ok: false,
      spec: plain as T,
      problems: [`spec: could not be read as ${specClass.name || 'the spec class'} (${why})`],
    };
  }
}

function flatten(errors: ValidationError[], prefix: string): string[] {
  const out: string[] = [];
  for (const e of errors) {
    const path = /^\d+$/.test(e.property) ? `${prefix}[${e.property}]` : `${prefix}.${e.property}`;
    for (const message of Object.values(e.constraints ?? {})) out.push(`${path}: ${message}`);
    if (e.children?.length) out.push(...flatten(e.children, path));
  }
  return out;
}
