import { anyValue, isRecord, type JsonSchema, type JsonSchemaType, type RawSchema } from './json-schema.js';

/**
 * Turns a JSON schema (as class-validator-jsonschema and `@JSONSchema` give it) into a Kubernetes
 * structural schema, noting every change that loses information.
 *
 * @remarks
 * The rules (see "Specifying a structural schema" in the Kubernetes CRD docs):
 * - every node has a `type`, inferred from its keywords where missing (`minimum` → number,
 *   `properties` → object, …); a node with nothing to go on accepts any value
 *   (`x-kubernetes-preserve-unknown-fields`), and so does an object that names no field, since the
 *   API server would otherwise prune everything in it;
 * - no `$ref` (nested classes are inlined before this), no `additionalProperties` next to
 *   `properties`, no `additionalProperties: false`, no `uniqueItems: true` (a list of scalars
 *   becomes `x-kubernetes-list-type: set` instead);
 * - inside `allOf`/`anyOf`/`oneOf`/`not` only value validations: `type`, `description`, `default`,
 *   `nullable` and `additionalProperties` are removed there, and a junctor that means nothing once
 *   they are gone is dropped;
 * - only formats the API server knows (`url` → `uri`, `credit-card` → `creditcard`, `base64` →
 *   `byte`; others are dropped, since the server ignores them with a warning);
 * - numeric `exclusiveMinimum`/`exclusiveMaximum` (JSON Schema draft 6) become OpenAPI 3.0 booleans.
 *
 * @example
 * ```ts
 * const notes: string[] = [];
 * toStructural({ properties: { n: { minimum: 1 } } }, notes);
 * // { type: 'object', properties: { n: { type: 'number', minimum: 1 } } }
 * ```
 */
export function toStructural(raw: unknown, notes: string[] = [], path = ''): JsonSchema {
  return node(isRecord(raw) ? raw : {}, notes, path || '.');
}

const FORMATS = new Set([
  'bsonobjectid',
  'uri',
  'email',
  'hostname',
  'ipv4',
  'ipv6',
  'cidr',
  'mac',
  'uuid',
  'uuid3',
  'uuid4',
  'uuid5',
  'isbn',
  'isbn10',
  'isbn13',
  'creditcard',
  'ssn',
  'hexcolor',
  'rgbcolor',
  'byte',
  'password',
  'date',
  'duration',
  'datetime',
  'date-time',
  'int32',
  'int64',
  'float',
  'double',
]);
const FORMAT_ALIASES: Record<string, string> = { url: 'uri', 'credit-card': 'creditcard', base64: 'byte' };
const TYPES: readonly JsonSchemaType[] = ['object', 'array', 'string', 'integer', 'number', 'boolean'];
const NUMBER_KEYS = ['minimum', 'maximum', 'multipleOf', 'exclusiveMinimum', 'exclusiveMaximum'] as const;
const STRING_KEYS = ['minLength', 'maxLength', 'pattern'] as const;
const COPY_KEYS = [
  'title',
  'description',
  'default',
  'example',
  'nullable',
  'minimum',
  'maximum',
  'multipleOf',
  'minLength',
  'maxLength',
  'pattern',
  'minItems',
  'maxItems',
  'minProperties',
  'maxProperties',
] as const;
const JUNCTORS = ['allOf', 'anyOf', 'oneOf'] as const;

function node(raw: RawSchema, notes: string[], path: string): JsonSchema {
  if ('$ref' in raw) {
    notes.push(`${path}: a $ref that was not inlined (a class that refers to itself?); it accepts any value`);
    return anyValue();
  }
  const out: JsonSchema = {};
  for (const key of COPY_KEYS) if (raw[key] !== undefined) (out as Record<string, unknown>)[key] = raw[key];
  for (const [key, value] of Object.entries(raw)) {
    if (key.startsWith('x-kubernetes-')) (out as Record<string, unknown>)[key] = value;
  }
  if (Array.isArray(raw.enum)) out.enum = [...raw.enum];
  if (Array.isArray(raw.required)) out.required = raw.required.filter((r) => typeof r === 'string');
  exclusiveBound(raw, out, 'exclusiveMinimum', 'minimum');
  exclusiveBound(raw, out, 'exclusiveMaximum', 'maximum');
  format(raw, out, notes, path);

  if (isRecord(raw.properties)) {
    out.properties = {};
    for (const [name, child] of Object.entries(raw.properties)) {
      out.properties[name] = node(isRecord(child) ? child : {}, notes, `${path === '.' ? '' : path}.${name}`);
    }
  }
  if (isRecord(raw.additionalProperties)) {
    if (out.properties) notes.push(`${path}: additionalProperties dropped (not allowed next to properties)`);
    else out.additionalProperties = node(raw.additionalProperties, notes, `${path}[*]`);
  } else if (raw.additionalProperties === true && !out.properties) {
    out['x-kubernetes-preserve-unknown-fields'] = true;
  }
  if (isRecord(raw.items)) out.items = node(raw.items, notes, `${path}[]`);
  else if (raw.items !== undefined)
    notes.push(`${path}: tuple items are not supported; items accept any value`);

  for (const j of JUNCTORS) {
    if (!Array.isArray(raw[j])) continue;
    const branches = (raw[j] as unknown[]).map((b) => valueOnly(b));
    if (branches.length > 0 && branches.every((b): b is JsonSchema => b !== undefined)) out[j] = branches;
    else notes.push(`${path}: ${j} dropped (a structural schema allows only value validations in it)`);
  }
  if (raw.not !== undefined) {
    const not = valueOnly(raw.not);
    if (not) out.not = not;
    else notes.push(`${path}: not dropped (a structural schema allows only value validations in it)`);
  }

  const type = typeOfNode(raw, out);
  if (type) out.type = type;
  finishType(out, raw, notes, path);
  return order(out);
}

