import { describeSelector } from '../../observability/describe-selector.js';
import { type Logger, silentLogger } from '../../observability/logger.js';
import { type KubeObject, objectKey } from '../../types/kube-object.js';
import { describeType, type ResourceType } from '../../types/resource-type.js';
import type { ApiClient } from '../api/api-client.js';
import { type InformerScope, informerKey, normalizeScope } from './informer-scope.js';
import { Reflector, type ReflectorHealth, type ReflectorOptions } from './reflector.js';
import { type ReadonlyStore, Store } from './store.js';

/**
 * Callbacks for changes to an informer's objects. Every method is optional.
 *
 * @remarks
 * Called synchronously, in event order, on the event loop: keep them short (enqueue a key, do the
 * work elsewhere). They may be async, but the informer does not wait for the promise. A thrown error
 * or a rejected promise is logged and ignored; it never stops the informer or other handlers.
 * Objects are the cache's own frozen instances.
 */
export interface InformerHandler<T extends KubeObject> {
  onAdd?(obj: T): void;
  onUpdate?(oldObj: T, newObj: T): void;
  /** `obj` is the object's final state as the server reported it. */
  onDelete?(obj: T): void;
}

/** {@link ReflectorHealth} plus what the informer itself holds. */
export interface InformerHealth extends ReflectorHealth {
  /** Objects in the store. */
  objects: number;
  /** Registered handlers. */
  handlers: number;
}

/** Tuning of a {@link SharedInformer}: the reflector's options. */
export type SharedInformerOptions = ReflectorOptions;

type Event = 'add' | 'update' | 'delete';

/**
 * One list-watch and one cache for a (resource type, scope), shared by any number of handlers.
 *
 * @remarks
 * Guarantees:
 * - A handler sees, in order: `onAdd` for every object already in the store when it was added
 *   (a late handler is caught up like in client-go), then every later change.
 * - `onDelete` comes only for an object the handler saw added; relists report only real changes.
 * - {@link hasSynced} turns true once the first LIST is stored and every handler was told about it.
 *   Before that, an empty store means "not known yet", never "there are none".
 * - After {@link stop} resolves, no handler is called.
 *
 * A metadata-only informer (`metadataOnly` in its options; see {@link metadataOnly}) holds and
 * hands out `{ apiVersion, kind, metadata }` of each object, nothing else.
 */
export class SharedInformer<T extends KubeObject> {
  /** The key {@link InformerRegistry} shares this informer under. */
  readonly key: string;
  readonly scope: InformerScope;
  private readonly cache: Store<T>;
  private reflector: Reflector<T>;
  private readonly log: Logger;
  private readonly options: SharedInformerOptions;
  private everStarted = false;
  private readonly active = new Set<InformerHandler<T>>();
  // Replaced (never mutated) on every change, so a dispatch in progress keeps a stable snapshot.
  private handlerList: readonly InformerHandler<T>[] = [];
  private synced = false;
  private readonly syncWaiters = new Set<{ resolve: () => void; reject: (e: unknown) => void }>();

  constructor(
    private readonly api: ApiClient,
    readonly type: ResourceType<T>,
    scope: InformerScope = {},
    options: SharedInformerOptions = {},
  ) {
    this.scope = normalizeScope(type, scope);
    this.key = informerKey(type, this.scope);
    const { labelSelector, ...rest } = this.scope;
    this.log = (options.log ?? silentLogger()).child({
      informer: describeType(type),
      ...rest,
      ...(labelSelector ? { labelSelector: describeSelector(labelSelector) } : {}),
    });
    this.options = { ...options, log: this.log };
    this.cache = new Store<T>(this.log);
    this.reflector = this.newReflector();
  }

  /**
   * True when the cache holds only each object's metadata (`{ apiVersion, kind, metadata }`), as
   * asked with `metadataOnly` and not since widened by {@link serveFullObjects}.
   */
  get metadataOnly(): boolean {
    return this.options.metadataOnly === true;
  }

  /**
   * Makes a metadata-only informer that was never started a full-object one, so a later user that
   * needs whole objects shares its single watch. Full objects serve metadata users as well.
   * @returns false when it already started: its cache is metadata only, and stays so.
   */
  serveFullObjects(): boolean {
    if (!this.metadataOnly) return true;
    if (this.everStarted) return false;
    this.options.metadataOnly = false;
    this.reflector = this.newReflector();
    return true;
  }

