import { getMetadataStorage, ValidationTypes } from 'class-validator';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata.js';
import { readRuleMetadata, type ValidationRule } from '../decorators/rule.js';
import { ConfigError } from '../errors/operon-error.js';
import type { DataClass } from '../types/custom-resource.js';
import { classTransformerStorage } from './class-transformer-storage.js';
import type { Converter } from './converters.js';
import { isRecord, type RawSchema } from './json-schema.js';

// class-validator's names of the decorators that become CEL rules.
const CONTAINS = 'contains';
const NOT_CONTAINS = 'notContains';
const ARRAY_CONTAINS = 'arrayContains';
const ARRAY_NOT_CONTAINS = 'arrayNotContains';
// `@IsOptional` is a conditional validation too, but its condition (skip null and undefined) is what
// the API server does anyway: a rule never runs on an absent or null field.
const IS_OPTIONAL = 'isOptional';

/**
 * Converters for the decorators whose check is a CEL rule rather than a schema keyword: they only
 * type the node, and {@link addValidationRules} adds the rule.
 *
 * @remarks
 * class-validator-jsonschema turns `@Contains(seed)` into `pattern: seed` and `@NotContains(seed)` into
 * `not: { pattern: seed }`: the seed is read as a regular expression, so `@NotContains('.')` refused
 * every non-empty string. The CEL rule is exact, and several of them (or a `@Matches` beside one) no
 * longer overwrite each other's `pattern` when the fragments are merged.
 */
export function celConverters(): Record<string, Converter> {
  return {
    [CONTAINS]: () => ({ type: 'string' }),
    [NOT_CONTAINS]: () => ({ type: 'string' }),
  };
}

/**
 * Adds the `x-kubernetes-validations` of one class's schema: the CEL equivalents of its
 * class-validator decorators that the structural schema cannot state, then its `@Rule`s (class rules
 * on the object itself, property rules on the property's node).
 *
 * @remarks
 * Called on the schema of each class as it is built, before it is made structural (which keeps every
 * `x-kubernetes-*` key), so nested classes carry their own rules wherever they are inlined. The
 * class-validator equivalents, all exact (the API server accepts exactly what class-validator does):
 * - `@Contains(s)` → `self.contains(s)`, `@NotContains(s)` → `!self.contains(s)` (a non-empty string
 *   seed, on a string);
 * - `@ArrayContains([a, b])` → `a in self && b in self`, `@ArrayNotContains([a, b])` →
 *   `!(a in self) && !(b in self)` (on a list of strings, integers, numbers or booleans, values of that
 *   type).
 * With `each: true`, the rule goes on the list's items (or the map's values). A property with
 * `@ValidateIf`, and a decorator with a `validateIf` option, gets none: its checks are conditional.
 * The messages are class-validator's (or the decorator's own `message`, when it is a string
 * without `$value`).
 *
 * @throws ConfigError when a property `@Rule` has no node to sit on (a property without any
 *   class-validator decorator, a static or symbol property).
 */
export function addValidationRules(cls: DataClass, schema: RawSchema): void {
  const properties = isRecord(schema.properties) ? schema.properties : undefined;
  if (properties) addEquivalents(cls, properties);
  const problems: string[] = [];
  const classRules: ValidationRule[] = [];
  for (const { property, isStatic, validation } of readRuleMetadata(cls)) {
    if (property === undefined) {
      classRules.push({ ...validation });
      continue;
    }
    const where = `${cls.name}.${String(property)}`;
    if (isStatic || typeof property === 'symbol') {
      problems.push(
        `${where}: @Rule on a ${isStatic ? 'static' : 'symbol'} property, which objects of the class do not have; move it to an instance property or onto the class`,
      );
      continue;
    }
    const node = properties?.[schemaKey(cls, property)];
    if (!isRecord(node)) {
      problems.push(
        `${where}: @Rule on a property the CRD schema does not describe (it has no class-validator decorator, and the API server would prune it); add one, such as @IsString() or @Allow()`,
      );
      continue;
    }
    appendRules(node, [{ ...validation }]);
  }
  appendRules(schema, classRules);
  if (problems.length > 0) throw new ConfigError(problems);
}

function addEquivalents(cls: DataClass, properties: Record<string, unknown>): void {
  const metadatas = getMetadataStorage().getTargetValidationMetadatas(cls, '', true, false);
  const conditional = new Set(
    metadatas
      .filter((m) => m.type === ValidationTypes.CONDITIONAL_VALIDATION && m.name !== IS_OPTIONAL)
      .map((m) => m.propertyName),
  );
  for (const meta of metadatas) {
    if (
      meta.type !== ValidationTypes.CUSTOM_VALIDATION ||
      meta.validateIf ||
      conditional.has(meta.propertyName)
    )
      continue;
    const key = schemaKey(cls, meta.propertyName);
    const node = properties[key];
    if (!isRecord(node)) continue;
    const target = meta.each ? eachNode(node) : node;
    const rule = target && equivalent(meta, target, key, cls);
    if (target && rule) appendRules(target, [rule]);
  }
}

