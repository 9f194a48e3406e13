import type { OperatorConfig } from '../../config/operator-config.js';
import type { Logger } from '../../observability/logger.js';
import type { ControllerMetrics } from '../../observability/metrics/controller-metrics.js';
import type { DeletionBudget } from '../../types/deletion-budget.js';
import { type KubeObject, objectKey } from '../../types/kube-object.js';
import { type ResourceType, resourceTypeId } from '../../types/resource-type.js';
import type { ApiClient } from '../api/api-client.js';
import { ApiError } from '../api/api-error.js';
import {
  type CacheSlot,
  fixedSlot,
  type InformerRegistry,
  type InformerScope,
  OWNER_UID_INDEX,
  type SharedInformer,
} from '../informers/index.js';
import {
  controllerOf,
  isTracked,
  OPERATOR_LABEL,
  PARENT_ANNOTATION,
  parentUidIndex,
} from '../planner/index.js';
import { type QueueObserver, type ReconcileResult, WorkQueue } from '../queue/index.js';
import { resolveDeletionBudget } from '../reconcile/deletion-budget.js';
import type { EventRecorder } from '../reconcile/event-recorder.js';
import type { OperatorCache } from '../reconcile/operator-cache.js';
import { passSignal } from '../reconcile/pass-deadline.js';
import { type PassOutcome, Reconciler, type ReconcilerDeps } from '../reconcile/reconciler.js';
import { RelatedWatches } from '../related/related-watches.js';
import { cacheOverInformers } from './informer-cache.js';

/** Settings a host passes to each of its operators. */
export interface OperatorRunOptions {
  /** Namespaces to watch; undefined = all. */
  namespaces?: readonly string[];
  concurrency: number;
  resyncIntervalMs?: number;
  queueObserver?: (operator: string) => QueueObserver | undefined;
  onReconcileError?: (operator: string, reason: string) => void;
  /** Where this operator's reconcile and queue metrics go. */
  metrics?: ControllerMetrics;
  /** The deadline of one pass, in ms (see `passSignal`). */
  reconcileTimeoutMs: number;
  /** Told of every successful, valid `sync` (the host option `record`). */
  onSyncCompleted?: ReconcilerDeps['onSyncCompleted'];
  /** The host's deletion budget, for an operator that sets none (see `resolveDeletionBudget`). */
  deletionBudget?: DeletionBudget | false;
  /**
   * With sharding: whether this replica may reconcile the parent `key` now. A pass of a key it may
   * not reconcile does nothing and forgets the key (its owner reconciles it). Default: every key.
   */
  owns?: (key: string) => boolean;
  /**
   * Where the parents' and each child type's caches come from. Default: the registry's informer for
   * the type and scope. With sharding: caches that hold only this replica's buckets.
   */
  slots?: CacheSlots;
  /** Labels added to every child of the parent `key` (with sharding: its bucket). */
  routingLabels?: (key: string) => Readonly<Record<string, string>> | undefined;
}

/** Makers of the caches an operator reads its parents and children from (see {@link CacheSlot}). */
export interface CacheSlots {
  parents(type: ResourceType<KubeObject>, scope: InformerScope): CacheSlot;
  children(type: ResourceType<KubeObject>, scope: InformerScope): CacheSlot;
}

/** How often a cache that cannot fill is checked for a permission problem to report. */
const BLOCKED_CHECK_MS = 2_000;

/** A pass running longer than this share of its deadline is logged as slow, once. */
const SLOW_PASS_SHARE = 0.5;

/**
 * One operator at run time: its informers (taken from the host's shared registry), the handlers
 * that turn events into parent keys, its work queue and its reconciler.
 */
export class OperatorController {
  readonly queue: WorkQueue;
  private readonly parentSlots: CacheSlot[] = [];
  private readonly childSlots = new Map<string, CacheSlot[]>();
  /** The operator's relations (`config.related`); undefined when it has none. */
  private readonly related: RelatedWatches | undefined;
  private readonly unsubscribe: (() => void)[] = [];
  private readonly operatorCache: OperatorCache;
  private readonly reconciler: Reconciler;
  private readonly reconcileTimeoutMs: number;
  /** Keys being reconciled, with `performance.now()` at the start of their pass. */
  private readonly runningSince = new Map<string, number>();
  private readonly owns: (key: string) => boolean;

