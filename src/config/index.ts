/**
 * @packageDocumentation
 * The plain configuration the runtime runs: building it from decorators, writing it by hand, and checking it.
 */
export { buildOperatorConfig, collectOperatorConfig, type OperatorBuildResult } from './build-config.js';
export { childRef } from './child-ref.js';
export { defaultOperatorName, finalizerNameOf, isDnsLabel, isFinalizerName } from './names.js';
export type { OperatorConfig, ParentConfig, SpecClass } from './operator-config.js';
export { relatedRef } from './related-ref.js';
export {
  operatorConfigProblems,
  operatorSetProblems,
  validateOperatorConfig,
  validateOperatorSet,
} from './validate-config.js';