// Where class-validator's `each` applies a check: a list's items, a map's values.
function eachNode(node: RawSchema): RawSchema | undefined {
  if (node.type === 'array' && isRecord(node.items)) return node.items;
  if (node.type === 'object' && isRecord(node.additionalProperties)) return node.additionalProperties;
  return undefined;
}

function equivalent(
  meta: ValidationMetadata,
  node: RawSchema,
  property: string,
  cls: DataClass,
): ValidationRule | undefined {
  const constraint: unknown = meta.constraints?.[0];
  switch (meta.name) {
    case CONTAINS:
    case NOT_CONTAINS: {
      // class-validator's `contains` fails on any non-string; an empty seed is not what
      // CEL's contains means by it (class-validator: '' does not contain '').
      if (node.type !== 'string' || typeof constraint !== 'string' || constraint === '') return undefined;
      const seed = celLiteral(constraint, 'string');
      if (seed === undefined) return undefined;
      return meta.name === CONTAINS
        ? withMessage(
            `self.contains(${seed})`,
            meta,
            cls,
            property,
            '$property must contain a $constraint1 string',
          )
        : withMessage(
            `!self.contains(${seed})`,
            meta,
            cls,
            property,
            '$property should not contain a $constraint1 string',
          );
    }
    case ARRAY_CONTAINS:
    case ARRAY_NOT_CONTAINS: {
      if (meta.each || node.type !== 'array' || !isRecord(node.items)) return undefined;
      if (!Array.isArray(constraint) || constraint.length === 0) return undefined;
      const itemType = node.items.type;
      const values = constraint.map((v: unknown) => celLiteral(v, itemType));
      // class-validator compares with ===: an object is never in a list read from JSON, and a value
      // of another type than the items never matches; such a decorator gets no rule.
      if (!values.every((v): v is string => v !== undefined)) return undefined;
      return meta.name === ARRAY_CONTAINS
        ? withMessage(
            values.map((v) => `${v} in self`).join(' && '),
            meta,
            cls,
            property,
            '$property must contain $constraint1 values',
          )
        : withMessage(
            values.map((v) => `!(${v} in self)`).join(' && '),
            meta,
            cls,
            property,
            '$property should not contain $constraint1 values',
          );
    }
    default:
      return undefined;
  }
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * A CEL literal equal to `value` for a node of the given schema type, or undefined when there is
 * none: CEL does not compare an int with a double (`self != 3` does not compile on a number), so
 * the literal follows the node's type.
 */
export function celLiteral(value: unknown, type: unknown): string | undefined {
  switch (type) {
    case 'string':
      // A lone surrogate is not text: CEL strings are Unicode.
      return typeof value === 'string' && !LONE_SURROGATE.test(value) ? celString(value) : undefined;
    case 'integer':
      return Number.isSafeInteger(value) ? String(value) : undefined;
    case 'number': {
      if (typeof value !== 'number' || !Number.isFinite(value)) return undefined;
      const text = String(value);
      return /[.eE]/.test(text) ? text : `${text}.0`;
    }
    case 'boolean':
      return typeof value === 'boolean' ? String(value) : undefined;
    default:
      return undefined;
  }
}

// Single-quoted, so the rule reads without escapes in YAML and JSON; control characters as \uXXXX.
function celString(text: string): string {
  let out = "'";
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '\\' || ch === "'") out += `\\${ch}`;
    else if (code < 0x20 || code === 0x7f) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}'`;
}

// class-validator's message for the decorator: its own, or the decorator's `message` option.
function withMessage(
  rule: string,
  meta: ValidationMetadata,
  cls: DataClass,
  property: string,
  template: string,
): ValidationRule {
  const own = typeof meta.message === 'string' ? meta.message : undefined;
  // `$value` would need a messageExpression per type; the default message is clear enough.
  const text =
    own?.trim() && !own.includes('$value') ? own : `${meta.each ? 'each value in ' : ''}${template}`;
  const message = text
    .replace(/\$property/g, () => property)
    .replace(/\$target/g, () => cls.name)
    .replace(/\$constraint1/g, () => constraintText(meta.constraints?.[0]))
    // The API server refuses a message with line breaks.
    .replace(/\s*[\r\n]+\s*/g, ' ')
    .trim();
  return { rule, message };
}

// As class-validator prints a constraint into a message.
function constraintText(constraint: unknown): string {
  if (Array.isArray(constraint)) return constraint.join(', ');
  if (typeof constraint === 'symbol') return constraint.description ?? '';
  return `${constraint}`;
}

// The property's name in the schema: class-validator-jsonschema uses `@Expose({ name })` when given.
function schemaKey(cls: DataClass, property: string): string {
  return classTransformerStorage().findExposeMetadata(cls, property)?.options?.name ?? property;
}

// Appends rules after those already on the node (from `@JSONSchema`, say), once each.
function appendRules(node: RawSchema, rules: readonly ValidationRule[]): void {
  if (rules.length === 0) return;
  const existing = Array.isArray(node['x-kubernetes-validations'])
    ? (node['x-kubernetes-validations'] as ValidationRule[])
    : [];
  const seen = new Set(existing.map((r) => JSON.stringify(r)));
  const added = rules.filter((r) => {
    const key = JSON.stringify(r);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  node['x-kubernetes-validations'] = [...existing, ...added];
}
