import { finalizerNameOf } from '../../config/names.js';
import type { OperatorConfig } from '../../config/operator-config.js';
import { OperonError } from '../../errors/operon-error.js';
import { PermanentError } from '../../errors/permanent-error.js';
import type { Logger } from '../../observability/logger.js';
import type { DeletionBudget } from '../../types/deletion-budget.js';
import type { KubeObject, NamedObject } from '../../types/kube-object.js';
import type { FinalizeResponse, JsonObject, Parent, SyncRequest, SyncResponse } from '../../types/sync.js';
import { type ApiClient, PatchType } from '../api/api-client.js';
import { ApiError } from '../api/api-error.js';
import { resourcePath } from '../api/resource-path.js';
import { heldDeletionsMessage, summariseNames } from '../planner/held-deletions.js';
import {
  baselineOf,
  type ChildAction,
  DESIRED_HASH_ANNOTATION,
  firstDifference,
  isControlledBy,
  isTracked,
  needsTrackingFinalizer,
  type Ownership,
  type ParentObject,
  planValidatedChildren,
  terminatingDesired,
  validateSyncResponse,
} from '../planner/index.js';
import {
  NO_RELATED,
  type RelatedLookup,
  type RelatedProblem,
  readRelated,
} from '../related/related-lookup.js';
import type { RelatedSource } from '../related/related-watches.js';
import { type ResolvedSelection, resolveSelections } from '../related/selection.js';
import { ChildWriter, type WriteResult } from './child-writer.js';
import { type DeletionVerdict, DeletionWindow, judgeDeletions } from './deletion-budget.js';
import type { EventRecorder } from './event-recorder.js';
import { addFinalizerPatch, type JsonPatchOp, removeFinalizerPatch } from './finalizer-patch.js';
import { childrenInScope, type OperatorCache } from './operator-cache.js';
import { childKey, OwnWrites, type ParentWrites } from './own-writes.js';
import { abortCause, DEFAULT_RECONCILE_TIMEOUT_MS, PassAborted, untilAborted } from './pass-deadline.js';
import { MAX_REWRITES } from './rewrite-guard.js';
import { buildStatus, failedConditionPatch, type SyncOutcome, statusUnchanged } from './status.js';
import { syncRequest } from './sync-request.js';
import { transformAndValidateSpec } from './validate-spec.js';
import { CHILD_WRITES_IN_FLIGHT, inFlight, inWaves } from './write-waves.js';

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
  /** The deadline of one pass, for messages (the caller's signal enforces it). Default 60 s. */
  reconcileTimeoutMs?: number;
  /**
   * The caches and reverse index of the operator's relations (`config.related`). Without it a
   * relation selects nothing (a reconciler run outside a controller, e.g. in a unit test).
   */
  related?: RelatedSource;
  /** The namespaces the operator watches; undefined or empty = all (children must be in them). */
  watchedNamespaces?: readonly string[];
  /**
   * Called after each `sync` that succeeded with a valid response, before any write (recording
   * for `operon record`); must not throw. `parent` is the parent as cached: its spec as stored,
   * where the request's is the transformed spec class.
   */
  onSyncCompleted?: (request: SyncRequest<unknown>, response: SyncResponse, parent: KubeObject) => void;
  /** The deletion budget in force (see `resolveDeletionBudget`); undefined: none. */
  deletionBudget?: Required<DeletionBudget>;
  /** Called with the number of deletions each held pass held (for metrics). */
  onDeletionsHeld?: (count: number) => void;
  /**
   * Labels Operon adds to every child of the parent `key` besides its own ownership labels: with
   * sharding, the parent's bucket, so the owner's label-selected caches see the child.
   */
  routingLabels?: (key: string) => Readonly<Record<string, string>> | undefined;
}

/** After `finalize` reports not done and names no delay. */
const FINALIZE_RETRY_MS = 5_000;

/**
 * How one pass ended: the single value the controller maps, in one switch, to one queue action and
 * one metric (as controller-runtime's `reconcileHandler` does).
 *
 * - `converged`: the desired state holds (or there was nothing to do: the parent is gone, a
 *   finalizer was just added and its event brings the parent back). The controller applies the
 *   periodic resync.
 * - `requeue`: run again after `afterMs`: the author's `resync`, a `finalize` not yet done, or a
 *   deletion budget window that will have room then.
 * - `gaveUp`: reported on the parent under `reason` (`PermanentError`, `DeletionHeld`) and not to
 *   be retried: retrying cannot change it; the next change to the parent, a child or a related
 *   object runs it again.
 * - `failed`: retried with backoff. `reported` tells whether the parent's status and an Event
 *   already say why (the reconciler's own failures), or the error escaped it (logged by the
 *   controller as unexpected).
 */
