import type { ResourceType } from '../types/resource-type.js';
import type { UpdateStrategy } from '../types/update-strategy.js';
import { crdNameOf, parentConversions } from '../webhooks/conversion.js';
import { parentAdmissions } from '../webhooks/webhook-configuration.js';
import type { OperatorDeclaration } from './operator-declaration.js';

/** An RBAC verb Operon uses. */
export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete';

/**
 * Where a permission must hold: in the namespaces the operator watches, cluster-wide (for
 * cluster-scoped types), or in the operator's own namespace (its leader-election Lease).
 */
export type PermissionScope = 'watched' | 'cluster' | 'own';

/**
 * One resource (or subresource) and the verbs Operon sends to it, with the reason for each verb.
 *
 * @remarks
 * `resource` is the RBAC resource name: the plural, or `plural/subresource`.
 *
 * @example
 * ```ts
 * const p: Permission = { group: '', resource: 'pods', scope: 'watched', verbs: ['create', 'delete'], why: [] };
 * ```
 */
export interface Permission {
  readonly group: string;
  readonly resource: string;
  readonly scope: PermissionScope;
  readonly verbs: readonly Verb[];
  /** Why each verb is needed, for `operon rbac --explain` and messages. */
  readonly why: readonly string[];
  /** Only these objects (RBAC `resourceNames`); absent: every object of the resource. */
  readonly resourceNames?: readonly string[];
}

/** Options of {@link requiredPermissions}. */
export interface PermissionOptions {
  /** Add the Lease permissions of leader election (coordination.k8s.io, own namespace). Default false. */
  leaderElection?: boolean;
  /**
   * Add the Lease permissions of sharding (coordination.k8s.io, own namespace): each replica creates,
   * renews and, leaving, deletes its own membership Lease, and lists everyone's.
   * Default false.
   */
  sharding?: boolean;
  /**
   * Add what secure metrics need: `create` on `tokenreviews` (authentication.k8s.io) and
   * `subjectaccessreviews` (authorization.k8s.io), cluster-wide, to check each scraper's token and
   * rights. Default true, as `operon run` and the generated Deployment serve metrics securely.
   */
  secureMetrics?: boolean;
  /**
   * Add what the webhooks need: their certificate Secret in the operator's own namespace (`create`,
   * and `get`/`update` of that Secret only), `get`/`patch` of the ValidatingWebhookConfiguration (by
   * name) when a parent has a spec class, and `get`/`patch` of each CRD whose versions the operator
   * converts (by name), to keep its conversion webhook's `caBundle` current. Default: none.
   */
  webhook?: { readonly configuration: string; readonly secret: string };
}

/**
 * Verbs each update strategy needs on its child type, on top of list and watch (the informer).
 *
 * @remarks
 * Checked against what the writer sends, and verified on a real API server:
 * - every strategy: `get` (the existing object is read when a create finds the name taken), `create`
 *   (a POST), `delete` (children that `sync` stops returning are deleted);
 * - `apply`: `patch` (server-side apply, and the JSON Patch that hands a POST's fields to the apply
 *   entry, see `fieldsToAdopt`; `get` when that must read the child first). An apply that finds
 *   the object gone creates it, which the API server checks against `create`;
 * - `replace`: `update` (PUT);
 * - `recreate` and `on-delete`: nothing more (delete + create, or create only).
 */
export const STRATEGY_VERBS: Readonly<Record<UpdateStrategy, readonly Verb[]>> = {
  apply: ['get', 'list', 'watch', 'create', 'patch', 'delete'],
  replace: ['get', 'list', 'watch', 'create', 'update', 'delete'],
  recreate: ['get', 'list', 'watch', 'create', 'delete'],
  'on-delete': ['get', 'list', 'watch', 'create', 'delete'],
};

/**
 * Verbs on a related type: `list` and `watch` are what its informer sends. `get` is granted with
 * them (as for parents) although Operon's reads are all from the cache: it grants nothing `list`
 * does not (a list returns whole objects), and keeps the rule in the usual read-only shape that
 * `kubectl auth can-i`, audits and policy tools expect.
 */
