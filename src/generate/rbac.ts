import type { V1PolicyRule } from '@kubernetes/client-node';
import type { KubeObject } from '../types/kube-object.js';
import type { OperatorDeclaration } from './operator-declaration.js';
import { type Permission, type PermissionOptions, requiredPermissions, type Verb } from './permissions.js';

/** Options of {@link generateRbac}. */
export interface RbacOptions extends PermissionOptions {
  /** Name of the ServiceAccount, and of the roles and bindings. */
  name: string;
  /** Namespace of the ServiceAccount (where the operator runs). */
  namespace: string;
  /**
   * Namespaces the operator watches. When set, namespaced permissions are granted by a Role in each
   * of them instead of one ClusterRole; permissions on cluster-scoped types still need a ClusterRole.
   */
  watchNamespaces?: readonly string[];
  /** Include the ServiceAccount itself. Default true. */
  serviceAccount?: boolean;
}

const RBAC = 'rbac.authorization.k8s.io';
const RBAC_V1 = `${RBAC}/v1`;

/**
 * Builds the least-privilege RBAC objects that let a set of operators run: a ServiceAccount, and a
 * ClusterRole with its binding (or, with `watchNamespaces`, a Role and RoleBinding per namespace).
 *
 * @remarks
 * The rules are {@link requiredPermissions}, merged with {@link toPolicyRules}. With leader election,
 * the Lease rule goes to a Role `<name>-leader-election` in the operator's own namespace (with
 * sharding, `<name>-shards`); with the
 * webhook, its Secret rules to a Role `<name>-webhook` there. The reviews
 * of secure metrics (on by default) are cluster-scoped, so with `watchNamespaces` they still come as
 * a ClusterRole. Objects are in apply order: ServiceAccount, roles, bindings.
 *
 * @example
 * ```ts
 * const objects = generateRbac(declarationsFromClasses([EchoServerOperator]), {
 *   name: 'echo-server', namespace: 'operators',
 * });
 * objects.map((o) => o.kind); // ['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding']
 * ```
 */
export function generateRbac(operators: readonly OperatorDeclaration[], options: RbacOptions): KubeObject[] {
  const permissions = requiredPermissions(operators, options);
  const watched = permissions.filter((p) => p.scope === 'watched');
  const cluster = permissions.filter((p) => p.scope === 'cluster');
  const own = permissions.filter((p) => p.scope === 'own');
  const subject = { kind: 'ServiceAccount', name: options.name, namespace: options.namespace };
  const labels = { 'app.kubernetes.io/name': options.name, 'app.kubernetes.io/managed-by': 'operon' };
  const roles: KubeObject[] = [];
  const bindings: KubeObject[] = [];
  const grant = (
    kind: 'Role' | 'ClusterRole',
    name: string,
    namespace: string | undefined,
    rules: V1PolicyRule[],
  ) => {
    const metadata = () => ({ name, ...(namespace ? { namespace } : {}), labels: { ...labels } });
    roles.push({ apiVersion: RBAC_V1, kind, metadata: metadata(), rules } as KubeObject);
    bindings.push({
      apiVersion: RBAC_V1,
      kind: `${kind}Binding`,
      metadata: metadata(),
      roleRef: { apiGroup: RBAC, kind, name },
      subjects: [{ ...subject }],
    } as KubeObject);
  };

  const namespaces = options.watchNamespaces?.length ? [...new Set(options.watchNamespaces)] : undefined;
  if (namespaces) {
    for (const ns of namespaces) if (watched.length) grant('Role', options.name, ns, toPolicyRules(watched));
    if (cluster.length) grant('ClusterRole', options.name, undefined, toPolicyRules(cluster));
  } else if (watched.length || cluster.length) {
    grant('ClusterRole', options.name, undefined, toPolicyRules([...watched, ...cluster]));
  }
  const lease = own.filter((p) => p.resource === 'leases');
  const webhook = own.filter((p) => p.resource !== 'leases');
  if (lease.length)
    grant(
      'Role',
      `${options.name}-${options.sharding ? 'shards' : 'leader-election'}`,
      options.namespace,
      toPolicyRules(lease),
    );
  if (webhook.length) grant('Role', `${options.name}-webhook`, options.namespace, toPolicyRules(webhook));

  const account: KubeObject[] =
    options.serviceAccount === false
      ? []
      : [
          {
            apiVersion: 'v1',
            kind: 'ServiceAccount',
            metadata: { name: options.name, namespace: options.namespace, labels: { ...labels } },
          },
        ];
  return [...account, ...roles, ...bindings];
}

/**
 * The ClusterRole a metrics scraper (Prometheus' ServiceAccount) is bound to, to read secure metrics:
 * `get` on the non-resource URL `/metrics`, named `<name>-metrics-reader`, as kubebuilder scaffolds it.
 *
 * @remarks
 * Comes without a binding: which account scrapes is the cluster's choice, e.g.
 * `kubectl create clusterrolebinding echo-metrics --clusterrole=echo-metrics-reader --serviceaccount=monitoring:prometheus-k8s`.
 *
 * @example
 * ```ts
 * metricsReaderRole('echo-server').metadata?.name; // 'echo-server-metrics-reader'
 * ```
 */
export function metricsReaderRole(name: string): KubeObject {
  return {
    apiVersion: RBAC_V1,
    kind: 'ClusterRole',
    metadata: {
      name: `${name}-metrics-reader`,
      labels: { 'app.kubernetes.io/name': name, 'app.kubernetes.io/managed-by': 'operon' },
    },
    rules: [{ nonResourceURLs: ['/metrics'], verbs: ['get'] }],
  } as KubeObject;
}

/**
 * Merges permissions into as few RBAC rules as possible: one rule per API group and verb set,
 * listing every resource with exactly those verbs.
 *
 * @remarks
 * Never widens a grant: two resources share a rule only when they need the same verbs. Rules and
 * their lists are sorted, so the output is stable.
 *
 * @example
 * ```ts
 * toPolicyRules(requiredPermissions(configs));
 * // [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch', 'create', 'delete'] }, ...]
 * ```
 */
export function toPolicyRules(permissions: readonly Permission[]): V1PolicyRule[] {
  const byKey = new Map<
    string,
    { group: string; verbs: readonly Verb[]; resources: Set<string>; names?: readonly string[] }
  >();
  for (const p of permissions) {
    const names = p.resourceNames?.length ? p.resourceNames : undefined;
    const key = `${p.group}|${p.verbs.join(',')}${names ? `|${names.join(',')}` : ''}`;
    const entry = byKey.get(key) ?? { group: p.group, verbs: p.verbs, resources: new Set<string>(), names };
    entry.resources.add(p.resource);
    byKey.set(key, entry);
  }
  return [...byKey.values()]
    .map((e) => ({
      apiGroups: [e.group],
      resources: [...e.resources].sort(),
      ...(e.names ? { resourceNames: [...e.names] } : {}),
      verbs: [...e.verbs],
    }))
    .sort((a, b) =>
      `${a.apiGroups[0]}|${a.resources[0]}`.localeCompare(`${b.apiGroups[0]}|${b.resources[0]}`),
    );
}
