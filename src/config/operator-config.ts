import type { DeletionBudget } from '../types/deletion-budget.js';
import type { KubeObject } from '../types/kube-object.js';
import type { RelatedRef } from '../types/related.js';
import type { ResourceType } from '../types/resource-type.js';
import type { ChildRef, FinalizeResponse, JsonObject, SyncRequest, SyncResponse } from '../types/sync.js';

/** A class whose instances class-transformer can build and class-validator can check. */
export type SpecClass<T = unknown> = new (...args: never[]) => T;

/** The resource an operator owns: its type, and optionally the classes its spec and status follow. */
export interface ParentConfig<TSpec = unknown> {
  /** The parent's resource type: the kind Operon watches, and whose objects it runs `sync` for. */
  readonly type: ResourceType;
  /** When set, the raw spec is transformed into this class and validated before `sync`. */
  readonly spec?: SpecClass<TSpec>;
  /** Used only to generate the CRD schema of `status`. */
  readonly status?: SpecClass;
}

/**
 * Everything the runtime needs to run one operator. Decorators are one way to build it; writing it
 * by hand runs the very same engine.
 *
 * @example
 * ```ts
 * const pods = childRef(Pod, 'recreate');
 * const config: OperatorConfig = {
 *   name: 'echo-server',
 *   parent: { type: EchoServerType },
 *   children: [pods],
 *   sync: (req) => ({ children: [pods.desired({ metadata: { name: 'p' }, spec: {...} })] }),
 * };
 * ```
 */
export interface OperatorConfig<TSpec = JsonObject> {
  /** A DNS label; used as field manager, in labels, and in the default finalizer name. */
  readonly name: string;
  /** The resource the operator owns and reconciles, one `sync` call per object. */
  readonly parent: ParentConfig<TSpec>;
  /**
   * The child types the operator creates, updates and deletes (build each with {@link childRef}).
   * Only objects of these types may appear in a `sync` response.
   */
  readonly children: readonly ChildRef<KubeObject>[];
  /**
   * Objects each parent reads but Operon never writes (`@Related`, or {@link relatedRef}): watched,
   * cached, and handed to `sync` as `req.related(ref)`. Optional, so configs written before
   * relations existed keep working.
   */
  readonly related?: readonly RelatedRef<KubeObject>[];
  // Method syntax on purpose: it keeps OperatorConfig<MySpec> assignable to OperatorConfig<unknown>,
  // the form the runtime takes.
  /**
   * Computes the desired state of one parent: every child that should exist, and its status. Called
   * whenever the parent, one of its children or a related object changes.
   */
  sync(req: SyncRequest<TSpec>): SyncResponse | Promise<SyncResponse>;
  /**
   * Cleans up outside the cluster when a parent is deleted. When set, Operon puts a finalizer on each
   * parent and removes it once this returns `finalized: true`.
   */
  finalize?(req: SyncRequest<TSpec>): FinalizeResponse | Promise<FinalizeResponse>;
  /** Defaults to `<parent plural>.<parent group>/finalizer` (see `finalizerNameOf`); only used when `finalize` is set. */
  readonly finalizerName?: string;
  /**
   * Limits on deleting children without consent (see {@link DeletionBudget}); overrides the host's.
   * `false` turns the budget off for this operator. Default: the host's, else the defaults.
   */
  readonly deletionBudget?: DeletionBudget | false;
  /** Where the config came from, for messages (e.g. the class name). */
  readonly source?: string;
}