  constructor(
    readonly config: OperatorConfig<unknown>,
    registry: InformerRegistry,
    api: ApiClient,
    events: EventRecorder,
    private readonly log: Logger,
    options: OperatorRunOptions,
  ) {
    const scopes = options.namespaces?.length ? options.namespaces : [undefined];
    const parentType = config.parent.type;
    const slots: CacheSlots = options.slots ?? {
      parents: (type, scope) => fixedSlot(registry.informerFor(type, scope)),
      children: (type, scope) => fixedSlot(registry.informerFor(type, scope)),
    };
    for (const namespace of parentType.namespaced ? scopes : [undefined]) {
      const slot = slots.parents(parentType, { namespace });
      this.parentSlots.push(slot);
      this.unsubscribe.push(
        slot.addHandler({
          onAdd: (obj) => this.queue.add(objectKey(obj)),
          onUpdate: (oldObj, newObj) => {
            if (specOrMetadataChanged(oldObj, newObj)) this.queue.add(objectKey(newObj));
          },
          onDelete: (obj) => this.queue.add(objectKey(obj)),
        }),
      );
    }
    for (const ref of config.children) {
      const list: CacheSlot[] = [];
      // Every operator selects on the label *key*, so all of them share one watch per child type.
      for (const namespace of ref.type.namespaced ? scopes : [undefined]) {
        const slot = slots.children(ref.type, { namespace, labelSelector: OPERATOR_LABEL });
        slot.addIndex(OWNER_UID_INDEX, parentUidIndex);
        list.push(slot);
        const enqueue = (obj: KubeObject) => this.enqueueOwner(obj);
        this.unsubscribe.push(
          slot.addHandler({
            onAdd: enqueue,
            onUpdate: (oldObj, newObj) => {
              enqueue(oldObj);
              enqueue(newObj);
            },
            onDelete: enqueue,
          }),
        );
      }
      this.childSlots.set(resourceTypeId(ref.type), list);
    }
    this.related = config.related?.length
      ? new RelatedWatches(registry, config.related, scopes, parentType, (key) => this.queue.add(key))
      : undefined;
    this.operatorCache = cacheOverInformers(this.parentSlots, this.childSlots);
    // The periodic resync is applied here, not by the reconciler, so that a pass the author asked to
    // repeat (`resync`) is told apart from a plain success in the metrics.
    this.reconciler = new Reconciler({
      config,
      api,
      cache: this.operatorCache,
      events,
      log,
      onError: (reason) => options.onReconcileError?.(config.name, reason),
      reconcileTimeoutMs: options.reconcileTimeoutMs,
      related: this.related,
      watchedNamespaces: options.namespaces,
      onSyncCompleted: options.onSyncCompleted,
      deletionBudget: resolveDeletionBudget(config.deletionBudget, options.deletionBudget),
      onDeletionsHeld: (count) => options.metrics?.deletionsHeld(count),
      routingLabels: options.routingLabels,
    });
    this.reconcileTimeoutMs = options.reconcileTimeoutMs;
    this.owns = options.owns ?? (() => true);
    this.queue = new WorkQueue(
      (key, ctx) => this.reconcile(key, ctx.signal, options.resyncIntervalMs, options.metrics),
      {
        name: config.name,
        concurrency: options.concurrency,
        observer: combineObservers(options.queueObserver?.(config.name), options.metrics?.queue),
      },
    );
  }

  /** Every informer this operator reads: parents, children and related objects. */
  informers(): SharedInformer<KubeObject>[] {
    // A set: a relation to the parent's own type reads the parents' informer.
    const all = new Set([
      ...this.parentInformers(),
      ...[...this.childSlots.values()].flat().flatMap((s) => s.current()),
      ...(this.related?.informers() ?? []),
    ]);
    return [...all];
  }

  /** The informers of the parents' caches in use now. */
  private parentInformers(): SharedInformer<KubeObject>[] {
    return this.parentSlots.flatMap((s) => s.current());
  }

  /** Starts reconciling once every informer this operator needs has synced (DESIGN rule 1). */
  async start(signal?: AbortSignal): Promise<void> {
    await this.waitForSync(signal, true);
    this.startReconciling();
  }

  /**
   * Resolves once every informer this operator reads has synced. Events keep queueing keys
   * meanwhile (each key once), so nothing is missed when reconciling starts later.
   */
  async waitForSync(signal?: AbortSignal, reportBlocked = false): Promise<void> {
    const synced = Promise.all(this.informers().map((i) => i.waitForSync(signal)));
    if (!reportBlocked) return void (await synced);
    // While a cache cannot fill because a list or watch is forbidden, nothing reconciles (rule 1):
    // say so on every parent, or its owner sees nothing at all.
    const timer = setInterval(() => void this.reportBlockedCaches(), BLOCKED_CHECK_MS);
    timer.unref();
    try {
      await synced;
    } finally {
      clearInterval(timer);
    }
  }

