import { ValidationTypes } from 'class-validator';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata.js';
import { typeHint } from './class-transformer-storage.js';
import type { RawSchema } from './json-schema.js';

/** Builds the inline schema of a nested class; supplied by the class-schema builder. */
export type NestedSchema = (cls: new () => unknown) => RawSchema;

/** A converter as class-validator-jsonschema calls it: one validation decorator → a schema fragment. */
export type Converter = (meta: ValidationMetadata) => RawSchema | undefined;

// class-validator's constraint names; the library keys its converters by them.
const C = {
  MIN: 'min',
  MAX: 'max',
  IS_POSITIVE: 'isPositive',
  IS_NEGATIVE: 'isNegative',
  IS_DIVISIBLE_BY: 'isDivisibleBy',
  IS_ENUM: 'isEnum',
  IS_IN: 'isIn',
  IS_NOT_IN: 'isNotIn',
  EQUALS: 'equals',
  NOT_EQUALS: 'notEquals',
  IS_EMPTY: 'isEmpty',
  IS_DATE: 'isDate',
  MIN_DATE: 'minDate',
  MAX_DATE: 'maxDate',
  IS_ISO8601: 'isIso8601',
  ARRAY_CONTAINS: 'arrayContains',
  ARRAY_NOT_CONTAINS: 'arrayNotContains',
} as const;

/**
 * Replaces the class-validator-jsonschema converters whose output a CRD cannot take or that get types
 * wrong, so that every fragment is already close to a structural schema.
 *
 * @remarks
 * - `@Min`/`@Max`/`@IsPositive`/… no longer say `type: number`: merged after `@IsInt` they turned an
 *   integer into a number. The type comes from `@IsInt`/`@IsNumber` or the property's TypeScript type.
 * - `exclusiveMinimum` is a boolean in OpenAPI 3.0 (what Kubernetes reads), not a number.
 * - Enums keep only the values of a TypeScript enum (not the reverse-mapped keys) with their real type.
 * - Dates are `type: string, format: date-time`, not a `oneOf` (types are not allowed inside one).
 * - Nested classes are inlined (no `$ref`), through {@link NestedSchema}, and a nested array without
 *   `each: true` is still an array.
 * - Custom validators and `@IsDefined` add nothing; the property's own type fills in the rest.
 */
export function structuralConverters(nested: NestedSchema): Record<string, Converter> {
  return {
    [C.MIN]: (m) => ({ minimum: m.constraints[0] }),
    [C.MAX]: (m) => ({ maximum: m.constraints[0] }),
    [C.IS_POSITIVE]: () => ({ minimum: 0, exclusiveMinimum: true }),
    [C.IS_NEGATIVE]: () => ({ maximum: 0, exclusiveMaximum: true }),
    [C.IS_DIVISIBLE_BY]: (m) => ({ multipleOf: m.constraints[0] }),
    [C.IS_ENUM]: (m) => enumSchema(enumValues(m.constraints[0])),
    [C.IS_IN]: (m) => enumSchema(asArray(m.constraints[0])),
    [C.EQUALS]: (m) => enumSchema([m.constraints[0]]),
    [C.IS_NOT_IN]: (m) => ({
      ...typeOf(asArray(m.constraints[0])),
      not: { enum: asArray(m.constraints[0]) },
    }),
    [C.NOT_EQUALS]: (m) => ({ ...typeOf([m.constraints[0]]), not: { enum: [m.constraints[0]] } }),
    [C.IS_DATE]: () => ({ type: 'string', format: 'date-time' }),
    [C.MIN_DATE]: () => ({ type: 'string', format: 'date-time' }),
    [C.MAX_DATE]: () => ({ type: 'string', format: 'date-time' }),
    // Accepts plain dates as well as date-times, so no format narrows it.
    [C.IS_ISO8601]: () => ({ type: 'string' }),
    [C.IS_EMPTY]: () => ({}),
    [C.ARRAY_CONTAINS]: () => ({ type: 'array' }),
    [C.ARRAY_NOT_CONTAINS]: () => ({ type: 'array' }),
    [ValidationTypes.IS_DEFINED]: () => ({}),
    [ValidationTypes.CUSTOM_VALIDATION]: () => ({}),
    [ValidationTypes.NESTED_VALIDATION]: (m) => nestedSchema(m, nested),
  };
}

function nestedSchema(meta: ValidationMetadata, nested: NestedSchema): RawSchema {
  if (typeof meta.target !== 'function') return {};
  const declared: unknown = Reflect.getMetadata('design:type', meta.target.prototype, meta.propertyName);
  const typed = typeHint(meta.target, meta.propertyName);
  const cls = typed ?? declared;
  if (typeof cls !== 'function' || cls === Array || cls === Object) {
    // `@ValidateNested()` on an array without `@Type(() => Item)`: the item class is unknown.
    return declared === Array && !meta.each ? { type: 'array' } : {};
  }
  const schema = nested(cls as new () => unknown);
  // class-validator validates each item of an array even without `each: true`; the schema must too.
  return declared === Array && !meta.each ? { type: 'array', items: schema } : schema;
}

/** The values of a TypeScript enum object, without the keys a numeric enum maps back. */
export function enumValues(enumObject: unknown): unknown[] {
  if (typeof enumObject !== 'object' || enumObject === null) return [];
  const e = enumObject as Record<string, unknown>;
  return Object.values(e).filter((v) => !(typeof v === 'string' && typeof e[v] === 'number'));
}

function enumSchema(values: unknown[]): RawSchema {
  return { ...typeOf(values), enum: values };
}

function typeOf(values: unknown[]): RawSchema {
  if (values.length === 0) return {};
  if (values.every((v) => typeof v === 'string')) return { type: 'string' };
  if (values.every((v) => typeof v === 'number' && Number.isInteger(v))) return { type: 'integer' };
  if (values.every((v) => typeof v === 'number')) return { type: 'number' };
  if (values.every((v) => typeof v === 'boolean')) return { type: 'boolean' };
  return {};
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