export type PassOutcome =
  | { readonly kind: 'converged' }
  | { readonly kind: 'requeue'; readonly afterMs: number }
  | { readonly kind: 'gaveUp'; readonly reason: string }
  | { readonly kind: 'failed'; readonly error: unknown; readonly reported: boolean };

const CONVERGED: PassOutcome = Object.freeze({ kind: 'converged' });
const requeue = (afterMs: number): PassOutcome => ({ kind: 'requeue', afterMs });

/** A pass that failed in a way already reported on the parent; the queue retries it with backoff. */
export class ReconcileError extends OperonError {}

/** A signal that never fires, for passes run without one. */
const NEVER = new AbortController().signal;

/** What carrying out a plan came to. */
interface Execution {
  failures: string[];
  /** The reason for the `Synced=False` condition when `failures` is not empty. */
  reason: string;
  /** Children deleted this pass to be created again once they are gone. */
  recreating: string[];
  /** Children deleted this pass (not counting recreates). */
  deleted: number;
}

/**
 * One pass for one parent key (DESIGN §3 step 4): read the parent from the cache; on deletion run
 * `finalize`; otherwise validate the spec, call `sync`, check its answer, plan, write the children,
 * then write the status. Failures are written to the `Synced` condition and an Event, and thrown so
 * the key backs off. Nothing is deleted or overwritten unless `sync` succeeded, nothing is deleted
 * unless every other write of the pass succeeded (rule 3), and a pass whose desired state already
 * holds sends no request at all (rule 4).
 *
 * @remarks
 * The caches may lag behind Operon's own writes (rule 8). Each parent's recent writes are kept in
 * {@link OwnWrites} and overlaid on what the caches show until they catch up, so a fast second
 * pass neither repeats a create nor skips a status write that is still needed.
 */
export class Reconciler {
  private readonly writer: ChildWriter;
  private readonly finalizer: string;
  private readonly own = new OwnWrites();
  /** The operator's recent unexplained deletions, for the budget's window rule. */
  private readonly window: DeletionWindow | undefined;

  constructor(private readonly deps: ReconcilerDeps) {
    this.writer = new ChildWriter(deps.api, deps.config.name);
    this.finalizer = finalizerNameOf(deps.config);
    this.window = deps.deletionBudget ? new DeletionWindow(deps.deletionBudget.windowMs) : undefined;
  }

  /**
   * @param signal - fires at the pass's deadline or on shutdown (see `passSignal`); it reaches
   *   `sync` as `req.signal` and every API request of the pass. At the deadline the pass fails with
   *   reason `SyncTimeout`; on shutdown it ends without reporting anything.
   */
  async reconcile(key: string, signal: AbortSignal = NEVER): Promise<PassOutcome> {
    try {
      return await this.pass(key, signal);
    } catch (e) {
      const error = await this.aborted(key, e, signal);
      return { kind: 'failed', error, reported: error instanceof ReconcileError };
    }
  }

  /**
   * Reports a problem that keeps every pass from running (a cache forbidden to fill) on the parent
   * with this key: `Synced=False` with `reason`, and a Warning Event, once per distinct message.
   */
  async reportBlocked(key: string, reason: string, message: string): Promise<void> {
    const parent = this.deps.cache.parent(key) as ParentObject | undefined;
    if (!parent) return;
    const writes = this.own.of(key, parent.metadata.uid);
    if (writes.blocked === message) return;
    writes.blocked = message;
    const log = this.deps.log.child({ namespace: parent.metadata.namespace, name: parent.metadata.name });
    await this.fail(parent, writes, log, reason, message).catch(() => undefined);
  }

