import { type Logger, silentLogger } from '../../observability/logger.js';
import type { KubeObject } from '../../types/kube-object.js';
import type { ResourceType } from '../../types/resource-type.js';
import type { ApiClient } from '../api/api-client.js';
import type { BackoffOptions } from './backoff.js';
import { type InformerScope, informerKey } from './informer-scope.js';
import { SharedInformer } from './shared-informer.js';

/** Settings every informer of a registry gets. */
export interface InformerRegistryOptions {
  log?: Logger;
  /** Objects per LIST page. Default 500. */
  pageSize?: number;
  /** A silent watch is re-opened after this long. Default 300 000 (5 min). */
  stallTimeoutMs?: number;
  backoff?: BackoffOptions;
  /** Range of the server-side watch timeout, in seconds. Default 300–600. */
  watchTimeoutSeconds?: { min: number; max: number };
}

/**
 * The process-wide set of shared informers: one per (resource type, namespace, selectors).
 *
 * @remarks
 * This is what makes sharing real: N operators asking for Pods in one namespace get the same
 * {@link SharedInformer}, so one watch is opened and each object is cached once. Scopes are
 * compared after normalisation (selector terms sorted; namespace ignored for cluster-scoped types).
 *
 * A type and scope has one informer whether its users want whole objects ({@link informerFor}) or
 * only metadata ({@link metadataInformerFor}): a metadata user is given the full-object informer
 * when there is one, and a metadata-only informer becomes a full-object one when a full-object user
 * comes before the registry starts, so the order in which operators register does not matter. Only
 * a full-object request for a metadata-only informer that is already running opens a second watch.
 */
export class InformerRegistry {
  private readonly byKey = new Map<string, SharedInformer<KubeObject>>();
  /** Running metadata-only informers that a later full-object one replaced in {@link byKey}. */
  private readonly superseded: SharedInformer<KubeObject>[] = [];
  private readonly log: Logger;
  private state: 'idle' | 'started' | 'stopped' = 'idle';

  /** @param api - the client every informer lists and watches with (also for reads beside them). */
  constructor(
    readonly api: ApiClient,
    private readonly options: InformerRegistryOptions = {},
  ) {
    this.log = options.log ?? silentLogger();
  }

  /**
   * Returns THE informer for this type and scope, creating it on first use. Once the registry is
   * started, a new informer starts at once.
   * @throws Error after {@link stop}.
   */
  informerFor<T extends KubeObject>(type: ResourceType<T>, scope: InformerScope = {}): SharedInformer<T> {
    if (this.state === 'stopped') {
      throw new Error(`The informer registry is stopped; cannot watch ${type.kind} any more.`);
    }
    const key = informerKey(type, scope);
    let informer = this.byKey.get(key) as SharedInformer<T> | undefined;
    if (informer && !informer.serveFullObjects()) {
      this.log.debug({ informer: key }, 'a running metadata-only informer is joined by a full-object one');
      this.superseded.push(informer as unknown as SharedInformer<KubeObject>);
      informer = undefined;
    }
    if (!informer) informer = this.create(key, type, scope, false);
    return informer;
  }

  /**
   * Returns an informer for this type and scope that holds at least every object's metadata: the
   * full-object one when it exists, else THE metadata-only one (`{ apiVersion, kind, metadata }` per
   * object), created on first use.
   * @throws Error after {@link stop}.
   */
  metadataInformerFor(type: ResourceType, scope: InformerScope = {}): SharedInformer<KubeObject> {
    if (this.state === 'stopped') {
      throw new Error(`The informer registry is stopped; cannot watch ${type.kind} any more.`);
    }
    const key = informerKey(type, scope);
    return this.byKey.get(key) ?? this.create(key, type as ResourceType<KubeObject>, scope, true);
  }

  /** Every informer created so far. */
  informers(): SharedInformer<KubeObject>[] {
    return [...this.byKey.values(), ...this.superseded];
  }

  /**
   * Stops one informer and forgets it, for a user that replaces its informers (sharding): a later
   * request for its type and scope creates a new one. Only for an informer no one else reads.
   */
  async release(informer: SharedInformer<KubeObject>): Promise<void> {
    if (this.byKey.get(informer.key) === informer) this.byKey.delete(informer.key);
    const i = this.superseded.indexOf(informer);
    if (i >= 0) this.superseded.splice(i, 1);
    await informer.stop();
  }

  /** Starts every informer, and every one created from now on. Idempotent. */
  start(): void {
    if (this.state !== 'idle') return;
    this.state = 'started';
    for (const informer of this.informers()) informer.start();
  }

  /**
   * Resolves once every informer that exists now has synced; rejects when `signal` aborts or the
   * registry is stopped first. Waits for nothing to happen before {@link start}, so call that first.
   */
  async waitForSync(signal?: AbortSignal): Promise<void> {
    await Promise.all(this.informers().map((i) => i.waitForSync(signal)));
  }

  /** Stops every informer (in parallel) and resolves when all have exited. Final. */
  async stop(): Promise<void> {
    this.state = 'stopped';
    await Promise.all(this.informers().map((i) => i.stop()));
  }

  private create<T extends KubeObject>(
    key: string,
    type: ResourceType<T>,
    scope: InformerScope,
    metadataOnly: boolean,
  ): SharedInformer<T> {
    const informer = new SharedInformer<T>(this.api, type, scope, {
      ...this.options,
      log: this.log,
      ...(metadataOnly ? { metadataOnly } : {}),
    });
    // The map holds informers of many object types; callers get theirs back typed by `type`.
    this.byKey.set(key, informer as unknown as SharedInformer<KubeObject>);
    if (this.state === 'started') informer.start();
    return informer;
  }
}
