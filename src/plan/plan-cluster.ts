import { buildOperatorConfig } from '../config/build-config.js';
import type { OperatorConfig } from '../config/operator-config.js';
import { checkDeletionBudget, validateOperatorSet } from '../config/validate-config.js';
import { ConfigError } from '../errors/operon-error.js';
import { type Logger, silentLogger } from '../observability/logger.js';
import { ApiClient, type KubeConfigLike } from '../runtime/api/api-client.js';
import { ApiError } from '../runtime/api/api-error.js';
import { cacheOverInformers } from '../runtime/host/informer-cache.js';
import { defaultKubeConfig } from '../runtime/host/load-kubeconfig.js';
import {
  fixedSlot,
  InformerRegistry,
  OWNER_UID_INDEX,
  type SharedInformer,
} from '../runtime/informers/index.js';
import { OPERATOR_LABEL, type ParentObject, parentUidIndex } from '../runtime/planner/index.js';
import { resolveDeletionBudget } from '../runtime/reconcile/deletion-budget.js';
import type { OperatorCache } from '../runtime/reconcile/operator-cache.js';
import { DEFAULT_RECONCILE_TIMEOUT_MS } from '../runtime/reconcile/pass-deadline.js';
import { getThrough } from '../runtime/related/fetched-objects.js';
import { RelatedWatches } from '../runtime/related/related-watches.js';
import type { DeletionBudget } from '../types/deletion-budget.js';
import { type KubeObject, objectKey } from '../types/kube-object.js';
import { describeType, resourceTypeId } from '../types/resource-type.js';
import { applyDeletionWindows } from './deletion-budget.js';
import { planParent } from './plan-parent.js';
import { summarizePlan } from './summary.js';
import type { ClusterPlan } from './types.js';

/** Options of {@link planCluster}. */
export interface PlanOptions {
  /** The cluster. Default: as `operon run` (in-cluster ServiceAccount, then `KUBECONFIG`, then `~/.kube/config`). */
  kubeConfig?: KubeConfigLike;
  /**
   * The namespaces the operators watch, as the host option `namespaces`; default all. Give the
   * deployed operator's own setting, so that the plan sees what it sees.
   */
  namespaces?: readonly string[];
  /** Plan only the parents in this namespace. */
  namespace?: string;
  /**
   * Plan only these parents, by key: `namespace/name`, or `name` for a cluster-scoped parent. A key
   * that names no parent of any planned operator is an error.
   */
  parents?: readonly string[];
  /** Plan only the operators with these names. Default: all. */
  operators?: readonly string[];
  /** Deadline of each `sync` call, in ms; default 60 000, as the runtime's `reconcileTimeoutMs`. */
  syncTimeoutMs?: number;
  /**
   * How long to wait for the caches to fill, in ms; default 60 000. A list the API server refuses
   * (403, 401, 404) or cannot be reached for fails at once, whatever this says.
   */
  cacheTimeoutMs?: number;
  /** Deadline of one API request, in ms (see `ApiClientOptions`). */
  requestTimeoutMs?: number;
  /** Parents planned at once (each runs its `sync`). Default 4. */
  concurrency?: number;
  /** Where the informers and `req.log` write. Default silent. */
  logger?: Logger;
  /** Abandons the plan (rejecting with the signal's reason). */
  signal?: AbortSignal;
  /**
   * The deletion budget of operators that set none, as the host option `deletionBudget` of the
   * deployment planned for (`false`: off); an operator's own `deletionBudget` wins. Default: the
   * budget's defaults. Deletes it would hold are marked `held` and counted apart.
   */
  deletionBudget?: DeletionBudget | false;
}

/** An operator instance (a class decorated with `@Operator`, constructed) or a hand-written config. */
export type PlannedOperator = object | OperatorConfig<unknown>;

/** How often the caches' errors are looked at while they fill. */
const CACHE_POLL_MS = 100;

/**
 * What the operators would change in the cluster now, computed without changing anything: for every
 * parent, the children they would create, update (with a field-level diff), recreate, delete or
 * refuse to touch (name conflicts), the status they would write, and the parents they could not
 * reconcile (invalid spec, `sync` throwing, an invalid response). Deletes the deletion budget would
 * hold are marked `held` (see `ParentPlan.deletionsHeld`) and counted apart
 * (`summary.heldDeletes`).
 *
 * @remarks
 * Read-only by construction: it opens the same shared informers the runtime opens (parents; children
 * selected on Operon's label; related types as metadata-only watches with the selected objects read
 * in full), waits for them to sync, and runs each parent through the runtime's pure pieces
 * ({@link planParent}). Its API client refuses every request but GET before one is sent, so LIST,
 * WATCH and GET are all it can do: a role with `get`, `list` and `watch` is enough, and no finalizer,
 * status or Event is ever written. `finalize` is never called.
 *
 * Typical use: v1 of an operator runs in the cluster; in CI, plan v2 against it and assert on the
 * result, or show it in review (`operon plan dist/v2/main.js`).
 *
 * @param operators - operator instances or configs (the same operators `OperonHost` would run).
 * @throws ConfigError for invalid operator configurations; Error when an operator name or a parent
 *   key given in the options matches nothing, when a cache cannot fill (a list forbidden, a CRD not
 *   installed, the API server unreachable, or not synced within `cacheTimeoutMs`).
 *
 * @example
 * ```ts
 * import { planCluster } from 'operon';
 * const plan = await planCluster([new GreeterOperator()], { namespaces: ['prod'] });
 * assert.equal(plan.summary.deletes, 0, 'v2 must not delete anything');
 * ```
 */
