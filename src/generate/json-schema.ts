import type { ValidationRule } from '../decorators/rule.js';

/**
 * One node of a CRD's OpenAPI v3 schema (`JSONSchemaProps` in apiextensions.k8s.io/v1), with the
 * wire names of its fields.
 *
 * @remarks
 * Only what a structural schema may hold: no `$ref`, `definitions`, `patternProperties` or
 * `dependencies`. `exclusiveMinimum`/`exclusiveMaximum` are booleans, as in OpenAPI 3.0.
 *
 * @example
 * ```ts
 * const replicas: JsonSchema = { type: 'integer', minimum: 1, maximum: 10, default: 1 };
 * ```
 */
export interface JsonSchema {
  type?: JsonSchemaType;
  format?: string;
  title?: string;
  description?: string;
  default?: unknown;
  example?: unknown;
  enum?: unknown[];
  nullable?: boolean;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
  multipleOf?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minItems?: number;
  maxItems?: number;
  minProperties?: number;
  maxProperties?: number;
  required?: string[];
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema;
  items?: JsonSchema;
  allOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  not?: JsonSchema;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: 'atomic' | 'granular';
  /** CEL rules the API server checks at admission (from `@Rule` and some class-validator decorators). */
  'x-kubernetes-validations'?: ValidationRule[];
}

/** The `type` values a structural schema uses. */
export type JsonSchemaType = 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';

/** Any JSON-ish object, as schema generators hand it over before it is made structural. */
export type RawSchema = Record<string, unknown>;

/** True for a non-null, non-array object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A node that accepts any JSON value and keeps it as it is. */
export function anyValue(description?: string): JsonSchema {
  return { ...(description ? { description } : {}), 'x-kubernetes-preserve-unknown-fields': true };
}

/** An object whose fields the schema does not describe: kept as they are, never pruned. */
export function freeObject(): JsonSchema {
  return { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
}
