import { plainToInstance } from 'class-transformer';
import { type ValidationError, validate } from 'class-validator';
import type { SpecClass } from '../../config/operator-config.js';

/** The spec as transformed (also when invalid: `finalize` still needs it), and any violations as `path: message`. */
export type SpecResult<T> = { ok: true; spec: T } | { ok: false; spec: T; problems: string[] };

/**
 * Turns a parent's raw spec into an instance of the operator's spec class (class-transformer: nested
 * classes, arrays, dates, defaults from property initialisers) and validates it (class-validator).
 * Without a spec class the raw spec is passed through.
 */
export async function transformAndValidateSpec<T>(
  specClass: SpecClass<T> | undefined,
  raw: unknown,
): Promise<SpecResult<T>> {
  if (!specClass) return { ok: true, spec: (raw ?? {}) as T };
  const plain = raw && typeof raw === 'object' ? raw : {};
  const spec = plainToInstance(specClass as new () => T, plain, { exposeDefaultValues: true }) as T & object;
  const errors = await validate(spec, {
    forbidUnknownValues: false,
    validationError: { target: false, value: false },
  });
  if (errors.length === 0) return { ok: true, spec };
  return { ok: false, spec, problems: flatten(errors, 'spec') };
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
