/**
 * @packageDocumentation
 * Pure planning: checks what `sync` returned, marks children as Operon's, and turns desired and
 * cached children into the list of writes (create, update per strategy, delete) that reconciles them.
 */

export { baselineOf, type ChildBaseline, projectionOf } from './baseline.js';
export { firstDifference, matchesDesired } from './drift.js';
export {
  controllerOf,
  DESIRED_HASH_ANNOTATION,
  decorateChild,
  desiredHash,
  isControlledBy,
  isTracked,
  isTrackedPlacement,
  needsTrackingFinalizer,
  OPERATOR_LABEL,
  type Ownership,
  PARENT_ANNOTATION,
  PARENT_UID_LABEL,
  type ParentObject,
  parentOwnerReference,
  parentUidIndex,
  parentUidOf,
} from './ownership.js';
export {
  type ChildAction,
  type ConflictAction,
  type CreateAction,
  type DeleteAction,
  type Plan,
  type PlanInput,
  planChildren,
  planValidatedChildren,
  terminatingDesired,
  type UpdateAction,
} from './plan.js';
export { parseQuantity, type Quantity, sameQuantity } from './quantity.js';
export { foldStringData } from './secret-data.js';
export { type ResponseContext, validateSyncResponse } from './validate-response.js';