export async function planCluster(
  operators: PlannedOperator | readonly PlannedOperator[],
  options: PlanOptions = {},
): Promise<ClusterPlan> {
  const all = (Array.isArray(operators) ? operators : [operators]).map(configOf);
  validateOperatorSet(all);
  if (options.deletionBudget !== undefined) {
    const problems = checkDeletionBudget(options.deletionBudget, 'deletionBudget');
    if (problems.length > 0) throw new ConfigError(problems);
  }
  const configs = selectOperators(all, options.operators);
  const log = options.logger ?? silentLogger();
  const api = new ApiClient(options.kubeConfig ?? defaultKubeConfig(), 'operon-plan', {
    requestTimeoutMs: options.requestTimeoutMs,
  });
  // The guarantee, not a convention: any write the code below might attempt fails here, unsent.
  api.refuseWrites(new Error('operon plan only reads'));
  const registry = new InformerRegistry(api, { log: log.child({ component: 'informers' }) });
  const views = configs.map((config) => new OperatorView(config, registry, options.namespaces));
  try {
    registry.start();
    await waitForCaches(registry.informers(), options.cacheTimeoutMs ?? 60_000, options.signal);
    const work = selectParents(views, options);
    const readObject = getThrough(api);
    const plans = await inPool(work, options.concurrency ?? 4, ({ view, parent }) =>
      planParent(
        {
          config: view.config,
          cache: view.cache,
          related: view.related,
          watchedNamespaces: options.namespaces,
          readObject,
          syncTimeoutMs: options.syncTimeoutMs ?? DEFAULT_RECONCILE_TIMEOUT_MS,
          log: log.child({
            operator: view.config.name,
            namespace: parent.metadata.namespace,
            name: parent.metadata.name,
          }),
          signal: options.signal,
          deletionBudget: options.deletionBudget,
        },
        parent,
      ),
    );
    // In the plan's stable order, so the same cluster always gives the same plan.
    const parents = applyDeletionWindows(
      plans.map((plan, i) => {
        const { view, parent } = work[i]!;
        const { config } = view;
        const budget = resolveDeletionBudget(config.deletionBudget, options.deletionBudget);
        return { operator: config.name, parent, parentType: config.parent.type, budget, plan };
      }),
    );
    return {
      formatVersion: 1,
      operators: configs.map((c) => c.name),
      parents,
      summary: summarizePlan(parents),
    };
  } finally {
    for (const view of views) view.stop();
    await registry.stop();
    api.close();
  }
}

/**
 * One operator's caches, opened exactly as `OperatorController` opens them (same informer keys, so
 * the same watches and the same owner index), without its queue and reconciler.
 */
class OperatorView {
  readonly parentInformers: SharedInformer<KubeObject>[] = [];
  readonly related: RelatedWatches | undefined;
  readonly cache: OperatorCache;
  private readonly childInformers = new Map<string, SharedInformer<KubeObject>[]>();

  constructor(
    readonly config: OperatorConfig<unknown>,
    registry: InformerRegistry,
    namespaces: readonly string[] | undefined,
  ) {
    const scopes = namespaces?.length ? namespaces : [undefined];
    const parentType = config.parent.type;
    for (const namespace of parentType.namespaced ? scopes : [undefined]) {
      this.parentInformers.push(registry.informerFor(parentType, { namespace }));
    }
    for (const ref of config.children) {
      const list: SharedInformer<KubeObject>[] = [];
      for (const namespace of ref.type.namespaced ? scopes : [undefined]) {
        const informer = registry.informerFor(ref.type, { namespace, labelSelector: OPERATOR_LABEL });
        informer.store.addIndex(OWNER_UID_INDEX, parentUidIndex);
        list.push(informer);
      }
      this.childInformers.set(resourceTypeId(ref.type), list);
    }
    // No queue to feed: a related change during the plan has no pass to trigger.
    this.related = config.related?.length
      ? new RelatedWatches(registry, config.related, scopes, parentType, () => undefined)
      : undefined;
    this.cache = cacheOverInformers(
      this.parentInformers.map(fixedSlot),
      new Map([...this.childInformers].map(([id, list]) => [id, list.map(fixedSlot)])),
    );
  }

