import 'reflect-metadata';
import { RULE_METADATA } from './metadata-keys.js';
import { classOf } from './read-metadata.js';

/**
 * The machine-readable reasons the API server accepts on a validation rule; it answers a request
 * that breaks the rule with the matching HTTP status and cause type.
 */
export type RuleReason =
  | 'FieldValueInvalid'
  | 'FieldValueForbidden'
  | 'FieldValueRequired'
  | 'FieldValueDuplicate';

/** What a {@link Rule} can say besides its expression and message. */
export interface RuleOptions {
  /**
   * A CEL expression that yields the message (a string), e.g.
   * `"replicas must be at most " + string(self.maxReplicas)`; wins over the fixed message.
   */
  messageExpression?: string;
  /** How the API server classifies the failure; it uses `FieldValueInvalid` when unset. */
  reason?: RuleReason;
  /**
   * The field the API server names in the error, relative to the rule's node (`.replicas`,
   * `.ports`; no list indices), instead of the node itself.
   */
  fieldPath?: string;
  /**
   * Evaluate a transition rule on create too: `oldSelf` is then a CEL optional
   * (`oldSelf.hasValue()`, `oldSelf.value()`). Only for rules that use `oldSelf`.
   */
  optionalOldSelf?: boolean;
}

/**
 * One entry of a schema node's `x-kubernetes-validations`, with the wire names of its fields.
 *
 * @example
 * ```ts
 * const rule: ValidationRule = { rule: 'self.minReplicas <= self.maxReplicas', message: 'minReplicas must not exceed maxReplicas' };
 * ```
 */
export interface ValidationRule extends RuleOptions {
  /** The CEL expression; `self` is the value of the node it sits on, `oldSelf` its stored value. */
  rule: string;
  /** What the API server answers when the rule is false; without one, `failed rule: <rule>`. */
  message?: string;
}

/**
 * What one `@Rule` records: the rule, and the property it sits on (none for a class rule).
 *
 * @example
 * ```ts
 * readRuleMetadata(ScaleSpec).map((r) => r.property ?? '(class)'); // ['(class)', 'replicas']
 * ```
 */
export interface RuleMetadata {
  /** The property the rule sits on; undefined for a rule on the class itself. */
  readonly property?: string | symbol;
  /** True when the decorator sat on a static property (reported when the schema is generated). */
  readonly isStatic: boolean;
  readonly validation: Readonly<ValidationRule>;
}

/**
 * A decorator for a class or one of its properties, as `@Rule(...)` returns it; on a method or an
 * accessor it does not compile (TypeScript passes those a descriptor), since neither is in a schema.
 */
export type RuleDecorator = (target: object, property?: string | symbol, descriptor?: undefined) => void;

/**
 * Adds a CEL validation rule to the CRD schema generated from a spec (or status) class, so the API
 * server itself refuses an object that breaks it, at admission, with `message`.
 *
 * @remarks
 * On a class, `self` is an object of that class (so a rule can relate several fields); on a property,
 * `self` is that property's value. The rule is emitted as an entry of `x-kubernetes-validations` on
 * the matching node of the CRD's OpenAPI schema; a class rule on the spec class sits on `spec`, one
 * on a nested class on every object of that class (each item, for a list of them). Stack several
 * decorators for several rules; they keep their source order. Base classes' rules apply to
 * subclasses.
 *
 * A rule that reads `oldSelf` is a transition rule: it runs on updates only (unless
 * `optionalOldSelf`), comparing with the stored value, e.g. `self == oldSelf` for a field that
 * cannot change. The API server refuses transition rules below a list that is not a
 * `x-kubernetes-list-type: map` (its items cannot be paired with their old versions).
 *
 * Operon does not evaluate CEL: the API server does, once, when the object is written (and tells the
 * writer, `kubectl` included). A property rule needs the property in the schema, so give the property
 * a class-validator decorator too (`@Allow()` will do); generation fails otherwise. The API server
 * checks each rule when the CRD is installed, including its estimated cost: a rule that reads
 * strings or lists of unbounded size, inside a list of unbounded size, is refused ("estimated rule
 * cost exceeds budget") until `@MaxLength`, `@ArrayMaxSize` (and `maxProperties`) bound them.
 *
 * @param rule - the CEL expression, true when the value is valid
 * @param message - what the API server answers when it is false (one line)
 * @param options - `messageExpression`, `reason`, `fieldPath`, `optionalOldSelf`
 *
 * @example
 * ```ts
 * @Rule('self.minReplicas <= self.maxReplicas', 'minReplicas must not exceed maxReplicas')
 * class ScaleSpec {
 *   @IsInt() minReplicas = 1;
 *   @IsInt() maxReplicas = 3;
 *   @IsString() @Rule('self == oldSelf', 'storageClass cannot be changed') storageClass!: string;
 *   @IsString() @Rule("self.startsWith('team-')", 'owner must start with team-') owner!: string;
 * }
 * ```
 */
export function Rule(rule: string, message?: string, options: RuleOptions = {}): RuleDecorator {
  // Only the fields the author set, so the generated schema carries no empty keys.
  const validation: ValidationRule = { rule };
  if (message !== undefined) validation.message = message;
  if (options.messageExpression !== undefined) validation.messageExpression = options.messageExpression;
  if (options.reason !== undefined) validation.reason = options.reason;
  if (options.fieldPath !== undefined) validation.fieldPath = options.fieldPath;
  if (options.optionalOldSelf !== undefined) validation.optionalOldSelf = options.optionalOldSelf;
  Object.freeze(validation);
  return (target: object, property?: string | symbol) => {
    const onClass = property === undefined;
    const { cls, isStatic } = onClass ? { cls: target, isStatic: false } : classOf(target);
    const entry: RuleMetadata = Object.freeze(
      onClass ? { isStatic, validation } : { property, isStatic, validation },
    );
    // Stacked decorators run bottom-up; prepending keeps the rules of one node in source order.
    const own: readonly RuleMetadata[] = Reflect.getOwnMetadata(RULE_METADATA, cls) ?? [];
    Reflect.defineMetadata(RULE_METADATA, [entry, ...own], cls);
  };
}
/** Constants that belong with the `@Rule` decorator. */
export namespace Rule {
  /**
   * The reflect-metadata key (`'operon:rule'`) under which `@Rule` records the rules it declares on the
   * class.
   */
  export const KEY = RULE_METADATA;
}

/**
 * Reads every `@Rule` of a class and its base classes, base class first, each class's in source
 * order (per node).
 *
 * @example
 * ```ts
 * readRuleMetadata(ScaleSpec).filter((r) => r.property === undefined).map((r) => r.validation.rule);
 * // ['self.minReplicas <= self.maxReplicas']
 * ```
 */
export function readRuleMetadata(cls: object): readonly RuleMetadata[] {
  const chain: object[] = [];
  for (let c: object | null = cls; c && c !== Function.prototype; c = Object.getPrototypeOf(c))
    chain.unshift(c);
  return chain.flatMap(
    (c) => (Reflect.getOwnMetadata(RULE_METADATA, c) as readonly RuleMetadata[] | undefined) ?? [],
  );
}
