import 'reflect-metadata';
import { getMetadataStorage, validateSync } from 'class-validator';
import { targetConstructorToSchema } from 'class-validator-jsonschema';
import type { DataClass } from '../types/custom-resource.js';
import { addValidationRules, celConverters } from './cel-rules.js';
import { classTransformerStorage, typeHint } from './class-transformer-storage.js';
import { type Converter, structuralConverters } from './converters.js';
import { freeObject, isRecord, type JsonSchema, type RawSchema } from './json-schema.js';
import { toStructural } from './structural.js';

/** Options of {@link classSchema}. */
export interface ClassSchemaOptions {
  /**
   * Put each property's initial value (`replicas = 1`) in the schema as its `default`, and leave that
   * property out of `required`. Default true: the API server then fills in what class-transformer
   * would, so the stored object and `kubectl get -o yaml` show it.
   */
  defaults?: boolean;
  /** Receives a line for every part of the classes the schema could not express. */
  notes?: string[];
}

/**
 * Derives a structural OpenAPI v3 schema from a class's class-validator and class-transformer
 * decorators, ready to be a CRD's `spec` or `status` schema.
 *
 * @remarks
 * Built on class-validator-jsonschema, with converters that keep the result structural (see
 * {@link toStructural}): every level has a `type`, nested classes (`@ValidateNested()` with
 * `@Type(() => Item)`, or any property whose TypeScript type is a class) are inlined rather than
 * `$ref`'d, arrays of classes become `items`, enums keep their values and type, `@IsOptional()`
 * properties are not `required`, and `@JSONSchema({...})` from class-validator-jsonschema merges
 * extra keywords such as `description` into a property. `@Rule`s, and the exact CEL equivalents of
 * `@Contains`, `@NotContains`, `@ArrayContains` and `@ArrayNotContains`, become
 * `x-kubernetes-validations` on their nodes (see `addValidationRules`), for the API server to check.
 *
 * Only decorated properties exist for the schema, as for class-validator: the API server prunes a
 * field the schema does not name, so give every field at least one decorator (`@Allow()` will do).
 * A property typed as an interface, a `Record` or `any` accepts any value, and a class that refers to
 * itself stops the recursion with an object that accepts any field (both are noted in `notes`).
 *
 * @example
 * ```ts
 * class Port { @IsInt() @Min(1) port!: number; @IsOptional() @IsIn(['TCP', 'UDP']) protocol?: string; }
 * class Spec {
 *   @ValidateNested({ each: true }) @Type(() => Port) ports!: Port[];
 *   @IsInt() replicas = 1;
 * }
 * classSchema(Spec);
 * // { type: 'object', required: ['ports'], properties: {
 * //     ports: { type: 'array', items: { type: 'object', required: ['port'], properties: {...} } },
 * //     replicas: { type: 'integer', default: 1 } } }
 * ```
 */
export function classSchema(cls: DataClass, options: ClassSchemaOptions = {}): JsonSchema {
  const notes = options.notes ?? [];
  const raw = new RawClassSchema(options.defaults ?? true, notes).forClass(cls);
  return toStructural(raw, notes, cls.name);
}

// Builds the (not yet structural) schema of one class and, recursively, of the classes it nests.
class RawClassSchema {
  private readonly stack: DataClass[] = [];
  private readonly converters: Record<string, Converter>;

  constructor(
    private readonly defaults: boolean,
    private readonly notes: string[],
  ) {
    // Contains/NotContains become CEL rules (see cel-rules.ts), not the library's regex patterns.
    this.converters = { ...structuralConverters((c) => this.forClass(c)), ...celConverters() };
  }