  /** Puts a `MissingPermission` failure on every known parent while a cache is forbidden to fill. */
  private async reportBlockedCaches(): Promise<void> {
    const forbidden = this.informers().flatMap((i) => {
      const err = i.hasSynced() ? undefined : i.health().lastError;
      return err instanceof ApiError && err.status === 403 ? [{ informer: i, err }] : [];
    });
    // Without the parents' own cache there is no parent to tell; /readyz and the log say it.
    if (forbidden.length === 0 || !this.parentInformers().every((i) => i.hasSynced())) return;
    const what = forbidden.map(({ informer, err }) => {
      const { type, scope } = informer;
      const resource = type.group ? `${type.plural}.${type.group}` : type.plural;
      return `${err.verb} ${resource}${scope.namespace ? ` in namespace ${scope.namespace}` : ''}`;
    });
    const message =
      `Operon cannot reconcile: it may not ${what.join('; ')} (403 Forbidden), so its caches cannot fill. ` +
      "Grant these verbs to the operator's ServiceAccount (`operon rbac --check` lists what is missing).";
    for (const parent of this.parentInformers().flatMap((i) => i.store.list())) {
      const key = objectKey(parent);
      if (this.owns(key)) await this.reconciler.reportBlocked(key, 'MissingPermission', message);
    }
  }

  /** Starts the queue: call only after {@link waitForSync} resolved (DESIGN rule 1). */
  startReconciling(): void {
    this.log.info(
      { parents: this.parentInformers().reduce((n, i) => n + i.store.size, 0) },
      'caches synced; reconciling',
    );
    this.queue.start();
  }

  /** Cancels the passes running now; later passes run as usual (see `WorkQueue.cancelRunning`). */
  cancelRunning(reason: unknown): void {
    this.queue.cancelRunning(reason);
  }

  /** Keys whose pass is running now. */
  inFlight(): string[] {
    return [...this.runningSince.keys()];
  }

  /** The keys of every cached parent `owns` accepts (with sharding: the parents this replica owns). */
  ownedParents(): string[] {
    return this.parentInformers()
      .flatMap((i) => i.store.list().map(objectKey))
      .filter((k) => this.owns(k));
  }

  /** Queues every cached parent this replica owns: after a handover gave it new ones. */
  enqueueOwned(): void {
    for (const key of this.ownedParents()) this.queue.add(key);
  }

  /** Cancels every pass of this operator now (see `WorkQueue.abortInFlight`). */
  abortInFlight(reason: unknown): void {
    this.queue.abortInFlight(reason);
  }

  /** Stops taking work and waits for in-flight reconciles (up to `timeoutMs`). */
  async stop(timeoutMs: number): Promise<boolean> {
    for (const u of this.unsubscribe.splice(0)) u();
    this.related?.stop();
    const { drained } = await this.queue.shutdown(timeoutMs);
    return drained;
  }

  /**
   * Keys whose pass has run past its deadline and still holds a worker (it ignores its signal),
   * with how long; `/healthz` fails when every worker is held so.
   */
  stuckPasses(now = performance.now()): { key: string; ms: number }[] {
    const out: { key: string; ms: number }[] = [];
    for (const [key, since] of this.runningSince) {
      const ms = now - since;
      if (ms > this.reconcileTimeoutMs) out.push({ key, ms });
    }
    return out;
  }

  /** How many passes may run at once. */
  get concurrency(): number {
    return this.queue.concurrency;
  }

