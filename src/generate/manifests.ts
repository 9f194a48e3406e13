import type { KubeObject } from '../types/kube-object.js';
import {
  hasWebhooks,
  type ManifestWebhookOptions,
  manifestWebhookClient,
  webhookManifests,
  webhookSecretName,
  withWebhook,
} from '../webhooks/webhook-manifests.js';
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
  /**
   * Add the webhooks: the validating webhook (the parents' class-validator rules at admission) and the
   * conversion webhook of parents with several versions. A Service (unless it has a `url`), the
   * ValidatingWebhookConfiguration without `caBundle` (the operator fills it in), the CRDs'
   * `spec.conversion` pointing at the same Service or URL, the Secret, configuration and CRD
   * permissions, and the Deployment's `webhook` port and flags. Required when a parent converts.
   */
  webhook?: ManifestWebhookOptions;
}

/**
 * Everything an application of operators needs in a cluster, in apply order: (the Namespace,) the
 * CRDs, the ServiceAccount, the RBAC roles and bindings, the `<name>-metrics-reader` ClusterRole for
 * Prometheus, (with `webhook`: the webhook's Service and ValidatingWebhookConfiguration,) and the Deployment.
 *
 * @throws ConfigError when a parent's versions convert through the operator and `webhook` is not set
 * (see {@link generateCrds}).
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
  const context = {
    name: options.name,
    namespace: options.namespace,
    watchNamespaces: options.watchNamespaces,
  };
  const serves = options.webhook !== undefined && hasWebhooks(operators);
  const webhook = options.webhook ? webhookManifests(operators, context, options.webhook) : [];
  const deployment = generateDeployment(options);
  return [
    ...namespace,
    ...generateCrds(operators, {
      notes: options.notes,
      webhook: options.webhook && manifestWebhookClient(context, options.webhook),
    }),
    ...generateRbac(operators, {
      ...options,
      sharding: options.shards !== undefined,
      secureMetrics: true,
      webhook:
        options.webhook && serves
          ? { configuration: options.name, secret: webhookSecretName(options.name, options.webhook) }
          : undefined,
    }),
    metricsReaderRole(options.name),
    ...webhook,
    options.webhook && serves ? withWebhook(deployment, context, options.webhook) : deployment,
  ];
}
