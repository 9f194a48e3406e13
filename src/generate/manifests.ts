import type { KubeObject } from '../types/kube-object.js';
import { generateCrds } from './crd.js';
import { type DeploymentOptions, generateDeployment } from './deployment.js';
import type { OperatorDeclaration } from './operator-declaration.js';
import { generateRbac, metricsReaderRole } from './rbac.js';

/** Options of {@link generateManifests}. */
export interface ManifestOptions extends DeploymentOptions {
  /** Also emit the Namespace object (first). Default false: the namespace usually exists. */
  createNamespace?: boolean;
  /** Receives a line for every part of the spec or status classes the CRD schemas could not express. */
  notes?: string[];
}

/**
 * Everything an application of operators needs in a cluster, in apply order: (the Namespace,) the
 * CRDs, the ServiceAccount, the RBAC roles and bindings, the `<name>-metrics-reader` ClusterRole for
 * Prometheus, and the Deployment.
 *
 * @remarks
 * Combines {@link generateCrds}, {@link generateRbac}, {@link metricsReaderRole} and
 * {@link generateDeployment}; the ServiceAccount, the roles and the Deployment all take
 * `options.name`. The Deployment serves secure metrics, so the operator's role includes the
 * TokenReview and SubjectAccessReview permissions they need.
 *
 * @example
 * ```ts
 * const objects = generateManifests(declarationsFromClasses([EchoServerOperator]), {
 *   name: 'echo-server', namespace: 'operators', image: 'ghcr.io/me/echo:1', entry: 'dist/main.js',
 * });
 * process.stdout.write(toYaml(objects));
 * ```
 */
export function generateManifests(
  operators: readonly OperatorDeclaration[],
  options: ManifestOptions,
): KubeObject[] {
  const namespace: KubeObject[] = options.createNamespace
    ? [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: options.namespace } }]
    : [];
  return [
    ...namespace,
    ...generateCrds(operators, { notes: options.notes }),
    ...generateRbac(operators, { ...options, secureMetrics: true }),
    metricsReaderRole(options.name),
    generateDeployment(options),
  ];
}