  private async pass(key: string, signal: AbortSignal): Promise<PassOutcome> {
    const parent = this.deps.cache.parent(key) as ParentObject | undefined;
    if (!parent) {
      // Deleted; its children are garbage-collected through their owner references.
      this.own.forget(key);
      this.deps.related?.forget(key);
      return CONVERGED;
    }
    const writes = this.own.of(key, parent.metadata.uid);
    const log = this.deps.log.child({
      namespace: parent.metadata.namespace,
      name: parent.metadata.name,
      reconcileId: reconcileId(),
    });
    if (parent.metadata.deletionTimestamp) return this.finalize(key, parent, writes, log, signal);

    const { config } = this.deps;
    const addFinalizer = config.finalize && addFinalizerPatch(parent.metadata.finalizers, this.finalizer);
    if (addFinalizer) {
      // Before the first child exists (rule 6), so no child can outlive a finalize that never ran.
      // Then stop: the finalizer's own watch event brings the parent back with a fresh cache.
      await this.patchFinalizers(parent, addFinalizer, signal);
      log.debug({ finalizer: this.finalizer }, 'added finalizer');
      return CONVERGED;
    }

    const { generation } = parent.metadata;
    const spec = await transformAndValidateSpec(
      config.parent.spec,
      (parent as { spec?: unknown }).spec,
      generation !== undefined && generation === writes.validGeneration,
    );
    writes.validGeneration = spec.ok ? generation : undefined;
    if (!spec.ok) {
      // What the parent relates to is unknown until the spec is fixed, and that fix is an event.
      this.deps.related?.forget(key);
      return this.fail(
        parent,
        writes,
        log,
        'InvalidSpec',
        `The spec is invalid: ${spec.problems.join('; ')}. Fix the ${config.parent.type.kind}; nothing was changed.`,
      );
    }

    const related = await this.relate(key, parent, spec.spec, signal);
    if (typeof related !== 'function') {
      const { reason, message, cause } = related;
      return this.fail(parent, writes, log, reason, `${message}. No child was changed.`, cause);
    }
    const view = writes.view(this.deps.cache);
    let response: SyncResponse;
    try {
      response = await untilAborted(
        config.sync(this.request(parent, spec.spec, false, view, signal, log, related)),
        signal,
      );
    } catch (e) {
      if (e instanceof PassAborted) throw e;
      if (PermanentError.is(e)) {
        return this.giveUp(parent, writes, log, e, 'sync', 'No child was changed.');
      }
      return this.fail(
        parent,
        writes,
        log,
        'SyncFailed',
        `sync threw: ${messageOf(e)}. No child was changed.`,
        e,
      );
    }
    const ownership: Ownership = {
      operatorName: config.name,
      parent,
      parentType: config.parent.type,
      labels: this.deps.routingLabels?.(key),
    };
    const problems = validateSyncResponse(response, {
      ...ownership,
      children: config.children,
      watchedNamespaces: this.deps.watchedNamespaces,
    });
    if (problems.length > 0) {
      return this.fail(
        parent,
        writes,
        log,
        'InvalidSyncResponse',
        `sync returned an invalid response: ${problems.join('; ')}. No child was changed.`,
      );
    }
    // Over the same view and related lookup as sync's own request, so it reads what sync read.
    this.deps.onSyncCompleted?.(
      this.request(parent, spec.spec, false, view, signal, log, related),
      response,
      parent,
    );

    if (
      needsTrackingFinalizer(config.children, config.parent.type, parent, this.finalizer, response.children)
    ) {
      // A child the garbage collector cannot reach (another namespace, or cluster-scoped) is about
      // to exist: the finalizer goes first, so Operon is sure to delete it with the parent (rule 6).
      // Then stop, as above: the finalizer's watch event brings the parent back.
      try {
        await this.patchFinalizers(
          parent,
          addFinalizerPatch(parent.metadata.finalizers, this.finalizer)!,
          signal,
        );
      } catch (e) {
        if (!ApiError.isForbidden(e)) throw e;
        const type = config.parent.type;
        return this.fail(
          parent,
          writes,
          log,
          'Forbidden',
          `sync returned a child in another namespace or a cluster-scoped one, which Operon deletes itself ` +
            `with the ${type.kind}, so it must first add its finalizer ${this.finalizer}; that needs "patch" on ` +
            `${type.plural}.${type.group}, which the operator's account lacks (${messageOf(e)}). Grant it ` +
            '(operon manifests does for a declared cluster-scoped child). No child was changed.',
        );
      }
      log.debug({ finalizer: this.finalizer }, 'added finalizer for tracked children');
      return CONVERGED;
    }

    const current = childrenInScope(view, config.children, parent, response.children);
    writes.keepBaselines(
      new Set(
        current.filter((c) => isControlledBy(c, parent.metadata.uid)).map((c) => c.metadata?.uid ?? ''),
      ),
    );
    const plan = planValidatedChildren({
      ...ownership,
      children: config.children,
      desired: response.children,
      current,
      baselines: writes.baselines,
    });
    const verdict = this.judgeDeletions(plan, parent, current);
    const allowed = verdict.hold ? plan.filter((a) => a.action !== 'delete') : plan;
    const done = await this.execute(allowed, parent, writes, log, signal);
    if (done.failures.length > 0)
      return this.fail(parent, writes, log, done.reason, done.failures.join('; '));
    if (verdict.hold) return this.holdDeletions(plan, parent, writes, log, verdict);
    if (verdict.counted) this.window?.record(done.deleted, Date.now());

    writes.blocked = undefined; // a pass ran: a blocked cache, if one comes back, is news again
    const waiting = [
      ...done.recreating,
      ...terminatingDesired(response.children, current, parent.metadata.uid),
    ];
    await this.writeStatus(
      parent,
      writes,
      signal,
      response.status as JsonObject | undefined,
      waiting.length > 0
        ? {
            ok: true,
            reason: 'Recreating',
            message: `Waiting for ${waiting.join(', ')} to finish deleting, to create it again.`,
          }
        : { ok: true, reason: 'Synced', message: 'All children are in the desired state.' },
    );
    const resync = response.resync ?? this.deps.resyncIntervalMs;
    return resync ? requeue(resync) : CONVERGED;
  }

