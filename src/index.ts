/**
 * @packageDocumentation
 * Operon: Kubernetes operators in TypeScript. Declare a parent custom resource and the children it
 * owns, write one `sync` function, and Operon does the watching, caching, queueing and writing.
 */
import 'reflect-metadata';

export * from './app/index.js';
export * from './config/index.js';
export * from './decorators/index.js';
export * from './di/index.js';
export * from './errors/index.js';
export * from './observability/index.js';
export type { Logger } from './observability/logger.js';
export * from './plan/index.js';
export { type HostOptions, OperonHost } from './runtime/host/index.js';
export {
  DEFAULT_WATCH_FAILURE_THRESHOLD_MS,
  type HostStopped,
  type HostStopReason,
} from './runtime/host/operon-host.js';
export * from './runtime/leader/index.js';
export type { RecordOptions, RedactOptions } from './runtime/record/index.js';
export {
  ALLOW_DELETIONS_ANNOTATION,
  type ChildRef,
  type Condition,
  type ConditionInput,
  type CustomObject,
  type CustomResourceSpec,
  type CustomResourceType,
  conditionTrue,
  customResource,
  type DeepPartial,
  type DeletionBudget,
  type DesiredObject,
  type FinalizeResponse,
  getCondition,
  type JsonObject,
  type KubeObject,
  type LabelSelector,
  type LabelSelectorRequirement,
  type Parent,
  type PrinterColumn,
  type RelatedRef,
  type RelatedSelect,
  type RelatedSelection,
  type ResourceType,
  type ResourceTypeSpec,
  resourceType,
  SYNCED_CONDITION,
  type SyncRequest,
  type SyncResponse,
  setCondition,
  type UpdateStrategy,
} from './types/index.js';
export { AdmissionWebhook, type FailurePolicy, type WebhookOptions } from './webhooks/index.js';
