/**
 * @packageDocumentation
 * Decorators record what an operator manages and how it syncs; they never start anything.
 */
import 'reflect-metadata';

export { Child } from './child.js';
export { Finalize, type FinalizeOptions } from './finalize.js';
export {
  Operator,
  type OperatorCommonOptions,
  type OperatorInlineOptions,
  type OperatorOptions,
  type OperatorParentOptions,
} from './operator.js';
export { Related, type RelatedPropertyDecorator } from './related.js';
export {
  Rule,
  type RuleDecorator,
  type RuleOptions,
  type RuleReason,
  type ValidationRule,
} from './rule.js';
export { Sync } from './sync.js';