  /**
   * Carries out a plan in two phases: creates, updates and conflicts first; deletes (including the
   * delete half of a recreate) only if all of those succeeded. A child that failed to be written
   * under a new name must not cost the parent the working one under the old name.
   *
   * Within a phase, writes go out concurrently ({@link CHILD_WRITES_IN_FLIGHT} at once), in waves
   * only where admission needs an order (see `write-waves.ts`): a pass takes about as long as its
   * slowest chain of writes, not the sum of its round trips.
   */
  private async execute(
    plan: readonly ChildAction[],
    parent: ParentObject,
    writes: ParentWrites,
    log: Logger,
    signal: AbortSignal,
  ): Promise<Execution> {
    const failures: string[] = [];
    let reason = 'WriteFailed';
    const done: WriteResult[] = [];
    const destructive = (a: ChildAction) => a.action === 'delete' || a.action === 'recreate';
    const phases = [plan.filter((a) => !destructive(a)), plan.filter(destructive)];
    for (const [phase, actions] of phases.entries()) {
      if (phase === 1 && failures.length > 0) {
        if (actions.length > 0) {
          failures.push(
            `${actions.length} child deletion(s) postponed until every other write of the pass succeeds`,
          );
        }
        break;
      }
      for (const wave of inWaves(actions, phase === 0 ? 'create' : 'delete')) {
        const allowed: ChildAction[] = [];
        for (const action of wave) {
          const guard = this.guard(action, writes);
          if (!guard) allowed.push(action);
          else {
            reason = 'NotConverging';
            failures.push(guard);
          }
        }
        const outcomes = await inFlight(allowed, CHILD_WRITES_IN_FLIGHT, (action) =>
          this.write(action, parent, writes, signal),
        );
        // Past the deadline (or shutting down) every further write would fail the same way.
        if (signal.aborted) throw new PassAborted(abortCause(signal) ?? 'shutdown');
        for (const outcome of outcomes) {
          if (outcome.status === 'rejected') {
            const e = outcome.reason;
            if (OperonError.hasCode(e, 'NAME_CONFLICT') && reason === 'WriteFailed') reason = 'NameConflict';
            failures.push(messageOf(e));
            continue;
          }
          const written = outcome.value;
          if (!written) continue;
          log.info(
            { action: written.action, kind: written.type.kind, child: written.name },
            `${written.action} ${written.type.kind} ${written.name}`,
          );
          done.push(written);
        }
      }
    }
    this.recordWrites(parent, writes, done);
    const recreating = done.filter((d) => d.action === 'recreate').map((d) => `${d.type.kind} ${d.name}`);
    return { failures, reason, recreating, deleted: done.filter((d) => d.action === 'delete').length };
  }

  /** The deletion budget's verdict on a plan's deletes (see `deletion-budget.ts`). */
  private judgeDeletions(
    plan: readonly ChildAction[],
    parent: ParentObject,
    current: readonly KubeObject[],
  ): DeletionVerdict {
    const budget = this.deps.deletionBudget;
    const deletes = plan.filter((a) => a.action === 'delete').length;
    if (!budget || !this.window || deletes === 0) return { hold: false, counted: false };
    const owned = current.filter((c) => isControlledBy(c, parent.metadata.uid)).length;
    return judgeDeletions({ parent, deletes, owned, budget, window: this.window, now: Date.now() });
  }

  /**
   * Reports deletions the budget held: the pass made its other writes, so the parent reads
   * `Synced=False` with reason `DeletionHeld`, naming the children and how to release them. Not an
   * error for the queue: retrying cannot help. A spec change, an approval or a change in what `sync`
   * returns (each an event) runs the parent again, as does the end of the window that held them.
   */
  private async holdDeletions(
    plan: readonly ChildAction[],
    parent: ParentObject,
    writes: ParentWrites,
    log: Logger,
    verdict: Extract<DeletionVerdict, { hold: true }>,
  ): Promise<PassOutcome> {
    const held = plan.filter((a): a is Extract<ChildAction, { action: 'delete' }> => a.action === 'delete');
    const names = held.map((a) => `${a.type.kind} ${a.live.metadata.name}`);
    const message = heldDeletionsMessage(names, verdict.message, parent, this.deps.config.parent.type);
    log.warn({ reason: 'DeletionHeld', children: names }, message);
    this.deps.onDeletionsHeld?.(held.length);
    this.deps.events.record(parent, 'Warning', 'DeletionHeld', message);
    try {
      await this.writeFailure(parent, writes, 'DeletionHeld', message);
    } catch (e) {
      throw new ReconcileError('SYNC_FAILED', `DeletionHeld: ${message}`, { cause: e });
    }
    return verdict.retryAfterMs ? requeue(verdict.retryAfterMs) : { kind: 'gaveUp', reason: 'DeletionHeld' };
  }