  /** Every parent in the caches, by key (a parent informer per watched namespace). */
  parents(): ParentObject[] {
    return this.parentInformers.flatMap((i) => i.store.list()) as ParentObject[];
  }

  stop(): void {
    this.related?.stop();
  }
}

function configOf(operator: PlannedOperator): OperatorConfig<unknown> {
  const c = operator as Partial<OperatorConfig<unknown>>;
  const isConfig =
    typeof c.sync === 'function' &&
    typeof c.name === 'string' &&
    c.parent !== undefined &&
    Array.isArray(c.children);
  return isConfig ? (operator as OperatorConfig<unknown>) : buildOperatorConfig(operator);
}

function selectOperators(
  configs: readonly OperatorConfig<unknown>[],
  names: readonly string[] | undefined,
): OperatorConfig<unknown>[] {
  if (!names?.length) return [...configs];
  const unknown = names.filter((n) => !configs.some((c) => c.name === n));
  if (unknown.length > 0) {
    throw new Error(
      `No operator named ${unknown.map((n) => `"${n}"`).join(', ')}; the entry defines ${configs.map((c) => `"${c.name}"`).join(', ')}.`,
    );
  }
  return configs.filter((c) => names.includes(c.name));
}

/** The parents to plan, in a stable order: by operator, then key (code-unit order, locale-free). */
function selectParents(
  views: readonly OperatorView[],
  options: PlanOptions,
): { view: OperatorView; parent: ParentObject }[] {
  const keys = options.parents?.length ? new Set(options.parents) : undefined;
  const found = new Set<string>();
  const out: { view: OperatorView; parent: ParentObject }[] = [];
  for (const view of views) {
    const parents = view
      .parents()
      .filter((p) => options.namespace === undefined || p.metadata.namespace === options.namespace)
      .filter((p) => !keys || keys.has(objectKey(p)))
      .sort((a, b) => (objectKey(a) < objectKey(b) ? -1 : objectKey(a) > objectKey(b) ? 1 : 0));
    for (const parent of parents) {
      found.add(objectKey(parent));
      out.push({ view, parent });
    }
  }
  const missing = [...(keys ?? [])].filter((k) => !found.has(k));
  if (missing.length > 0) {
    const kinds = [...new Set(views.map((v) => v.config.parent.type.kind))].join(' or ');
    throw new Error(
      `No ${kinds} ${missing.map((k) => `"${k}"`).join(', ')} in the cluster${options.namespace ? ` (namespace ${options.namespace})` : ''}. Give a parent as namespace/name (name alone for a cluster-scoped one).`,
    );
  }
  return out;
}

/**
 * Waits until every informer has synced. Unlike the runtime, which retries a failing list for ever
 * (RBAC may be granted later), a command must answer: a list the API server refuses or cannot be
 * reached for ends the wait at once, naming what could not be read.
 */
async function waitForCaches(
  informers: readonly SharedInformer<KubeObject>[],
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    signal?.throwIfAborted();
    const pending = informers.filter((i) => !i.hasSynced());
    if (pending.length === 0) return;
    const fatal = pending.filter((i) => isFatal(i.health().lastError));
    if (fatal.length > 0) {
      throw new Error(describeBlocked(fatal, 'The plan cannot read what the operators watch:'));
    }
    if (Date.now() > deadline) {
      const what = `The caches did not fill within ${timeoutMs / 1000} s (raise the timeout, or check that the API server answers):`;
      throw new Error(describeBlocked(pending, what));
    }
    await new Promise((resolve) => setTimeout(resolve, CACHE_POLL_MS));
  }
}

/** Errors a retry cannot fix while the command waits: no access, no such resource, no server. */
function isFatal(e: Error | undefined): boolean {
  return e instanceof ApiError && [0, 401, 403, 404].includes(e.status);
}

function describeBlocked(informers: readonly SharedInformer<KubeObject>[], headline: string): string {
  const lines = informers.map((i) => {
    const e = i.health().lastError;
    const where = i.scope.namespace ? ` in namespace ${i.scope.namespace}` : '';
    let why = e ? e.message : 'no answer yet';
    // The API error's own advice is for an operator's ServiceAccount; a plan needs less, and says so.
    if (e instanceof ApiError && e.status === 403) {
      why = `${e.verb} is forbidden (${e.body?.message ?? 'Forbidden'}); grant get, list and watch on it: operon plan needs nothing more`;
    } else if (e instanceof ApiError && e.status === 404) {
      why = `the API server does not serve it (${e.body?.message ?? 'NotFound'}); is its CRD installed? (\`operon crd <entry> | kubectl apply -f -\`)`;
    }
    return `  - ${describeType(i.type)}${where}: ${why}`;
  });
  return `${headline}\n${lines.join('\n')}`;
}

/** `work` on every item, at most `limit` at once, results in input order; the first failure rejects. */
async function inPool<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await work(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
  return out;
}
