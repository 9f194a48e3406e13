// Every reflect-metadata key Operon writes. Values are namespaced so they never clash with other libraries.

/** Key of the {@link OperatorMetadata} `@Operator` records on a class. */
export const OPERATOR_METADATA = 'operon:operator';

/** Key of the list of {@link ChildMetadata} `@Child` appends to on a class. */
export const CHILD_METADATA = 'operon:child';

/** Key of the list of {@link RelatedMetadata} `@Related` appends to on a class. */
export const RELATED_METADATA = 'operon:related';

/** Key of the list of methods `@Sync` marks on a class. */
export const SYNC_METADATA = 'operon:sync';

/** Key of the list of methods `@Finalize` marks on a class. */
export const FINALIZE_METADATA = 'operon:finalize';

/** Key of the list of {@link RuleMetadata} `@Rule` prepends to on a (spec or status) class. */
export const RULE_METADATA = 'operon:rule';

/** The reflect key inversify 8 sets on a class once `injectable()` ran on it. */
export const INVERSIFY_INJECTABLE_FLAG = '@inversifyjs/core/classIsInjectableFlagReflectKey';