  /** The loop breaker's verdict on an update: undefined to go ahead, else why not. */
  private guard(action: ChildAction, writes: ParentWrites): string | undefined {
    if (action.action !== 'apply' && action.action !== 'replace' && action.action !== 'recreate') return;
    const { type, object, live } = action;
    const key = childKey(type, object.metadata.namespace, object.metadata.name);
    const hash = object.metadata.annotations?.[DESIRED_HASH_ANNOTATION] ?? '';
    if (writes.rewrites.allows(key, hash)) {
      writes.rewrites.record(key, hash);
      return;
    }
    const path = firstDifference(object, live) ?? 'an unknown field';
    return (
      `${type.kind} "${object.metadata.name}" was written ${MAX_REWRITES} times for the same desired state ` +
      `and still differs from it at ${path}, so Operon stopped writing it (strategy ${action.action}) ` +
      'to avoid a loop. Something else (a mutating webhook, API defaulting, or another controller) changes ' +
      'that field: set it in sync as the API server stores it, or stop the other writer'
    );
  }

  /** One child write, remembered until the caches show it. */
  private async write(
    action: ChildAction,
    parent: ParentObject,
    writes: ParentWrites,
    signal: AbortSignal,
  ): Promise<WriteResult | undefined> {
    const target = action.action === 'delete' ? action.live : action.object;
    const { namespace, name } = target.metadata;
    const cached = this.deps.cache.child(action.type, namespace, name);
    const done = await this.writer.execute(action, parent.metadata.uid, signal);
    if (!done) return undefined;
    writes.rememberChild(action.type, { namespace, name }, done.written, cached);
    if ('live' in action && action.live.metadata.uid) writes.baselines.delete(action.live.metadata.uid);
    const written = done.written;
    if (
      written?.metadata?.uid &&
      (action.action === 'create' || action.action === 'apply' || action.action === 'replace')
    ) {
      writes.baselines.set(written.metadata.uid, baselineOf(action.object, written));
    }
    return done;
  }

  /**
   * One Event per kind of write in a pass (created, deleted, deleting to recreate), naming its
   * children, rather than one per child: a parent with many children does not flood the namespace,
   * and each Event is one more write for the API server and etcd.
   *
   * Creations are reported once the parent has converged before (its status has an
   * `observedGeneration`): a child added by a spec change, or made again after someone deleted it.
   * The first convergence of a new parent is what `Synced=True` already says, and an Event per new
   * parent would add a quarter to the writes of creating it (measured: 4 writes per parent with
   * three children, 5 with the Event). Deletions and recreations are always reported.
   */
  private recordWrites(parent: ParentObject, writes: ParentWrites, done: readonly WriteResult[]): void {
    const names = (action: WriteResult['action']) =>
      summariseNames(done.filter((d) => d.action === action).map((d) => `${d.type.kind} ${d.name}`));
    const created = names('create');
    const convergedBefore = writes.currentStatus(parent)?.observedGeneration !== undefined;
    if (created && convergedBefore)
      this.deps.events.record(parent, 'Normal', 'Created', `Created ${created}`);
    const deleted = names('delete');
    if (deleted) this.deps.events.record(parent, 'Normal', 'Deleted', `Deleted ${deleted}`);
    const recreating = names('recreate');
    if (recreating) {
      this.deps.events.record(
        parent,
        'Normal',
        'Recreating',
        `Deleting ${recreating} to create it again (update strategy recreate)`,
      );
    }
  }

  /**
   * The deletion of a parent that holds Operon's finalizer: the author's `finalize` (when there is
   * one) until it reports done, then the deletion of the children Operon tracks by label (the
   * garbage collector cannot reach them), then the finalizer's removal.
   */
  private async finalize(
    key: string,
    parent: ParentObject,
    writes: ParentWrites,
    log: Logger,
    signal: AbortSignal,
  ): Promise<PassOutcome> {
    const { config } = this.deps;
    // Done already (the cache has not yet seen the finalizer go), or nothing to finalize: the
    // parent is on its way out, and no related change concerns it any more.
    if (!parent.metadata.finalizers?.includes(this.finalizer) || writes.finalized) {
      this.deps.related?.forget(key);
      return CONVERGED;
    }
    let status: JsonObject | undefined;
    if (config.finalize) {
      const outcome = await this.runFinalize(key, parent, writes, log, signal);
      if (!outcome.finalized) return outcome.result;
      status = outcome.status;
    }
    await this.deleteTracked(parent, writes, log, signal);
    // With no other finalizer left, the parent vanishes as soon as Operon's is removed: a status
    // written now would never be read.
    const others = parent.metadata.finalizers.filter((f) => f !== this.finalizer);
    if (status && others.length > 0) {
      await this.writeStatus(parent, writes, signal, status, {
        ok: true,
        reason: 'Finalized',
        message: `Finalized; waiting for ${others.join(', ')}.`,
      });
    }
    await this.removeFinalizer(parent, signal);
    writes.finalized = true;
    log.info({ finalizer: this.finalizer }, 'finalized; removed finalizer');
    this.deps.events.record(
      parent,
      'Normal',
      'Finalized',
      `Finalize done; removed finalizer ${this.finalizer}`,
    );
    return CONVERGED;
  }

