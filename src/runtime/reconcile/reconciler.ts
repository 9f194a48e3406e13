import { randomBytes } from 'node:crypto';
import type { OperatorConfig } from '../../config/operator-config.js';
import { OperonError } from '../../errors/operon-error.js';
import type { Logger } from '../../observability/logger.js';
import type { KubeObject } from '../../types/kube-object.js';
import type { FinalizeResponse, JsonObject, Parent, SyncRequest, SyncResponse } from '../../types/sync.js';
import { type ApiClient, PatchType } from '../api/api-client.js';
import { ApiError } from '../api/api-error.js';
import { resourcePath } from '../api/resource-path.js';
import { type Ownership, type ParentObject, planChildren, validateSyncResponse } from '../planner/index.js';
import type { ReconcileResult } from '../queue/index.js';
import { ChildWriter } from './child-writer.js';
import type { EventRecorder } from './event-recorder.js';
import type { OperatorCache } from './operator-cache.js';
import { buildStatus, type SyncOutcome, statusUnchanged } from './status.js';
import { syncRequest } from './sync-request.js';
import { transformAndValidateSpec } from './validate-spec.js';

/** Dependencies of a {@link Reconciler}. */
export interface ReconcilerDeps {
  config: OperatorConfig<unknown>;
  api: ApiClient;
  cache: OperatorCache;
  events: EventRecorder;
  log: Logger;
  /** Periodic resync after a successful pass, in ms; 0 or undefined: none. */
  resyncIntervalMs?: number;
  /** Called with each failed pass (for metrics). */
  onError?: (reason: string) => void;
}

/** After `finalize` reports not done and names no delay. */
const FINALIZE_RETRY_MS = 5_000;

/** A pass that failed in a way already reported on the parent; the queue retries it with backoff. */
export class ReconcileError extends OperonError {}

/**
 * One pass for one parent key (DESIGN §3 step 4): read the parent from the cache; on deletion run
 * `finalize`; otherwise validate the spec, call `sync`, check its answer, plan, write the children,
 * then write the status. Failures are written to the `Synced` condition and an Event, and thrown so
 * the key backs off. Nothing is deleted or overwritten unless `sync` succeeded (rule 3), and a pass
 * whose desired state already holds sends no request at all (rule 4).
 */
export class Reconciler {
  private readonly writer: ChildWriter;
  private readonly finalizer: string;

  constructor(private readonly deps: ReconcilerDeps) {
    this.writer = new ChildWriter(deps.api, deps.config.name);
    this.finalizer = deps.config.finalizerName ?? `operon.dev/${deps.config.name}`;
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    const parent = this.deps.cache.parent(key) as ParentObject | undefined;
    if (!parent) return; // deleted; its children are garbage-collected through their owner references
    const log = this.deps.log.child({
      namespace: parent.metadata.namespace,
      name: parent.metadata.name,
      reconcileId: randomBytes(4).toString('hex'),
    });
    if (parent.metadata.deletionTimestamp) return this.finalize(parent, log);

    const { config } = this.deps;
    if (config.finalize && !parent.metadata.finalizers?.includes(this.finalizer)) {
      // Before the first child exists (rule 6), so no child can outlive a finalize that never ran.
      await this.setFinalizers(parent, [...(parent.metadata.finalizers ?? []), this.finalizer]);
      log.debug({ finalizer: this.finalizer }, 'added finalizer');
    }

    const spec = await transformAndValidateSpec(config.parent.spec, (parent as { spec?: unknown }).spec);
    if (!spec.ok) {
      return this.fail(
        parent,
        log,
        'InvalidSpec',
        `The spec is invalid: ${spec.problems.join('; ')}. Fix the ${config.parent.type.kind}; nothing was changed.`,
      );
    }

    let response: SyncResponse;
    try {
      response = await config.sync(this.request(parent, spec.spec, false));
    } catch (e) {
      return this.fail(parent, log, 'SyncFailed', `sync threw: ${messageOf(e)}. No child was changed.`, e);
    }
    const ownership: Ownership = { operatorName: config.name, parent, parentType: config.parent.type };
    const problems = validateSyncResponse(response, { ...ownership, children: config.children });
    if (problems.length > 0) {
      return this.fail(
        parent,
        log,
        'InvalidSyncResponse',
        `sync returned an invalid response: ${problems.join('; ')}. No child was changed.`,
      );
    }

    const plan = planChildren({
      ...ownership,
      children: config.children,
      desired: response.children,
      current: this.current(parent, response.children),
    });
    const failures: string[] = [];
    let conflict = false;
    for (const action of plan) {
      try {
        const strategy = config.children.find((r) => r.type === action.type)?.strategy ?? 'apply';
        const done = await this.writer.execute(action, parent.metadata.uid, strategy);
        if (!done) continue;
        log.info(
          { action: done.action, kind: done.type.kind, child: done.name },
          `${done.action} ${done.type.kind} ${done.name}`,
        );
        if (done.action === 'create' || done.action === 'delete' || done.action === 'recreate') {
          const verb = { create: 'Created', delete: 'Deleted', recreate: 'Recreated' }[done.action];
          await this.deps.events.record(parent, 'Normal', verb, `${verb} ${done.type.kind} ${done.name}`);
        }
      } catch (e) {
        conflict ||= OperonError.hasCode(e, 'NAME_CONFLICT');
        failures.push(messageOf(e));
      }
    }
    if (failures.length > 0) {
      return this.fail(parent, log, conflict ? 'NameConflict' : 'WriteFailed', failures.join('; '));
    }

    await this.writeStatus(parent, response.status as JsonObject | undefined, {
      ok: true,
      reason: 'Synced',
      message: 'All children are in the desired state.',
    });
    const resync = response.resync ?? this.deps.resyncIntervalMs;
    return resync ? { requeueAfterMs: resync } : undefined;
  }

