import type { KubeObject } from './kube-object.js';
import type { ResourceType } from './resource-type.js';
import type { Parent } from './sync.js';

/**
 * One requirement of a {@link LabelSelector}, as in Kubernetes' `matchExpressions`.
 *
 * @remarks
 * `In` and `NotIn` need at least one value; `Exists` and `DoesNotExist` take none. `NotIn` and
 * `DoesNotExist` also match objects without the label, as the API server's selectors do.
 */
export interface LabelSelectorRequirement {
  /** The label key the requirement is about. */
  readonly key: string;
  /** `In`/`NotIn` compare the label's value with `values`; `Exists`/`DoesNotExist` need none. */
  readonly operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  /** The values for `In` and `NotIn`. */
  readonly values?: readonly string[];
}

/**
 * A label selector in the shape of Kubernetes' `metav1.LabelSelector`: every `matchLabels` entry and
 * every `matchExpressions` requirement must hold. An empty selector (`{}`) matches every object, as
 * in Kubernetes.
 */
export interface LabelSelector {
  /** Labels an object must carry with exactly these values. */
  readonly matchLabels?: Readonly<Record<string, string>>;
  /** Set-based requirements, all of which must hold. */
  readonly matchExpressions?: readonly LabelSelectorRequirement[];
}

/**
 * Which objects of a related type a parent reads: one object by name, or every object whose labels
 * match a selector, in one namespace.
 *
 * @remarks
 * `namespace` defaults to the parent's; it is ignored for a cluster-scoped related type. A
 * cluster-scoped parent relating to a namespaced type must name the namespace.
 *
 * @example
 * ```ts
 * const byName: RelatedSelection = { name: db.spec.passwordSecret };
 * const bySelector: RelatedSelection = { selector: { matchLabels: { 'example.com/database': db.metadata.name } } };
 * ```
 */
export type RelatedSelection =
  | { readonly name: string; readonly namespace?: string }
  | { readonly selector: LabelSelector; readonly namespace?: string };

/**
 * Says which objects of the related type one parent reads, from the parent alone; `undefined` when
 * it reads none (e.g. an optional field is not set).
 *
 * @remarks
 * Must be pure and cheap: Operon calls it on every pass of the parent (with the spec transformed
 * and validated, as `sync` sees it) and keeps the answer to know which parents a change to a related
 * object concerns. It should depend only on what a pass is run for (spec, labels, annotations),
 * not on the status.
 */
export type RelatedSelect<TSpec = unknown> = (parent: Parent<TSpec>) => RelatedSelection | undefined;

/**
 * A typed handle on one related type: objects a parent reads but Operon never writes (a Secret
 * holding a password, a ConfigMap of settings). `@Related` puts one on the operator's property;
 * pass it to `req.related(ref)` / `req.relatedList(ref)` in `sync`.
 *
 * @remarks
 * Operon watches the related type (one metadata-only watch per type and namespace, shared by every
 * operator of the process) and runs a pass for exactly the parents whose selection names or matches
 * an object that was added, changed or deleted. Only the selected objects are read in full (and
 * kept while selected and unchanged), before `sync` runs, so `req.related` stays synchronous. As
 * with any cache, what `sync` gets may lag the cluster a little; a change it missed runs the parent
 * again.
 *
 * @example
 * ```ts
 * @Related(Secret, (db: Parent<DatabaseSpec>) => ({ name: db.spec.passwordSecret }))
 * password!: RelatedRef<V1Secret>;
 * // in sync:
 * const secret = req.related(this.password); // V1Secret | undefined
 * ```
 */
export interface RelatedRef<T extends KubeObject = KubeObject> {
  /** The related type: what Operon watches and reads, and never writes, for this handle. */
  readonly type: ResourceType<T>;
  /** The property the handle sits on: it identifies the relation in a request and in messages. */
  readonly property: string;
  // Method syntax on purpose: a select typed for the operator's own spec stays assignable to the
  // `Parent<unknown>` form the runtime calls it with (as OperatorConfig's `sync`).
  /** Which objects the parent reads; see {@link RelatedSelect}. */
  select(parent: Parent<unknown>): RelatedSelection | undefined;
}
