import { describeSelector } from '../describe-selector.js';
import { resourceLabel } from '../metrics/observed.js';
import type { CheckResult } from './health-report.js';

/** What the checks read from an informer (the runtime's `SharedInformer` satisfies it). */
export interface CheckedInformer {
  readonly type: { readonly group: string; readonly plural: string };
  readonly scope: { readonly namespace?: string; readonly labelSelector?: string };
  hasSynced(): boolean;
  health(): {
    readonly watching: boolean;
    readonly failingSince: Date | undefined;
    readonly consecutiveFailures: number;
    readonly lastError: Error | undefined;
  };
}

/**
 * Liveness of the watches: fails for each informer whose list/watch has been failing for longer than
 * `failureThresholdMs` and has no watch open right now.
 *
 * @remarks
 * "No watch open right now" matters: after an outage, a reflector keeps `failingSince` until its new
 * watch has stayed up for a while (its backoff reset period), but a watch that is open again is
 * alive, and restarting the process then would only cost a relist. A watch that only ever fails
 * (an API server gone for good, a revoked permission) fails the check once the threshold passes,
 * so the kubelet restarts a process that cannot recover on its own.
 */
export function watchLiveness(
  informers: Iterable<CheckedInformer>,
  failureThresholdMs: number,
  now: Date = new Date(),
): CheckResult[] {
  const results: CheckResult[] = [];
  for (const informer of informers) {
    const h = informer.health();
    const name = `watch:${informerName(informer)}`;
    const failingMs = h.failingSince ? now.getTime() - h.failingSince.getTime() : 0;
    if (h.failingSince && !h.watching && failingMs > failureThresholdMs) {
      results.push({
        name,
        ok: false,
        message: `failing for ${seconds(failingMs)} s (${h.consecutiveFailures} attempts, threshold ${seconds(failureThresholdMs)} s): ${h.lastError?.message ?? 'unknown error'}`,
      });
    } else {
      results.push({ name, ok: true });
    }
  }
  return results;
}

/** Readiness of the caches: one check per informer, passing once its first list is stored. */
export function informerReadiness(informers: Iterable<CheckedInformer>): CheckResult[] {
  const results: CheckResult[] = [];
  for (const informer of informers) {
    const synced = informer.hasSynced();
    const h = synced ? undefined : informer.health();
    results.push({
      name: `informer:${informerName(informer)}`,
      ok: synced,
      message: synced
        ? undefined
        : `not synced yet${h?.lastError ? ` (last error: ${h.lastError.message})` : ''}`,
    });
  }
  return results;
}

/** `pods`, `echoservers.example.com/demo`, `configmaps/demo[operon.dev/operator]`. */
function informerName(informer: CheckedInformer): string {
  const { namespace, labelSelector } = informer.scope;
  return `${resourceLabel(informer.type)}${namespace ? `/${namespace}` : ''}${labelSelector ? `[${describeSelector(labelSelector)}]` : ''}`;
}

/** 90 000 → "90", 1 500 → "1.5". */
function seconds(ms: number): string {
  return String(Number((ms / 1000).toFixed(1)));
}