  /** Runs the author's `finalize`; the pass's result unless it reported done. */
  private async runFinalize(
    key: string,
    parent: ParentObject,
    writes: ParentWrites,
    log: Logger,
    signal: AbortSignal,
  ): Promise<{ finalized: true; status?: JsonObject } | { finalized: false; result: PassOutcome }> {
    const finalize = this.deps.config.finalize!;
    // A finalize must run even if the spec became invalid: it gets the spec as transformed,
    // unchecked, or the raw spec when it cannot even be transformed.
    const { spec } = await transformAndValidateSpec(
      this.deps.config.parent.spec,
      (parent as { spec?: unknown }).spec,
    );
    // Related objects are read for finalize too (it may need the credentials to clean up), and a
    // change to them runs it again.
    const related = await this.relate(key, parent, spec, signal);
    if (typeof related !== 'function') {
      const { reason, message, cause } = related;
      return this.fail(
        parent,
        writes,
        log,
        reason,
        `${message}. The finalizer stays until finalize succeeds.`,
        cause,
      );
    }
    let response: FinalizeResponse;
    try {
      const request = this.request(parent, spec, true, writes.view(this.deps.cache), signal, log, related);
      response = await untilAborted(finalize(request), signal);
    } catch (e) {
      if (e instanceof PassAborted) throw e;
      if (PermanentError.is(e)) {
        const result = await this.giveUp(
          parent,
          writes,
          log,
          e,
          'finalize',
          'The finalizer stays until finalize succeeds.',
        );
        return { finalized: false, result };
      }
      return this.fail(
        parent,
        writes,
        log,
        'FinalizeFailed',
        `finalize threw: ${messageOf(e)}. The finalizer stays until finalize succeeds.`,
        e,
      );
    }
    if (!response.finalized) {
      if (response.status) {
        await this.writeStatus(parent, writes, signal, response.status as JsonObject, {
          ok: true,
          reason: 'Finalizing',
          message: 'Waiting for finalize to report done.',
        });
      }
      return { finalized: false, result: requeue(response.resync ?? FINALIZE_RETRY_MS) };
    }
    return { finalized: true, status: response.status as JsonObject | undefined };
  }

  /**
   * Deletes the parent's tracked children (those in another namespace or cluster-scoped, which
   * carry Operon's parent label instead of an owner reference), with UID preconditions and in
   * reverse admission order (a ResourceQuota before its Namespace). It does not wait for them to
   * be gone, as the garbage collector's default background deletion of owned children does not.
   * A failed delete fails the pass: the finalizer stays, and the queue retries with backoff.
   */
  private async deleteTracked(
    parent: ParentObject,
    writes: ParentWrites,
    log: Logger,
    signal: AbortSignal,
  ): Promise<void> {
    const view = writes.view(this.deps.cache);
    const plan: ChildAction[] = [];
    for (const ref of this.deps.config.children) {
      for (const live of view.childrenOf(ref.type, parent.metadata.uid)) {
        if (!isTracked(live) || live.metadata?.deletionTimestamp || !live.metadata?.name) continue;
        plan.push({ action: 'delete', type: ref.type, live: live as NamedObject });
      }
    }
    if (plan.length === 0) return;
    const done = await this.execute(plan, parent, writes, log, signal);
    if (done.failures.length > 0) {
      await this.fail(
        parent,
        writes,
        log,
        done.reason,
        `Could not delete the children Operon tracks for it in other namespaces or cluster-wide: ${done.failures.join('; ')}. The finalizer stays until they are deleted.`,
      );
    }
  }

  private request(
    parent: ParentObject,
    spec: unknown,
    finalizing: boolean,
    view: OperatorCache,
    signal: AbortSignal,
    log: Logger,
    related: RelatedLookup,
  ): SyncRequest<unknown> {
    return syncRequest(
      { ...parent, spec } as Parent<unknown>,
      finalizing,
      (type) => view.childrenOf(type, parent.metadata.uid),
      signal,
      log,
      related,
    );
  }