export const RELATED_VERBS: readonly Verb[] = ['get', 'list', 'watch'];

const VERB_ORDER: readonly Verb[] = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];

/**
 * Lists every permission a set of operators needs, each resource once, least privilege.
 *
 * @remarks
 * Per operator:
 * - parent: `get`, `list`, `watch`; `patch` only with a finalize step, or with a cluster-scoped
 *   child of a namespaced parent, which Operon deletes itself before it removes its finalizer (the
 *   finalizer is added and removed with a JSON patch). A child in another namespace needs the same
 *   finalizer, but no declaration says so: grant `patch` yourself for such an operator;
 * - `<plural>/status`: `patch` (the status is written by server-side apply on the subresource);
 * - `<plural>/finalizers`: `update`: children carry an owner reference with `blockOwnerDeletion`,
 *   which the OwnerReferencesPermissionEnforcement admission plugin allows only to who may update
 *   the parent's finalizers;
 * - each child type: {@link STRATEGY_VERBS} of its strategy (merged when operators share a type);
 * - each related type (`@Related`): {@link RELATED_VERBS}, read-only: Operon lists and watches it
 *   and never writes it;
 * - `events` (core): `create`, and `patch` to count repeats;
 * - with leader election, `leases` (coordination.k8s.io) `get`, `create`, `update` in the
 *   operator's own namespace; with sharding, also `list` and `delete` there, and `patch` on the
 *   parents and every child type (each carries its shard bucket as a label);
 * - with secure metrics (the default), `create` on `tokenreviews` and `subjectaccessreviews`
 *   (cluster-scoped reviews, so always cluster-wide);
 * - with the webhooks, `create` on `secrets` and `get`/`update` on their Secret in the operator's own
 *   namespace, `get`/`patch` on the `validatingwebhookconfigurations` (by name) when a parent has a
 *   spec class, and `get`/`patch` on the `customresourcedefinitions` of converted parents (by name).
 *
 * @example
 * ```ts
 * requiredPermissions(declarationsFromClasses([EchoServerOperator]))
 *   .map((p) => `${p.resource}: ${p.verbs.join(',')}`);
 * // ['echoservers: get,list,watch,patch', 'echoservers/status: patch', 'echoservers/finalizers: update',
 * //  'pods: get,list,watch,create,delete', 'services: get,list,watch,create,update,delete', 'events: create,patch',
 * //  'tokenreviews: create', 'subjectaccessreviews: create']
 * ```
 */
