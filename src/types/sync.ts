import type { V1Condition, V1ObjectMeta } from '@kubernetes/client-node';
import type { Logger } from '../observability/logger.js';
import type { KubeObject } from './kube-object.js';
import type { RelatedRef } from './related.js';
import type { ResourceType } from './resource-type.js';
import type { UpdateStrategy } from './update-strategy.js';

/** A plain object: what a status, or a desired child, is made of. */
export type JsonObject = { [key: string]: unknown };

/** Deep-partial of a child's shape, without `apiVersion` and `kind` (the {@link ChildRef} fills them). */
export type DesiredObject<T extends KubeObject> = Omit<DeepPartial<T>, 'apiVersion' | 'kind'> & {
  metadata: V1ObjectMeta & { name: string };
};

/** Makes every property optional, recursively (arrays keep their element type partial too). */
export type DeepPartial<T> = T extends Date
  ? T | string
  : T extends (infer U)[]
    ? DeepPartial<U>[]
    : T extends object
      ? { [K in keyof T]?: DeepPartial<T[K]> }
      : T;

/**
 * A typed handle on one declared child type. `@Child` puts one on the operator's property.
 *
 * @example
 * ```ts
 * @Child(Service, 'apply') service!: ChildRef<V1Service>;
 * // in sync:
 * const svc = this.service.desired({ metadata: { name: 'web' }, spec: { ports: [{ port: 80 }] } });
 * const live = req.child(this.service, 'web');
 * ```
 */
export interface ChildRef<T extends KubeObject = KubeObject> {
  /** The child type: what Operon watches, writes and deletes for this handle. */
  readonly type: ResourceType<T>;
  /** How a live child that differs from the desired one is brought in line. */
  readonly strategy: UpdateStrategy;
  /** The property the handle sits on (for messages). */
  readonly property: string;
  /** Returns a desired child of this type, with `apiVersion` and `kind` filled in. */
  desired(object: DesiredObject<T>): T;
}

/** The parent object as `sync` sees it: its `spec` is an instance of the operator's spec class. */
export interface Parent<TSpec, TStatus = JsonObject> extends KubeObject {
  /** The parent's API version, as stored (`example.com/v1`). */
  apiVersion: string;
  /** The parent's kind (`EchoServer`). */
  kind: string;
  /** The parent's metadata; a parent read from the cluster always has a `name` and a `uid`. */
  metadata: V1ObjectMeta & { name: string; uid: string };
  /**
   * The spec, transformed into an instance of the operator's spec class (nested classes, defaults
   * from property initialisers) and validated; the raw spec when the operator has no spec class.
   */
  spec: TSpec;
  /** The parent's live status, as last written; absent before the first write. */
  status?: TStatus;
}

/**
 * The snapshot `sync` and `finalize` get: the parent, and its children as Operon's caches hold them.
 *
 * @remarks
 * Children are read from the shared caches, never from the API server; they are exactly the
 * objects of a declared type that belong to this parent: those with a controller owner reference to
 * it, and those Operon tracks for it by label (children in another namespace, or cluster-scoped
 * children of a namespaced parent, which no owner reference can reach).
 */
export interface SyncRequest<TSpec = JsonObject, TStatus = JsonObject> {
  /** The parent being reconciled, with its spec as the operator's spec class instance. */
  readonly parent: Parent<TSpec, TStatus>;
  /** True when the parent is being deleted and `finalize` is running. */
  readonly finalizing: boolean;
  /**
   * Fires when Operon stops waiting for this pass: at its deadline (`reconcileTimeoutMs`, default
   * 60 s; the pass then fails with reason `SyncTimeout`) or when the operator shuts down. Pass it to
   * whatever `sync` waits on (`fetch(url, { signal: req.signal })`): a result that comes after it
   * fired is ignored.
   */
  readonly signal: AbortSignal;
  /**
   * This pass's logger: the operator's, with the parent's `namespace` and `name` and the pass's
   * `reconcileId` on every line, so what `sync` logs sits with what Operon logs about the same pass.
   * Silent in the test kit's `runSync`/`planSync` unless given one.
   */
  readonly log: Logger;
  /** Every current child of one declared type, sorted by name. */
  children<T extends KubeObject>(ref: ChildRef<T>): readonly T[];
  /** One current child of a declared type by name (namespace = the parent's), or undefined. */
  child<T extends KubeObject>(ref: ChildRef<T>, name: string): T | undefined;
  /**
   * The object a declared relation (`@Related`) selects for this parent, from Operon's caches: the
   * named object, or for a selector the first match by name; undefined when there is none (not
   * created yet, deleted, or the selection is `undefined`). Frozen: copy before changing it. Read
   * just before `sync` was called, so it may lag the cluster a little, like any cache; a change it
   * missed runs this parent again.
   * @throws OperonError `CONFIG_INVALID` when `ref` is not one of this operator's relations.
   */
  related<T extends KubeObject>(ref: RelatedRef<T>): T | undefined;
  /**
   * Every object a declared relation selects for this parent, sorted by name: for a name selection
   * `[obj]` or `[]`.
   * @throws OperonError `CONFIG_INVALID` when `ref` is not one of this operator's relations.
   */
  relatedList<T extends KubeObject>(ref: RelatedRef<T>): readonly T[];
}

/**
 * What `sync` returns: the complete set of children that should exist, and the parent's status.
 *
 * @remarks
 * Children that exist but are not returned are deleted. Operon adds `observedGeneration` and a
 * `Synced` condition to the status. `resync` asks for another pass after that many milliseconds
 * even when nothing changes (for example to poll an external system).
 */
export interface SyncResponse<TStatus = JsonObject> {
  /** The parent's status as the author sees it; Operon adds `observedGeneration` and `Synced`. */
  status?: TStatus;
  /** Every child that should exist now (build each with its `ChildRef`'s `desired`); `[]` for none. */
  children: KubeObject[];
  /** Run this parent again after this many ms even without a change (polling something external). */
  resync?: number;
}

/**
 * What `finalize` returns. Operon removes its finalizer, letting the parent go, once `finalized`
 * is true; until then it calls `finalize` again (after `resync` ms, or after a short default).
 */
export interface FinalizeResponse<TStatus = JsonObject> {
  /** Written while finalizing (and once done, if another finalizer still holds the parent). */
  status?: TStatus;
  /** True once the cleanup is complete: Operon then removes its finalizer. */
  finalized: boolean;
  /** When not finalized: call `finalize` again after this many ms (default 5 000). */
  resync?: number;
}

/** The condition type Operon maintains on every parent. */
export const SYNCED_CONDITION = 'Synced';

/** A status condition as Operon writes it (the `metav1.Condition` shape). */
export type Condition = Omit<V1Condition, 'lastTransitionTime'> & { lastTransitionTime: string };