  /**
   * Works out what each relation selects for this parent (its `select` called with the parent as
   * `sync` sees it), records that in the reverse index so a change to a selected object runs this
   * parent again, reads the selected objects (full copies fetched for a metadata-only cache), and
   * returns the lookup `req.related` answers with; or, when a `select` threw or returned something
   * unusable (the parent then selects nothing until its next pass) or a read failed, why.
   *
   * @remarks
   * The index is updated before the objects are read, so an event for a newly selected object
   * either is already in what `sync` gets, or finds the parent in the index and queues it again.
   */
  private async relate(
    key: string,
    parent: ParentObject,
    spec: unknown,
    signal: AbortSignal,
  ): Promise<RelatedLookup | RelatedProblem> {
    const refs = this.deps.config.related ?? [];
    const source = this.deps.related;
    if (refs.length === 0) return NO_RELATED;
    const resolved = resolveSelections(refs, { ...parent, spec } as Parent<unknown>, source?.namespaces);
    if (!resolved.ok) {
      source?.forget(key);
      const message = `A related selection is invalid: ${resolved.problems.join('; ')}`;
      return { reason: 'InvalidRelatedSelection', message };
    }
    const selections = [...resolved.selections.values()].filter(
      (s): s is ResolvedSelection => s !== undefined,
    );
    source?.track(key, selections);
    return readRelated(
      refs,
      resolved.selections,
      async (s, sig) => (await source?.objects(s, sig)) ?? [],
      signal,
    );
  }

  /**
   * Turns a pass cut short into the error the queue sees: at the deadline, a `SyncTimeout` failure
   * reported on the parent like any other (its status write gets a fresh deadline of its own); on
   * shutdown, a quiet end, since the next leader or run takes over.
   */
  private async aborted(key: string, e: unknown, signal: AbortSignal): Promise<unknown> {
    const why = e instanceof PassAborted ? e.why : abortCause(signal);
    if (!why || e instanceof ReconcileError) return e;
    if (why === 'shutdown')
      return new ReconcileError('SYNC_FAILED', `pass for ${key} stopped: shutting down`);
    const parent = this.deps.cache.parent(key) as ParentObject | undefined;
    if (!parent) return e;
    const seconds = (this.deps.reconcileTimeoutMs ?? DEFAULT_RECONCILE_TIMEOUT_MS) / 1000;
    const log = this.deps.log.child({ namespace: parent.metadata.namespace, name: parent.metadata.name });
    try {
      await this.fail(
        parent,
        this.own.of(key, parent.metadata.uid),
        log,
        'SyncTimeout',
        `The pass did not finish within its deadline of ${seconds} s (${messageOf(e)}); it was cancelled and will be retried with backoff. ` +
          'If sync waits on something slow, make it return sooner (use req.signal to stop waiting), or raise reconcileTimeoutMs.',
        e,
      );
    } catch (reported) {
      return reported;
    }
    return e;
  }

  private async fail(
    parent: ParentObject,
    writes: ParentWrites,
    log: Logger,
    reason: string,
    message: string,
    cause?: unknown,
  ): Promise<never> {
    await this.report(parent, writes, log, reason, message, cause);
    throw new ReconcileError('SYNC_FAILED', `${reason}: ${message}`, { cause });
  }

  /** Logs, counts and records a failure, and writes it to `Synced`; false if that write failed. */
  private async report(
    parent: ParentObject,
    writes: ParentWrites,
    log: Logger,
    reason: string,
    message: string,
    cause?: unknown,
  ): Promise<boolean> {
    log.warn({ reason, err: cause instanceof Error ? cause.stack : undefined }, message);
    this.deps.onError?.(reason);
    this.deps.events.record(parent, 'Warning', reason, message);
    try {
      await this.writeFailure(parent, writes, reason, message);
      return true;
    } catch (e) {
      log.warn({ err: messageOf(e) }, 'could not write the failure to the status');
      return false;
    }
  }

  /**
   * A {@link PermanentError} from `sync` or `finalize`: reported like any failure, but the pass ends
   * without an error and without a requeue, so the queue neither backs off nor retries it; the next
   * pass comes with the next change to the parent or one of its children.
   */
  private async giveUp(
    parent: ParentObject,
    writes: ParentWrites,
    log: Logger,
    e: PermanentError,
    hook: 'sync' | 'finalize',
    consequence: string,
  ): Promise<PassOutcome> {
    const kind = this.deps.config.parent.type.kind;
    const what = this.deps.config.related?.length
      ? 'one of its children or related objects'
      : 'one of its children';
    const message = `${hook} gave up: ${e.message}. ${consequence} Not retried until the ${kind} or ${what} changes.`;
    // Unreported, the failure would be invisible: retry (with backoff) until the status says it.
    if (!(await this.report(parent, writes, log, e.reason, message, e))) {
      throw new ReconcileError('SYNC_FAILED', `${e.reason}: ${message}`, { cause: e });
    }
    return { kind: 'gaveUp', reason: e.reason };
  }

