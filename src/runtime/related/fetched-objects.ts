import { type KubeObject, type ObjectKey, objectKey } from '../../types/kube-object.js';
import type { ResourceType } from '../../types/resource-type.js';
import type { ApiClient } from '../api/api-client.js';
import { ApiError } from '../api/api-error.js';
import { resourcePath } from '../api/resource-path.js';
import { cachedForm } from '../informers/store.js';
import { type ResolvedSelection, selects } from './selection.js';

/** Reads one object in full from the API server; undefined when it does not exist (404). */
export type GetObject = (
  type: ResourceType,
  namespace: string | undefined,
  name: string,
  signal: AbortSignal,
) => Promise<KubeObject | undefined>;

/** A {@link GetObject} that GETs through `api` (bounded by the client's request timeout). */
export function getThrough(api: ApiClient): GetObject {
  return async (type, namespace, name, signal) => {
    try {
      return await api.request<KubeObject>({
        method: 'GET',
        path: resourcePath(type, { namespace, name }),
        signal,
      });
    } catch (e) {
      if (ApiError.isNotFound(e)) return undefined;
      throw e;
    }
  };
}

/** Whether some parent still selects the object whose cached metadata this is. */
export type Holder = (meta: KubeObject) => boolean;

interface Pending {
  readonly rv: string | undefined;
  readonly promise: Promise<KubeObject | undefined>;
  readonly controller: AbortController;
  waiters: number;
}

/**
 * The full copies of the related objects that parents select, beside a metadata-only informer of
 * their type and scope: fetched by GET when a pass needs one, reused while the informer shows the
 * same resourceVersion, and dropped as soon as the object changes, is deleted, or no parent of any
 * operator selects it any more.
 *
 * @remarks
 * This is what keeps a relation's memory bounded by what parents select rather than by what the
 * cluster holds: the informer keeps a few hundred bytes of metadata per object (enough to map an
 * event to parents and to evaluate label selectors), and only selected objects are held whole.
 * One instance serves every operator relating to the type and scope (DESIGN rule 7): a copy is
 * kept once, concurrent reads of one object share one GET, and a copy is dropped only when no
 * {@link Holder} (one per operator) holds it.
 *
 * Like any cache it may lag the API server a little: a copy is as new as the informer's metadata
 * says, or newer (a GET answers with the current state). A change the informer has not delivered
 * yet is delivered soon after, and queues the parents it concerns again.
 */
export class FetchedObjects {
  private readonly copies = new Map<ObjectKey, KubeObject>();
  private readonly pending = new Map<ObjectKey, Pending>();
  private readonly holders = new Set<Holder>();

  constructor(
    readonly type: ResourceType,
    private readonly get: GetObject,
  ) {}

  /** Full copies held now (for tests and measurements). */
  get size(): number {
    return this.copies.size;
  }

  /** Registers one operator's view of what is selected; returns a function that removes it. */
  addHolder(holder: Holder): () => void {
    this.holders.add(holder);
    return () => {
      if (!this.holders.delete(holder)) return;
      for (const [key, copy] of this.copies) if (!this.held(copy)) this.copies.delete(key);
    };
  }

  /** Operators that registered a {@link Holder} and did not remove it. */
  get holderCount(): number {
    return this.holders.size;
  }

  /**
   * The whole object whose cached metadata is `meta`: the kept copy when it is at the same
   * resourceVersion, else fetched (and kept if some parent selects it). Undefined when the API server
   * says it is gone. Rejects with `signal`'s reason when it aborts first, or with the GET's error.
   */
  async read(meta: KubeObject, signal?: AbortSignal): Promise<KubeObject | undefined> {
    const key = objectKey(meta);
    const rv = meta.metadata?.resourceVersion;
    const kept = this.copies.get(key);
    if (kept && rv !== undefined && kept.metadata?.resourceVersion === rv) return kept;
    if (signal?.aborted) throw signal.reason;
    let pending = this.pending.get(key);
    if (!pending || pending.rv !== rv) pending = this.fetch(key, meta);
    pending.waiters++;
    try {
      return await whileNotAborted(pending.promise, signal);
    } finally {
      // Nobody waits any more because every reader gave up: the GET is nobody's.
      if (--pending.waiters === 0 && signal?.aborted) {
        pending.controller.abort(signal.reason);
        if (this.pending.get(key) === pending) this.pending.delete(key);
      }
    }
  }

  /** The informer saw this object change: a copy at another resourceVersion is stale. */
  changed(meta: KubeObject): void {
    const key = objectKey(meta);
    const kept = this.copies.get(key);
    if (kept && kept.metadata?.resourceVersion !== meta.metadata?.resourceVersion) this.copies.delete(key);
  }

  /** The informer saw this object deleted. */
  deleted(meta: KubeObject): void {
    this.copies.delete(objectKey(meta));
  }

  /**
   * A parent stopped making these selections (of this type): drops the copies they named or matched
   * that no holder holds any more. A name is a map lookup; a selector checks the copies held.
   */
  release(selections: readonly ResolvedSelection[]): void {
    for (const s of selections) {
      if (s.name !== undefined) {
        const key = s.namespace ? `${s.namespace}/${s.name}` : s.name;
        const copy = this.copies.get(key);
        if (copy && !this.held(copy)) this.copies.delete(key);
        continue;
      }
      for (const [key, copy] of this.copies) {
        if (selects(s, copy) && !this.held(copy)) this.copies.delete(key);
      }
    }
  }

  private fetch(key: ObjectKey, meta: KubeObject): Pending {
    const controller = new AbortController();
    const run = async (): Promise<KubeObject | undefined> => {
      try {
        const namespace = meta.metadata?.namespace || undefined;
        const got = await this.get(this.type, namespace, meta.metadata?.name ?? '', controller.signal);
        if (!got) {
          this.copies.delete(key);
          return undefined;
        }
        const copy = cachedForm(
          got.apiVersion && got.kind
            ? got
            : { ...got, apiVersion: this.type.apiVersion, kind: this.type.kind },
        );
        // A parent that stopped selecting it while the GET ran leaves nothing behind.
        if (this.held(copy)) this.copies.set(key, copy);
        return copy;
      } finally {
        if (this.pending.get(key) === pending) this.pending.delete(key);
      }
    };
    const pending: Pending = { rv: meta.metadata?.resourceVersion, promise: run(), controller, waiters: 0 };
    // A GET whose readers all gave up rejects with no one listening.
    pending.promise.catch(() => undefined);
    this.pending.set(key, pending);
    return pending;
  }

  private held(obj: KubeObject): boolean {
    for (const h of this.holders) if (h(obj)) return true;
    return false;
  }
}

/** `promise`, or a rejection with `signal`'s reason as soon as it aborts. */
function whileNotAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