  forClass(cls: DataClass): RawSchema {
    if (this.stack.includes(cls)) {
      this.notes.push(
        `${cls.name} contains itself; a CRD schema cannot be recursive, so the inner one accepts any field`,
      );
      return { ...freeObject() };
    }
    this.stack.push(cls);
    try {
      const raw = targetConstructorToSchema(cls, {
        classValidatorMetadataStorage: getMetadataStorage(),
        classTransformerMetadataStorage: classTransformerStorage(),
        // The converters' types come from class-validator-jsonschema's own (looser) typings.
        additionalConverters: this.converters as never,
        refPointerPrefix: '#/definitions/',
      }) as RawSchema;
      const properties = isRecord(raw.properties) ? { ...raw.properties } : {};
      if (Object.keys(properties).length === 0) {
        this.notes.push(
          `${cls.name} has no class-validator decorators, so its fields are not described; it accepts any field`,
        );
        const open: RawSchema = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
        addValidationRules(cls, open);
        return open;
      }
      for (const [name, prop] of Object.entries(properties)) {
        properties[name] = this.completeProperty(cls, name, isRecord(prop) ? prop : {});
      }
      const instance = this.construct(cls);
      const schema: RawSchema = { ...raw, type: 'object', properties };
      const withDefaults =
        this.defaults && instance ? applyDefaults(instance, properties) : new Set<string>();
      // class-validator-jsonschema requires every property without @IsOptional; class-validator itself
      // also accepts a missing value under @Allow, @ValidateNested or a lenient custom validator.
      // Only what class-validator rejects when missing is required, unless a default fills it.
      const rejected = instance ? rejectedWhenMissing(instance) : undefined;
      const required = (Array.isArray(raw.required) ? (raw.required as string[]) : []).filter(
        (r) => !withDefaults.has(r) && (rejected?.has(r) ?? true),
      );
      if (required.length > 0) schema.required = required;
      else delete schema.required;
      // Once every property has its final type: a CEL literal must match the node's type.
      addValidationRules(cls, schema);
      return schema;
    } finally {
      this.stack.pop();
    }
  }

  // Fills in what the decorators leave open from the TypeScript type (design:type) and @Type.
  private completeProperty(cls: DataClass, name: string, schema: RawSchema): RawSchema {
    const declared: unknown = Reflect.getMetadata('design:type', cls.prototype, name);
    const hinted = typeHint(cls, name);
    if (declared === Array || schema.type === 'array') {
      if (schema.type !== undefined && schema.type !== 'array') return schema;
      const items = isRecord(schema.items) ? schema.items : {};
      return { ...schema, type: 'array', items: this.completeValue(items, hinted) };
    }
    return this.completeValue(schema, hinted ?? declared);
  }

  private completeValue(schema: RawSchema, ctor: unknown): RawSchema {
    // `@IsObject()` on a class-typed property: describe the class's fields too.
    const openObject =
      schema.type === 'object' &&
      !schema.properties &&
      !schema.additionalProperties &&
      !schema['x-kubernetes-preserve-unknown-fields'];
    if (schema.type !== undefined && !openObject) return schema;
    const fromType = this.forConstructor(ctor);
    // The decorators' keywords (minimum, pattern, …) win over what the type alone says.
    return fromType ? { ...fromType, ...schema } : schema;
  }

  private forConstructor(ctor: unknown): RawSchema | undefined {
    if (typeof ctor !== 'function' || ctor === Object || ctor === Function) return undefined;
    if (ctor === String) return { type: 'string' };
    if (ctor === Number) return { type: 'number' };
    if (ctor === Boolean) return { type: 'boolean' };
    if (ctor === Date) return { type: 'string', format: 'date-time' };
    if (ctor === Array) return { type: 'array' };
    if (ctor === Map || ctor === Set || ctor === Promise) return undefined;
    return this.forClass(ctor as DataClass);
  }

  // A fresh instance shows the property initialisers; its constructor must take no arguments.
  private construct(cls: DataClass): Record<string, unknown> | undefined {
    try {
      return new (cls as unknown as new () => Record<string, unknown>)();
    } catch (e) {
      this.notes.push(
        `${cls.name}: could not construct it without arguments, so defaults and optional fields were not read from it (${(e as Error).message})`,
      );
      return undefined;
    }
  }
}

// Property initialisers become defaults; returns the names that got one.
function applyDefaults(instance: Record<string, unknown>, properties: Record<string, unknown>): Set<string> {
  const named = new Set<string>();
  for (const [name, prop] of Object.entries(properties)) {
    const value = jsonValue(instance[name]);
    if (value === undefined || !isRecord(prop)) continue;
    properties[name] = { ...prop, default: value };
    named.add(name);
  }
  return named;
}

// The properties class-validator reports on an instance that holds only the initialised values.
// Undefined when a validator throws: then the decorators alone decide.
function rejectedWhenMissing(instance: object): Set<string> | undefined {
  try {
    const errors = validateSync(instance, { forbidUnknownValues: false });
    return new Set(errors.map((e) => e.property));
  } catch {
    return undefined;
  }
}

// A default the API server can store: JSON values only (a Date becomes its ISO string).
function jsonValue(value: unknown): unknown {
  if (value === undefined || value === null || typeof value === 'function') return undefined;
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Map || value instanceof Set) return undefined;
  try {
    return JSON.parse(JSON.stringify(value));
  } catch {
    return undefined;
  }
}