  /** Sets `Synced=False` and nothing else (see `failedConditionPatch`); retried once on a fresh read. */
  private async writeFailure(
    parent: ParentObject,
    writes: ParentWrites,
    reason: string,
    message: string,
  ): Promise<void> {
    const patchFrom = (status: JsonObject | undefined) =>
      failedConditionPatch(status, parent.metadata.generation, { reason, message });
    const send = (ops: JsonPatchOp[]) =>
      this.deps.api.request<KubeObject>({
        method: 'PATCH',
        path: this.parentPath(parent, 'status'),
        contentType: PatchType.json,
        body: ops,
      });
    const ops = patchFrom(writes.currentStatus(parent));
    if (!ops) return;
    // Deliberately without the pass's signal: a failure must be reported even when the pass was
    // cut at its deadline. The API client's own request timeout bounds it.
    let written: KubeObject;
    try {
      written = await send(ops);
    } catch (e) {
      if (!isStale(e)) throw e;
      // The status changed since the cache was read: once more, from the object as it is now.
      const fresh = await this.deps.api.request<KubeObject>({ method: 'GET', path: this.parentPath(parent) });
      const retry = patchFrom((fresh as { status?: JsonObject }).status);
      if (!retry) return;
      written = await send(retry);
    }
    writes.rememberStatus((written as { status?: JsonObject }).status ?? {}, parent);
  }

  private async writeStatus(
    parent: ParentObject,
    writes: ParentWrites,
    signal: AbortSignal,
    authorStatus: JsonObject | undefined,
    outcome: SyncOutcome,
  ): Promise<void> {
    const live = writes.currentStatus(parent);
    const status = buildStatus(authorStatus, live, parent.metadata.generation, outcome);
    if (statusUnchanged(status, live)) return;
    const type = this.deps.config.parent.type;
    try {
      const written = await this.deps.api.request<KubeObject>({
        signal,
        method: 'PATCH',
        path: this.parentPath(parent, 'status'),
        query: { fieldManager: this.deps.config.name, force: true },
        contentType: PatchType.apply,
        body: {
          apiVersion: type.apiVersion,
          kind: type.kind,
          metadata: { name: parent.metadata.name, namespace: parent.metadata.namespace },
          status,
        },
      });
      writes.rememberStatus((written as { status?: JsonObject }).status ?? status, parent);
    } catch (e) {
      if (!ApiError.isNotFound(e)) throw e;
      // 404 on /status: either the parent is gone (nothing to report), or its CRD has no status subresource.
      try {
        await this.deps.api.request({ method: 'GET', path: this.parentPath(parent) });
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

  private parentPath(parent: ParentObject, subresource?: 'status'): string {
    const { namespace, name } = parent.metadata;
    return resourcePath(this.deps.config.parent.type, { namespace, name, subresource });
  }

  /**
   * Sends a finalizer patch (see `finalizer-patch.ts`). A failed `test` means the cache was stale:
   * the pass ends quietly and the parent's next event (the change that failed the test) retries it.
   */
  private async patchFinalizers(
    parent: ParentObject,
    ops: JsonPatchOp[],
    signal?: AbortSignal,
  ): Promise<void> {
    try {
      await this.deps.api.request({
        signal,
        method: 'PATCH',
        path: this.parentPath(parent),
        contentType: PatchType.json,
        body: ops,
      });
    } catch (e) {
      if (!isStale(e)) throw e;
      throw new ReconcileError(
        'STALE_CACHE',
        `the finalizers of ${parent.metadata.name} changed since the cache was read; retrying`,
        { cause: e },
      );
    }
  }

  /** Removes Operon's finalizer, re-reading the parent once if its list changed meanwhile. */
  private async removeFinalizer(parent: ParentObject, signal: AbortSignal): Promise<void> {
    const ops = removeFinalizerPatch(parent.metadata.finalizers, this.finalizer);
    if (!ops) return;
    try {
      await this.patchFinalizers(parent, ops, signal);
    } catch (e) {
      if (!OperonError.hasCode(e, 'STALE_CACHE')) throw e;
      let fresh: ParentObject;
      try {
        fresh = await this.deps.api.request<ParentObject>({
          signal,
          method: 'GET',
          path: this.parentPath(parent),
        });
      } catch (gone) {
        if (ApiError.isNotFound(gone)) return;
        throw gone;
      }
      const retry = removeFinalizerPatch(fresh.metadata.finalizers, this.finalizer);
      if (retry) await this.patchFinalizers(fresh, retry, signal);
    }
  }
}

/**
 * Eight hex digits telling one pass's log lines from another's. Only for reading logs, so not
 * from the crypto module: a random fill per pass showed up at 1 % of the operator's CPU.
 */
function reconcileId(): string {
  return Math.floor(Math.random() * 0x1_0000_0000)
    .toString(16)
    .padStart(8, '0');
}

/** A JSON Patch whose `test` failed (the object changed), or a resourceVersion conflict. */
function isStale(e: unknown): boolean {
  return e instanceof ApiError && (e.status === 409 || e.status === 422);
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