  private async finalize(parent: ParentObject, log: Logger): Promise<ReconcileResult> {
    const { config } = this.deps;
    if (!config.finalize || !parent.metadata.finalizers?.includes(this.finalizer)) return;
    // A finalize must run even if the spec became invalid: it gets the spec as transformed, unchecked.
    const { spec } = await transformAndValidateSpec(config.parent.spec, (parent as { spec?: unknown }).spec);
    let response: FinalizeResponse;
    try {
      response = await config.finalize(this.request(parent, spec, true));
    } catch (e) {
      return this.fail(
        parent,
        log,
        'FinalizeFailed',
        `finalize threw: ${messageOf(e)}. The finalizer stays until finalize succeeds.`,
        e,
      );
    }
    if (response.status) {
      await this.writeStatus(parent, response.status as JsonObject, {
        ok: true,
        reason: 'Finalizing',
        message: response.finalized ? 'Finalized.' : 'Waiting for finalize to report done.',
      });
    }
    if (!response.finalized) return { requeueAfterMs: response.resync ?? FINALIZE_RETRY_MS };
    await this.setFinalizers(
      parent,
      (parent.metadata.finalizers ?? []).filter((f) => f !== this.finalizer),
    );
    log.info({ finalizer: this.finalizer }, 'finalized; removed finalizer');
    await this.deps.events.record(
      parent,
      'Normal',
      'Finalized',
      `Finalize done; removed finalizer ${this.finalizer}`,
    );
    return;
  }

  private request(parent: ParentObject, spec: unknown, finalizing: boolean): SyncRequest<unknown> {
    const { cache } = this.deps;
    return syncRequest({ ...parent, spec } as Parent<unknown>, finalizing, (type) =>
      cache.childrenOf(type, parent.metadata.uid),
    );
  }

  /** This parent's children, plus any cached object holding a desired name (to detect clashes). */
  private current(parent: ParentObject, desired: readonly KubeObject[]): KubeObject[] {
    const { cache, config } = this.deps;
    const seen = new Map<string, KubeObject>();
    const add = (obj: KubeObject | undefined) => {
      if (obj?.metadata?.uid) seen.set(obj.metadata.uid, obj);
    };
    for (const ref of config.children)
      for (const c of cache.childrenOf(ref.type, parent.metadata.uid)) add(c);
    for (const d of desired) {
      const ref = config.children.find((r) => r.type.apiVersion === d.apiVersion && r.type.kind === d.kind);
      if (ref && d.metadata?.name)
        add(
          cache.child(
            ref.type,
            ref.type.namespaced ? (d.metadata.namespace ?? parent.metadata.namespace) : undefined,
            d.metadata.name,
          ),
        );
    }
    return [...seen.values()];
  }

  private async fail(
    parent: ParentObject,
    log: Logger,
    reason: string,
    message: string,
    cause?: unknown,
  ): Promise<never> {
    log.warn({ reason, err: cause instanceof Error ? cause.stack : undefined }, message);
    this.deps.onError?.(reason);
    await this.deps.events.record(parent, 'Warning', reason, message);
    try {
      await this.writeStatus(parent, undefined, { ok: false, reason, message });
    } catch (e) {
      log.warn({ err: messageOf(e) }, 'could not write the failure to the status');
    }
    throw new ReconcileError('SYNC_FAILED', `${reason}: ${message}`, { cause });
  }

  private async writeStatus(
    parent: ParentObject,
    authorStatus: JsonObject | undefined,
    outcome: SyncOutcome,
  ): Promise<void> {
    const live = (parent as { status?: JsonObject }).status;
    const status = buildStatus(authorStatus, live, parent.metadata.generation, outcome);
    if (statusUnchanged(status, live)) return;
    const type = this.deps.config.parent.type;
    try {
      await this.deps.api.request({
        method: 'PATCH',
        path: resourcePath(type, {
          namespace: parent.metadata.namespace,
          name: parent.metadata.name,
          subresource: 'status',
        }),
        query: { fieldManager: this.deps.config.name, force: true },
        contentType: PatchType.apply,
        body: {
          apiVersion: type.apiVersion,
          kind: type.kind,
          metadata: { name: parent.metadata.name, namespace: parent.metadata.namespace },
          status,
        },
      });
    } catch (e) {
      if (!ApiError.isNotFound(e)) throw e;
      // 404 on /status: either the parent is gone (nothing to report), or its CRD has no status subresource.
      try {
        await this.deps.api.request({
          method: 'GET',
          path: resourcePath(type, { namespace: parent.metadata.namespace, name: parent.metadata.name }),
        });
      } catch (gone) {
        if (ApiError.isNotFound(gone)) return;
        throw gone;
      }
      throw new OperonError(
        'API_ERROR',
        `Cannot write the status of ${type.kind} "${parent.metadata.name}": the API server has no status subresource for ${type.plural}.${type.group}. Add \`subresources: { status: {} }\` to the CRD (operon crd does).`,
        { cause: e },
      );
    }
  }

  private async setFinalizers(parent: ParentObject, finalizers: string[]): Promise<void> {
    const type = this.deps.config.parent.type;
    await this.deps.api.request({
      method: 'PATCH',
      path: resourcePath(type, { namespace: parent.metadata.namespace, name: parent.metadata.name }),
      contentType: PatchType.merge,
      // The resourceVersion makes this a compare-and-swap: a stale cache gets 409 and a retry.
      body: { metadata: { finalizers, resourceVersion: parent.metadata.resourceVersion } },
    });
  }
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
