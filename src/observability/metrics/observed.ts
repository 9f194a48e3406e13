/**
 * The shapes the metrics read from the runtime, declared here so that observability does not import
 * the runtime (the runtime imports observability). The runtime's own types satisfy them.
 */

/** What the metrics read from a shared informer. */
export interface ObservedInformer {
  readonly type: { readonly group: string; readonly plural: string };
  hasSynced(): boolean;
  health(): { readonly watches: number; readonly errors: number; readonly objects: number };
}

/** One finished API request, as `ApiClient.onRequest` reports it (`code` 0: no response). */
export interface ObservedRequest {
  readonly method: string;
  readonly code: number;
  readonly durationMs: number;
}

/** The hooks a work queue calls (structurally the runtime's `QueueObserver`). */
export interface QueueHooks {
  onAdd(key: string): void;
  onRetry(key: string, delayMs: number, error: unknown): void;
  onDepth(depth: number): void;
  onLatency(waitedMs: number, key: string): void;
  onWorkDuration(durationMs: number, key: string): void;
  onActive(active: number): void;
}

/**
 * How a reconcile ended, as controller-runtime labels it: `error` (it threw), `requeue_after` (it
 * asked to run again after a delay), `requeue` (it asked to run again at once; Operon's sync
 * contract has no such answer, so this stays 0 and exists for dashboards), `success` (anything else).
 */
export type ReconcileOutcome = 'success' | 'error' | 'requeue' | 'requeue_after';

/** Every {@link ReconcileOutcome}, in the order dashboards list them. */
export const RECONCILE_OUTCOMES: readonly ReconcileOutcome[] = [
  'success',
  'error',
  'requeue',
  'requeue_after',
];

/** The `resource` label of a type: `pods`, `deployments.apps`, `echoservers.example.com`. */
export function resourceLabel(type: { readonly group: string; readonly plural: string }): string {
  return type.group ? `${type.plural}.${type.group}` : type.plural;
}