  /**
   * One pass, timed, and its outcome mapped in one place to one queue action and one metric (as
   * controller-runtime's `reconcileHandler` does):
   *
   * | outcome | queue | `controller_runtime_reconcile_total{result}` |
   * |---|---|---|
   * | converged | forget the key's failures; run again after the periodic resync, if any | `success` |
   * | requeue | forget the failures; run again after `afterMs` | `requeue_after` |
   * | gaveUp | forget the failures; nothing more until a change | `error` |
   * | failed | back off (rejects), the failure counted | `error` |
   */
  private async reconcile(
    key: string,
    shutdown: AbortSignal,
    resyncIntervalMs: number | undefined,
    metrics: ControllerMetrics | undefined,
  ): Promise<ReconcileResult> {
    // Checked and marked running in one synchronous step: a handover waits for the running passes
    // of the keys it moves, so none may start between the check and the mark.
    if (!this.owns(key)) return undefined;
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    const [namespace, name] = key.includes('/') ? key.split('/') : [undefined, key];
    // A pass still running at half its deadline is worth a line: it names the parent that is slow.
    const slow = setTimeout(
      () => this.log.warn({ namespace, name, seconds: seconds() }, 'reconcile is taking long'),
      this.reconcileTimeoutMs * SLOW_PASS_SHARE,
    );
    slow.unref();
    this.runningSince.set(key, started);
    const pass = passSignal(shutdown, this.reconcileTimeoutMs);
    let outcome: PassOutcome;
    try {
      outcome = await this.reconciler.reconcile(key, pass.signal);
    } catch (error) {
      // The reconciler turns every failure into an outcome; this is a defect in Operon itself.
      outcome = { kind: 'failed', error, reported: false };
    } finally {
      pass.dispose();
      clearTimeout(slow);
      this.runningSince.delete(key);
    }
    switch (outcome.kind) {
      case 'converged':
        metrics?.reconciled('success', seconds());
        return resyncIntervalMs && this.operatorCache.parent(key)
          ? { requeueAfterMs: resyncIntervalMs }
          : undefined;
      case 'requeue':
        metrics?.reconciled('requeue_after', seconds());
        return { requeueAfterMs: outcome.afterMs };
      case 'gaveUp':
        metrics?.reconciled('error', seconds());
        return undefined;
      case 'failed':
        metrics?.reconciled('error', seconds());
        // The reconciler reports its own failures (status, Event, log); anything else escaped it.
        if (!outcome.reported) {
          this.log.error(
            { namespace, name, err: outcome.error },
            'reconcile failed unexpectedly; retrying with backoff',
          );
        }
        throw outcome.error;
    }
  }

  private enqueueOwner(obj: KubeObject): void {
    const key = this.parentKeyOf(obj);
    if (key) this.queue.add(key);
  }

  /** The key of this operator's parent that `obj` is a child of, if it is one of its children. */
  parentKeyOf(obj: KubeObject): string | undefined {
    if (obj.metadata?.labels?.[OPERATOR_LABEL] !== this.config.name) return undefined;
    // No owner reference can name a parent in another namespace; Operon's annotation does.
    if (isTracked(obj)) return obj.metadata?.annotations?.[PARENT_ANNOTATION];
    const owner = controllerOf(obj);
    const parentType = this.config.parent.type;
    if (
      !owner ||
      owner.kind !== parentType.kind ||
      owner.apiVersion.split('/')[0] !== parentType.apiVersion.split('/')[0]
    )
      return undefined;
    return parentType.namespaced ? `${obj.metadata?.namespace}/${owner.name}` : owner.name;
  }
}

/**
 * Parent events that need a pass: a new generation (spec), or changed labels, annotations,
 * finalizers or deletion. A status-only change (such as Operon's own status write) does not
 * (DESIGN rule 5).
 */
export function specOrMetadataChanged(oldObj: KubeObject, newObj: KubeObject): boolean {
  const o = oldObj.metadata ?? {};
  const n = newObj.metadata ?? {};
  return (
    o.generation !== n.generation ||
    o.deletionTimestamp !== n.deletionTimestamp ||
    JSON.stringify(o.labels ?? {}) !== JSON.stringify(n.labels ?? {}) ||
    JSON.stringify(o.annotations ?? {}) !== JSON.stringify(n.annotations ?? {}) ||
    JSON.stringify(o.finalizers ?? []) !== JSON.stringify(n.finalizers ?? [])
  );
}

/** One observer that calls both (either may be missing). */
function combineObservers(
  a: QueueObserver | undefined,
  b: QueueObserver | undefined,
): QueueObserver | undefined {
  if (!a || !b) return a ?? b;
  const both = <K extends keyof QueueObserver>(hook: K) =>
    ((...args: Parameters<NonNullable<QueueObserver[K]>>) => {
      for (const o of [a, b]) {
        const fn = o[hook];
        if (fn) Reflect.apply(fn, o, args);
      }
    }) as NonNullable<QueueObserver[K]>;
  return {
    onAdd: both('onAdd'),
    onRetry: both('onRetry'),
    onDepth: both('onDepth'),
    onLatency: both('onLatency'),
    onWorkDuration: both('onWorkDuration'),
    onActive: both('onActive'),
  };
}
