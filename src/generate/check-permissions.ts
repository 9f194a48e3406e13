import { ApiClient, type KubeConfigLike } from '../runtime/api/api-client.js';
import type { OperatorDeclaration } from './operator-declaration.js';
import { type PermissionOptions, requiredPermissions, type Verb } from './permissions.js';

/** One verb on one resource that the credentials may not use. */
export interface MissingPermission {
  readonly verb: Verb;
  readonly group: string;
  readonly resource: string;
  readonly subresource?: string;
  /** Undefined: cluster-wide (all namespaces, or a cluster-scoped type). */
  readonly namespace?: string;
  /** The one object the permission is for (a rule's `resourceNames`); undefined: any. */
  readonly name?: string;
}

/**
 * Options of {@link missingPermissions}; `secureMetrics` (default true) checks the TokenReview and
 * SubjectAccessReview permissions, so pass false when metrics are off or plain HTTP.
 */
export interface PermissionCheckOptions extends PermissionOptions {
  /** Namespaces the operators watch; default all (checked cluster-wide). */
  namespaces?: readonly string[];
  /** The operator's own namespace, where leader election keeps its Lease. */
  ownNamespace?: string;
}

/**
 * Asks the API server which of the permissions the operators need the current credentials lack,
 * with one SelfSubjectAccessReview per verb, resource and namespace.
 *
 * @remarks
 * Any authenticated user may make these reviews, so this works with exactly the operator's own
 * rights. Use it before starting, to fail with the full list instead of finding the holes one 403
 * at a time: an informer without `list` retries for ever, and a missing write verb only shows on
 * the parent's condition when that write is first attempted. An empty result means every
 * permission is granted.
 *
 * @example
 * ```ts
 * const missing = await missingPermissions(kubeConfig, configs, { namespaces: ['demo'] });
 * if (missing.length) throw new Error(describeMissingPermissions(missing));
 * ```
 */
export async function missingPermissions(
  kubeConfig: KubeConfigLike,
  operators: readonly OperatorDeclaration[],
  options: PermissionCheckOptions = {},
): Promise<MissingPermission[]> {
  const checks: MissingPermission[] = [];
  for (const p of requiredPermissions(operators, options)) {
    const [resource, subresource] = p.resource.split('/') as [string, string | undefined];
    const namespaces =
      p.scope === 'cluster'
        ? [undefined]
        : p.scope === 'own'
          ? options.ownNamespace
            ? [options.ownNamespace]
            : []
          : options.namespaces?.length
            ? options.namespaces
            : [undefined];
    for (const namespace of namespaces)
      for (const verb of p.verbs)
        for (const name of p.resourceNames ?? [undefined])
          checks.push({ verb, group: p.group, resource, subresource, namespace, ...(name ? { name } : {}) });
  }
  const api = new ApiClient(kubeConfig, 'operon-rbac-check');
  try {
    const allowed = await Promise.all(checks.map((c) => isAllowed(api, c)));
    return checks.filter((_, i) => !allowed[i]);
  } finally {
    api.close();
  }
}

async function isAllowed(api: ApiClient, c: MissingPermission): Promise<boolean> {
  const review = await api.request<{ status?: { allowed?: boolean } }>({
    method: 'POST',
    path: '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
    body: {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      spec: {
        resourceAttributes: {
          verb: c.verb,
          group: c.group,
          resource: c.resource,
          ...(c.subresource ? { subresource: c.subresource } : {}),
          ...(c.namespace ? { namespace: c.namespace } : {}),
          ...(c.name ? { name: c.name } : {}),
        },
      },
    },
  });
  return review.status?.allowed === true;
}

/**
 * Describes one missing permission in the words of an RBAC rule.
 *
 * @remarks
 * The core API group is shown as `""`, as RBAC rules write it.
 *
 * @example
 * ```ts
 * describeMissingPermission({ verb: 'create', group: '', resource: 'pods', namespace: 'demo' });
 * // 'create pods (API group "") in namespace demo'
 * ```
 */
export function describeMissingPermission(m: MissingPermission): string {
  const resource = m.subresource ? `${m.resource}/${m.subresource}` : m.resource;
  const where = m.namespace ? `in namespace ${m.namespace}` : 'cluster-wide';
  return `${m.verb} ${resource}${m.name ? ` "${m.name}"` : ''} (API group "${m.group}") ${where}`;
}

/**
 * A message listing every missing permission and how to grant them.
 *
 * @remarks
 * One line per permission, then a pointer to `operon rbac`; meant for an error or a log line.
 *
 * @example
 * ```ts
 * throw new Error(describeMissingPermissions(await missingPermissions(kc, configs)));
 * ```
 */
export function describeMissingPermissions(missing: readonly MissingPermission[]): string {
  const lines = missing.map((m) => `  - ${describeMissingPermission(m)}`).join('\n');
  return `The operator's credentials lack ${missing.length} RBAC permission${missing.length === 1 ? '' : 's'}:\n${lines}\nGrant them to its ServiceAccount: \`operon rbac <entry>\` prints the role it needs.`;
}
