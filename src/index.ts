/**
 * @packageDocumentation
 * Operon: Kubernetes operators in TypeScript. Declare a parent custom resource and the children it
 * owns, write one `sync` function, and Operon does the watching, caching, queueing and writing.
 *
 * This entry point holds what an operator author uses: the decorators, resource types and the sync
 * contract, errors, the ways to run operators and their options, hand-written configs, and
 * `planCluster`. The machinery (API client, informers, queue, reconciler, leader election, metrics
 * and health internals, metadata readers) is in `operon/runtime`; built-in kinds in `operon/types`;
 * CRD/RBAC generation in `operon/generate`; test tooling in `operon/testkit`. `api/operon.api.md`
 * lists every public name, and CI fails when it changes unnoticed.
 */
import 'reflect-metadata';

// Running operators, from a unit test to production, and their options.
export type { AppOptions, MetricsServerOptions, RunOptions, ServerOptions } from './app/app-options.js';
export type { OperatorSource } from './app/operator-source.js';
export { OperonApp } from './app/operon-app.js';
export { runOperators } from './app/run-operators.js';
// Operators written without decorators.
export { buildOperatorConfig, type OperatorBuildResult } from './config/build-config.js';
export { childRef } from './config/child-ref.js';
export type { OperatorConfig, ParentConfig, SpecClass } from './config/operator-config.js';
export { relatedRef } from './config/related-ref.js';
export { validateOperatorConfig, validateOperatorSet } from './config/validate-config.js';
export {
  Child,
  Finalize,
  type FinalizeOptions,
  Operator,
  type OperatorCommonOptions,
  type OperatorInlineOptions,
  type OperatorOptions,
  type OperatorParentOptions,
  Related,
  type RelatedPropertyDecorator,
  Rule,
  type RuleDecorator,
  type RuleOptions,
  type RuleReason,
  Sync,
  type ValidationRule,
} from './decorators/index.js';
// The earlier entry point, deprecated (runOperators replaces it).
export { Operon } from './di/operon.js';
// Errors.
export * from './errors/index.js';
export { createLogger, type LogFormat, type LoggingOptions } from './observability/create-logger.js';
export { type Logger, silentLogger } from './observability/logger.js';
export { OperonMetrics, type OperonMetricsOptions } from './observability/metrics/operon-metrics.js';
// What a new version would change (`operon plan`).
export * from './plan/index.js';
// The host an app runs (`app.host`); to compose a host by hand, `OperonHost` is in `operon/runtime`.
export type { HostOptions, OperonHost } from './runtime/host/index.js';
export {
  DEFAULT_WATCH_FAILURE_THRESHOLD_MS,
  type HostStopped,
  type HostStopReason,
} from './runtime/host/operon-host.js';
export type { LeaderElectionOptions } from './runtime/leader/leader-election-options.js';
export type { RecordOptions, RedactOptions } from './runtime/record/index.js';
export type { ShardingOptions, ShardKeyBy } from './runtime/shard/index.js';
// Resource types and the sync contract.
export {
  ALLOW_DELETIONS_ANNOTATION,
  type ChildRef,
  type Condition,
  type ConditionInput,
  type ConversionInput,
  type ConversionOutput,
  type CustomObject,
  type CustomResourceSpec,
  type CustomResourceType,
  type CustomResourceVersion,
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
  type VersionConversion,
} from './types/index.js';
// Straight from the modules, not the webhooks barrel: an operator without webhooks loads none of it.
export { ConversionError, convertCustomObject } from './webhooks/conversion.js';
export type { FailurePolicy } from './webhooks/webhook-configuration.js';
export type { WebhookOptions } from './webhooks/webhook-options.js';