export function requiredPermissions(
  operators: readonly OperatorDeclaration[],
  options: PermissionOptions = {},
): Permission[] {
  const acc = new PermissionSet();
  for (const op of operators) {
    const parent = op.parent.type;
    const who = `operator ${op.name}`;
    acc.add(parent, '', ['get', 'list', 'watch'], `${who} watches its parents`);
    if (op.finalize !== undefined) acc.add(parent, '', ['patch'], `${who} adds and removes its finalizer`);
    else if (parent.namespaced && op.children.some((c) => !c.type.namespaced)) {
      acc.add(
        parent,
        '',
        ['patch'],
        `${who} holds its parents with a finalizer until it deletes their cluster-scoped children`,
      );
    }
    acc.add(parent, 'status', ['patch'], `${who} writes the parent's status`);
    acc.add(parent, 'finalizers', ['update'], `${who} sets blockOwnerDeletion on its children`);
    for (const child of op.children) {
      acc.add(
        child.type,
        '',
        STRATEGY_VERBS[child.strategy],
        `${who} owns ${child.type.kind} (${child.strategy})`,
      );
    }
    if (options.sharding) {
      // The bucket label routes each parent and child to the replica that owns it (`BucketLabeler`).
      acc.add(parent, '', ['patch'], `${who} labels its parents with their shard bucket`);
      for (const child of op.children) {
        acc.add(
          child.type,
          '',
          ['patch'],
          `${who} labels its ${child.type.kind} children with their shard bucket`,
        );
      }
    }
    for (const relation of op.related ?? []) {
      const what = relation.property ? ` (@Related '${relation.property}')` : '';
      acc.add(relation.type, '', RELATED_VERBS, `${who} reads related ${relation.type.kind}${what}`);
    }
    // Events go to the parent's namespace, or to `default` for a cluster-scoped parent.
    acc.addRaw(
      '',
      'events',
      parent.namespaced ? 'watched' : 'cluster',
      ['create', 'patch'],
      `${who} records Events`,
    );
  }
  if (options.leaderElection) {
    acc.addRaw('coordination.k8s.io', 'leases', 'own', ['get', 'create', 'update'], 'leader election');
  }
  if (options.sharding) {
    acc.addRaw(
      'coordination.k8s.io',
      'leases',
      'own',
      ['get', 'list', 'create', 'update', 'delete'],
      'sharding: each replica keeps its membership Lease and lists the others',
    );
  }
  if (options.webhook) {
    const { configuration, secret } = options.webhook;
    // RBAC cannot limit a create to a name, so create is on secrets; reading and rewriting, on this one only.
    acc.addRaw('', 'secrets', 'own', ['create'], 'the webhook creates its certificate Secret');
    acc.addRaw('', 'secrets', 'own', ['get', 'update'], 'the webhook reads and rotates its certificates', [
      secret,
    ]);
    if (parentAdmissions(operators).length > 0) {
      acc.addRaw(
        'admissionregistration.k8s.io',
        'validatingwebhookconfigurations',
        'cluster',
        ['get', 'patch'],
        "the webhook keeps its configuration's caBundle current",
        [configuration],
      );
    }
    const crds = parentConversions(operators).map(crdNameOf);
    if (crds.length > 0) {
      acc.addRaw(
        'apiextensions.k8s.io',
        'customresourcedefinitions',
        'cluster',
        ['get', 'patch'],
        "the conversion webhook keeps the CRD's caBundle current",
        crds,
      );
    }
  }
  if (options.secureMetrics ?? true) {
    for (const [group, resource, why] of METRICS_REVIEWS)
      acc.addRaw(group, resource, 'cluster', ['create'], why);
  }
  return acc.list();
}

/** The reviews secure metrics send per scraper: who the token is, then whether they may read `/metrics`. */
const METRICS_REVIEWS: readonly (readonly [group: string, resource: string, why: string])[] = [
  ['authentication.k8s.io', 'tokenreviews', "secure metrics check each scraper's token (TokenReview)"],
  [
    'authorization.k8s.io',
    'subjectaccessreviews',
    'secure metrics check each scraper may get /metrics (SubjectAccessReview)',
  ],
];

class PermissionSet {
  private readonly byKey = new Map<
    string,
    { p: Omit<Permission, 'verbs' | 'why'>; verbs: Set<Verb>; why: Set<string> }
  >();

  add(type: ResourceType, subresource: string, verbs: readonly Verb[], why: string): void {
    const resource = subresource ? `${type.plural}/${subresource}` : type.plural;
    this.addRaw(type.group, resource, type.namespaced ? 'watched' : 'cluster', verbs, why);
  }

  addRaw(
    group: string,
    resource: string,
    scope: PermissionScope,
    verbs: readonly Verb[],
    why: string,
    resourceNames?: readonly string[],
  ): void {
    const key = `${scope}|${group}|${resource}${resourceNames ? `|${resourceNames.join(',')}` : ''}`;
    let entry = this.byKey.get(key);
    if (!entry) {
      entry = {
        p: { group, resource, scope, ...(resourceNames ? { resourceNames: [...resourceNames] } : {}) },
        verbs: new Set(),
        why: new Set(),
      };
      this.byKey.set(key, entry);
    }
    for (const v of verbs) entry.verbs.add(v);
    entry.why.add(why);
  }

  list(): Permission[] {
    return [...this.byKey.values()].map(({ p, verbs, why }) => ({
      ...p,
      verbs: VERB_ORDER.filter((v) => verbs.has(v)),
      why: [...why],
    }));
  }
}