function exclusiveBound(
  raw: RawSchema,
  out: JsonSchema,
  key: 'exclusiveMinimum' | 'exclusiveMaximum',
  bound: 'minimum' | 'maximum',
): void {
  const v = raw[key];
  if (typeof v === 'boolean') {
    if (v && out[bound] !== undefined) out[key] = true;
  } else if (typeof v === 'number') {
    // Draft-6 form: the number is the bound itself. Keep the tighter of the two bounds.
    const current = out[bound];
    const tighter = current === undefined || (key === 'exclusiveMinimum' ? v >= current : v <= current);
    if (tighter) {
      out[bound] = v;
      out[key] = true;
    }
  }
}

function format(raw: RawSchema, out: JsonSchema, notes: string[], path: string): void {
  if (typeof raw.format !== 'string') return;
  const f = FORMAT_ALIASES[raw.format] ?? raw.format;
  if (FORMATS.has(f)) out.format = f;
  else notes.push(`${path}: format "${raw.format}" dropped (the API server does not know it)`);
}

function typeOfNode(raw: RawSchema, out: JsonSchema): JsonSchemaType | undefined {
  if (typeof raw.type === 'string' && (TYPES as readonly string[]).includes(raw.type)) {
    return raw.type as JsonSchemaType;
  }
  if (out.properties || out.additionalProperties || out.minProperties !== undefined) return 'object';
  if (out.items || out.minItems !== undefined || out.maxItems !== undefined || raw.uniqueItems)
    return 'array';
  if (NUMBER_KEYS.some((k) => out[k] !== undefined)) return 'number';
  if (STRING_KEYS.some((k) => out[k] !== undefined) || out.format === 'date-time') return 'string';
  if (out.enum?.length) {
    const values = out.enum;
    if (values.every((v) => typeof v === 'string')) return 'string';
    if (values.every((v) => Number.isInteger(v))) return 'integer';
    if (values.every((v) => typeof v === 'number')) return 'number';
    if (values.every((v) => typeof v === 'boolean')) return 'boolean';
  }
  return undefined;
}

function finishType(out: JsonSchema, raw: RawSchema, notes: string[], path: string): void {
  if (out.type === 'array') {
    out.items ??= anyValue();
    if (raw.uniqueItems === true) {
      const scalar = ['string', 'integer', 'number', 'boolean'].includes(out.items.type ?? '');
      if (scalar) out['x-kubernetes-list-type'] ??= 'set';
      else notes.push(`${path}: uniqueItems dropped (only lists of scalars can be sets)`);
    }
  } else if (out.type === 'object') {
    if (!out.properties && !out.additionalProperties) out['x-kubernetes-preserve-unknown-fields'] = true;
  } else if (!out.type && !out['x-kubernetes-int-or-string']) {
    out['x-kubernetes-preserve-unknown-fields'] = true;
  }
}

const FORBIDDEN_IN_JUNCTORS = new Set(['type', 'description', 'default', 'nullable', 'additionalProperties']);

/** A junctor branch with only value validations, or undefined when nothing meaningful is left. */
function valueOnly(raw: unknown): JsonSchema | undefined {
  if (!isRecord(raw) || '$ref' in raw || 'properties' in raw || 'items' in raw) return undefined;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (FORBIDDEN_IN_JUNCTORS.has(key) || key.startsWith('x-kubernetes-') || key === 'title') continue;
    if ((JUNCTORS as readonly string[]).includes(key)) {
      if (!Array.isArray(value)) return undefined;
      const branches = value.map(valueOnly);
      if (!branches.every((b) => b !== undefined)) return undefined;
      out[key] = branches;
    } else if (key === 'not') {
      const not = valueOnly(value);
      if (!not) return undefined;
      out.not = not;
    } else if (key === 'format') {
      const f = typeof value === 'string' ? (FORMAT_ALIASES[value] ?? value) : '';
      if (FORMATS.has(f)) out.format = f;
    } else if (key !== 'uniqueItems' && key !== 'required') {
      out[key] = value;
    }
  }
  return Object.keys(out).length > 0 ? (out as JsonSchema) : undefined;
}

// A stable, readable key order: type first, then the rest as `kubectl explain` lists them.
const ORDER = [
  'type',
  'format',
  'title',
  'description',
  'default',
  'nullable',
  'enum',
  'required',
  'properties',
  'additionalProperties',
  'items',
];

function order(s: JsonSchema): JsonSchema {
  const entries = Object.entries(s);
  const rank = (k: string) => {
    const i = ORDER.indexOf(k);
    return i === -1 ? ORDER.length + (k.startsWith('x-') ? 1 : 0) : i;
  };
  entries.sort(([a], [b]) => rank(a) - rank(b));
  return Object.fromEntries(entries) as JsonSchema;
}
