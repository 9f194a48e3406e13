import { OperonError } from '../errors/operon-error.js';
import type { ApiClient } from '../runtime/api/api-client.js';
import { ApiError } from '../runtime/api/api-error.js';
import type { ResourceType } from '../types/resource-type.js';
import { conversionWebhookPath } from './conversion.js';
import { type ValidatingWebhook, type WebhookClient, webhookClientConfig } from './webhook-configuration.js';

/** Where CustomResourceDefinitions live in the API. */
export const CRDS_PATH = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';

/** `spec.conversion` of a CRD whose versions the operator converts. */
export interface CrdWebhookConversion {
  strategy: 'Webhook';
  webhook: {
    conversionReviewVersions: string[];
    clientConfig: ValidatingWebhook['clientConfig'];
  };
}

/**
 * The `spec.conversion` that sends a type's conversions to the operator, for both `operon crd` and the
 * running operator: `strategy: Webhook`, `conversionReviewVersions: ['v1']`, and the same Service or
 * URL as the validating webhook, at the type's own path.
 *
 * @remarks
 * `caBundle` is left out until known: the running operator fills it in from its certificate Secret,
 * as for the ValidatingWebhookConfiguration.
 *
 * @example
 * ```ts
 * crdConversion(Shard, { url: 'https://127.0.0.1:9443' }).webhook.clientConfig.url;
 * // 'https://127.0.0.1:9443/convert-example-com-shard'
 * ```
 */
export function crdConversion(
  type: Pick<ResourceType, 'group' | 'kind'>,
  client: WebhookClient,
  caBundle?: string,
): CrdWebhookConversion {
  const clientConfig = webhookClientConfig(client, conversionWebhookPath(type), caBundle);
  return { strategy: 'Webhook', webhook: { conversionReviewVersions: ['v1'], clientConfig } };
}

/**
 * The JSON merge patch that makes a live CRD's `spec.conversion` what `desired` says, or undefined
 * when it already does.
 *
 * @remarks
 * Only `spec.conversion` is compared and sent: the versions and schemas are `operon crd`'s, applied by
 * whoever installs the CRD. A URL replaces a Service and the other way round (`null` removes the other).
 */
export function crdConversionPatch(
  live: { spec?: { conversion?: unknown } },
  desired: CrdWebhookConversion,
): { spec: { conversion: object } } | undefined {
  const have = (live.spec?.conversion ?? {}) as Partial<CrdWebhookConversion>;
  const want = desired.webhook.clientConfig;
  const got = have.webhook?.clientConfig ?? {};
  const same =
    have.strategy === 'Webhook' &&
    JSON.stringify(have.webhook?.conversionReviewVersions) ===
      JSON.stringify(desired.webhook.conversionReviewVersions) &&
    got.url === want.url &&
    got.caBundle === want.caBundle &&
    (want.service
      ? got.service?.name === want.service.name &&
        got.service.namespace === want.service.namespace &&
        got.service.path === want.service.path &&
        (got.service.port ?? 443) === want.service.port
      : got.service === undefined);
  if (same) return undefined;
  return {
    spec: {
      conversion: {
        strategy: 'Webhook',
        webhook: {
          conversionReviewVersions: desired.webhook.conversionReviewVersions,
          clientConfig: {
            ...want,
            ...(want.url ? { service: null } : { url: null }),
            ...(want.caBundle ? {} : { caBundle: null }),
          },
        },
      },
    },
  };
}

/**
 * Makes a CRD's `spec.conversion` point the API server at this operator with the current `caBundle`:
 * a merge patch when it differs ({@link crdConversionPatch}), else nothing.
 *
 * @throws OperonError when the CRD does not exist (install it first) or may not be read or patched
 * (grant `get` and `patch` on it by name); ApiError for other failures.
 */
export async function syncCrdConversion(
  api: ApiClient,
  crdName: string,
  desired: CrdWebhookConversion,
  signal?: AbortSignal,
): Promise<'patched' | 'unchanged'> {
  const path = `${CRDS_PATH}/${encodeURIComponent(crdName)}`;
  const explain = (e: unknown): never => {
    if (ApiError.isNotFound(e))
      throw new OperonError(
        'API_ERROR',
        `The CustomResourceDefinition "${crdName}" does not exist: install it first (\`operon crd --webhook-url …\` or \`operon manifests --webhook\`); the operator only keeps its conversion webhook and caBundle current.`,
        { cause: e },
      );
    if (ApiError.isForbidden(e))
      throw new OperonError(
        'API_ERROR',
        `The operator may not read or patch the CustomResourceDefinition "${crdName}" to keep its conversion webhook's caBundle current: grant get and patch on customresourcedefinitions "${crdName}" (apiextensions.k8s.io), as \`operon manifests --webhook\` does.`,
        { cause: e },
      );
    throw e;
  };
  const live = await api
    .request<{ spec?: { conversion?: unknown } }>({ method: 'GET', path, signal })
    .catch(explain);
  const patch = crdConversionPatch(live, desired);
  if (!patch) return 'unchanged';
  await api
    .request({ method: 'PATCH', path, contentType: 'application/merge-patch+json', body: patch, signal })
    .catch(explain);
  return 'patched';
}