  /** The cache, read-only: only the reflector writes to it. Add indexes here. */
  get store(): ReadonlyStore<T> {
    return this.cache;
  }

  /**
   * Registers a handler; it is first told about every object already cached (as `onAdd`).
   * @returns a function that removes the handler (idempotent).
   */
  addHandler(handler: InformerHandler<T>): () => void {
    if (!this.active.has(handler)) {
      this.active.add(handler);
      this.handlerList = [...this.active];
      for (const obj of this.cache.list()) this.call(handler, 'add', obj, (h) => h.onAdd?.(obj));
    }
    return () => {
      if (!this.active.delete(handler)) return;
      this.handlerList = [...this.active];
    };
  }

  /** Starts list-watching in the background; a no-op when running. */
  start(): void {
    this.everStarted = true;
    this.reflector.start();
  }

  /**
   * Stops the watch and every timer; pending {@link waitForSync} calls reject. Resolves once the
   * reflector has exited. The informer can be started again (it relists, reporting only changes).
   */
  async stop(): Promise<void> {
    await this.reflector.stop();
    if (!this.synced) {
      const err = new Error(`The informer for ${this.describe()} was stopped before it synced.`);
      for (const w of this.syncWaiters) w.reject(err);
      this.syncWaiters.clear();
    }
  }

  /** True once the first LIST was stored and handlers were notified of it; stays true. */
  hasSynced(): boolean {
    return this.synced;
  }

  /**
   * Resolves once {@link hasSynced} is true. Rejects with the signal's reason when `signal` aborts,
   * or when the informer is stopped first. Does not time out by itself: a LIST that keeps failing
   * (say, 403) is retried forever; see {@link health} for why it has not synced.
   */
  waitForSync(signal?: AbortSignal): Promise<void> {
    if (this.synced) return Promise.resolve();
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<void>((resolve, reject) => {
      const waiter = {
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        reject: (e: unknown) => {
          signal?.removeEventListener('abort', onAbort);
          reject(e);
        },
      };
      const onAbort = (): void => {
        this.syncWaiters.delete(waiter);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.syncWaiters.add(waiter);
    });
  }

  health(): InformerHealth {
    return { ...this.reflector.health(), objects: this.cache.size, handlers: this.active.size };
  }

  private newReflector(): Reflector<T> {
    return new Reflector<T>(
      this.api,
      this.type,
      this.scope,
      this.cache,
      {
        onAdd: (obj) => this.dispatch('add', obj, (h) => h.onAdd?.(obj)),
        onUpdate: (oldObj, newObj) => this.dispatch('update', newObj, (h) => h.onUpdate?.(oldObj, newObj)),
        onDelete: (obj) => this.dispatch('delete', obj, (h) => h.onDelete?.(obj)),
        onSynced: () => this.markSynced(),
      },
      this.options,
    );
  }

  private describe(): string {
    const parts = [describeType(this.type)];
    if (this.metadataOnly) parts.push('(metadata only)');
    if (this.scope.namespace) parts.push(`in namespace ${this.scope.namespace}`);
    if (this.scope.labelSelector) parts.push(`with labels ${describeSelector(this.scope.labelSelector)}`);
    if (this.scope.fieldSelector) parts.push(`with fields ${this.scope.fieldSelector}`);
    return parts.join(' ');
  }

  private markSynced(): void {
    this.synced = true;
    this.log.info({ objects: this.cache.size }, 'informer synced');
    for (const w of this.syncWaiters) w.resolve();
    this.syncWaiters.clear();
  }

  private dispatch(event: Event, obj: T, call: (h: InformerHandler<T>) => unknown): void {
    for (const h of this.handlerList) {
      // Removed by an earlier handler during this same dispatch: honour it at once.
      if (this.active.has(h)) this.call(h, event, obj, call);
    }
  }

  private call(h: InformerHandler<T>, event: Event, obj: T, call: (h: InformerHandler<T>) => unknown): void {
    try {
      const result = call(h);
      if (isPromiseLike(result))
        result.then(undefined, (err: unknown) => this.handlerFailed(err, event, obj));
    } catch (err) {
      this.handlerFailed(err, event, obj);
    }
  }

  private handlerFailed(err: unknown, event: Event, obj: T): void {
    this.log.error(
      { err, event, key: objectKey(obj) },
      `an informer handler threw on ${event}; the informer goes on`,
    );
  }
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    'then' in value &&
    typeof (value as PromiseLike<unknown>).then === 'function'
  );
}
