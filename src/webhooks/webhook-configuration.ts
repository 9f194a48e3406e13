import { OperonError } from '../errors/operon-error.js';
import type { ApiClient } from '../runtime/api/api-client.js';
import { ApiError } from '../runtime/api/api-error.js';
import type { KubeObject } from '../types/kube-object.js';
import type { ResourceType } from '../types/resource-type.js';
import type { ParentAdmission } from './spec-admission.js';

/** Port the webhook server listens on in a Pod (controller-runtime's default webhook port). */
export const WEBHOOK_PORT = 9443;

/** What the API server does when it cannot get an answer from the webhook: refuse the write, or let it through. */
export type FailurePolicy = 'Fail' | 'Ignore';

/** How the API server reaches the webhook: a Service in the cluster, or a URL (an operator running outside it). */
export type WebhookClient =
  | { readonly service: { readonly name: string; readonly namespace: string; readonly port?: number } }
  | { readonly url: string };

/** What {@link validatingWebhookConfiguration} needs besides the operators. */
export interface WebhookConfigurationOptions {
  /** Name of the ValidatingWebhookConfiguration (cluster-scoped). */
  readonly name: string;
  readonly client: WebhookClient;
  /** Default `Fail`. */
  readonly failurePolicy?: FailurePolicy;
  /** Only objects in these namespaces are sent (the namespaces the operator watches); default all. */
  readonly namespaces?: readonly string[];
  /** How long the API server waits for an answer, 1–30 s. Default 10. */
  readonly timeoutSeconds?: number;
  /** Base64 PEM CA bundle; left out when not known yet (the operator fills it in). */
  readonly caBundle?: string;
  readonly labels?: Readonly<Record<string, string>>;
}

/** The operator fields webhook generation reads: an `OperatorConfig` or a generation declaration. */
export interface WebhookDeclaration {
  readonly name: string;
  readonly parent: { readonly type: ResourceType; readonly spec?: new (...args: never[]) => unknown };
}

/** One entry of `webhooks` in a ValidatingWebhookConfiguration, as Operon writes it. */
export interface ValidatingWebhook {
  name: string;
  clientConfig: {
    service?: { name: string; namespace: string; path: string; port: number };
    url?: string;
    caBundle?: string;
  };
  rules: {
    apiGroups: string[];
    apiVersions: string[];
    resources: string[];
    operations: string[];
    scope: 'Namespaced' | 'Cluster';
  }[];
  failurePolicy: FailurePolicy;
  matchPolicy: 'Equivalent';
  sideEffects: 'None';
  admissionReviewVersions: string[];
  timeoutSeconds: number;
  namespaceSelector?: { matchExpressions: { key: string; operator: 'In'; values: string[] }[] };
}

/** A ValidatingWebhookConfiguration. */
export interface ValidatingWebhookConfiguration extends KubeObject {
  webhooks?: ValidatingWebhook[];
}

export const WEBHOOK_CONFIGURATIONS_PATH =
  '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations';

/**
 * The parent types that get a validating webhook: those with a spec class, each once, with the spec
 * classes of every operator of that type.
 */
export function parentAdmissions(operators: readonly WebhookDeclaration[]): ParentAdmission[] {
  const byType = new Map<string, { type: ResourceType; specs: (new (...args: never[]) => unknown)[] }>();
  for (const op of operators) {
    const { type, spec } = op.parent;
    if (!spec) continue;
    const key = `${type.group}/${type.version}/${type.plural}`;
    const entry = byType.get(key) ?? { type, specs: [] };
    if (!entry.specs.includes(spec)) entry.specs.push(spec);
    byType.set(key, entry);
  }
  return [...byType.values()];
}

/**
 * Name of the webhook of a parent type, as the API server shows it in a refusal (`admission webhook
 * "validate.shardsets.example.com" denied the request: …`); a fully qualified name, as required.
 */
export function validatingWebhookName(type: ResourceType): string {
  return `validate.${type.plural}.${type.group || 'core.operon.dev'}`;
}

/** Path the webhook server answers a parent type's reviews on (controller-runtime's form). */
export function validatingWebhookPath(type: ResourceType): string {
  return `/validate-${type.group ? type.group.replace(/\./g, '-') : 'core'}-${type.version}-${type.kind.toLowerCase()}`;
}

/**
 * The ValidatingWebhookConfiguration that sends every CREATE and UPDATE of each parent (the main
 * resource only, never `status`) to the operator, for both `operon manifests` and the running operator.
 *
 * @remarks
 * `admissionReviewVersions: ['v1']`, `sideEffects: None` (the webhook only reads), `matchPolicy:
 * Equivalent` (a request through another version of the type is converted and sent too). With
 * `namespaces`, a `namespaceSelector` on `kubernetes.io/metadata.name` limits it to the watched
 * namespaces: elsewhere the parents are not this operator's.
 */
export function validatingWebhookConfiguration(
  operators: readonly WebhookDeclaration[],
  options: WebhookConfigurationOptions,
): ValidatingWebhookConfiguration {
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingWebhookConfiguration',
    metadata: { name: options.name, labels: { 'app.kubernetes.io/managed-by': 'operon', ...options.labels } },
    webhooks: parentAdmissions(operators).map(({ type }) => webhookEntry(type, options)),
  };
}

/**
 * A webhook's `clientConfig` (admission configuration or CRD conversion, which share the shape): the
 * Service with the path and port 443 by default, or the base URL with the path; `caBundle` when known.
 */
export function webhookClientConfig(
  client: WebhookClient,
  path: string,
  caBundle?: string,
): ValidatingWebhook['clientConfig'] {
  const clientConfig: ValidatingWebhook['clientConfig'] =
    'service' in client
      ? {
          service: {
            name: client.service.name,
            namespace: client.service.namespace,
            path,
            port: client.service.port ?? 443,
          },
        }
      : { url: `${client.url.replace(/\/+$/, '')}${path}` };
  if (caBundle) clientConfig.caBundle = caBundle;
  return clientConfig;
}

function webhookEntry(type: ResourceType, options: WebhookConfigurationOptions): ValidatingWebhook {
  const clientConfig = webhookClientConfig(options.client, validatingWebhookPath(type), options.caBundle);
  const namespaces =
    options.namespaces?.length && type.namespaced ? [...new Set(options.namespaces)].sort() : undefined;
  return {
    name: validatingWebhookName(type),
    clientConfig,
    rules: [
      {
        apiGroups: [type.group],
        apiVersions: [type.version],
        resources: [type.plural],
        operations: ['CREATE', 'UPDATE'],
        scope: type.namespaced ? 'Namespaced' : 'Cluster',
      },
    ],
    failurePolicy: options.failurePolicy ?? 'Fail',
    matchPolicy: 'Equivalent',
    sideEffects: 'None',
    admissionReviewVersions: ['v1'],
    timeoutSeconds: options.timeoutSeconds ?? 10,
    ...(namespaces
      ? {
          namespaceSelector: {
            matchExpressions: [
              { key: 'kubernetes.io/metadata.name', operator: 'In' as const, values: namespaces },
            ],
          },
        }
      : {}),
  };
}

/**
 * The strategic merge patch that makes `live` hold every webhook of `desired` as Operon writes it
 * (rules, client, policy, `caBundle`, …), or undefined when it already does.
 *
 * @remarks
 * Only Operon's own entries are compared and sent: `webhooks` merges by `name`, so entries someone
 * else added are kept. Fields the API server defaults and Operon does not set (`objectSelector`) are
 * not compared; a client or namespace selector Operon no longer wants is removed with `null`.
 */
export function webhookConfigurationPatch(
  live: ValidatingWebhookConfiguration,
  desired: ValidatingWebhookConfiguration,
): { webhooks: object[] } | undefined {
  const changed: object[] = [];
  for (const want of desired.webhooks ?? []) {
    const have = live.webhooks?.find((w) => w.name === want.name);
    if (have && holds(want, have)) continue;
    changed.push({
      ...want,
      clientConfig: { ...want.clientConfig, ...(want.clientConfig.url ? { service: null } : { url: null }) },
      namespaceSelector: want.namespaceSelector ?? null,
    });
  }
  return changed.length ? { webhooks: changed } : undefined;
}

function holds(want: ValidatingWebhook, have: ValidatingWebhook): boolean {
  if (!contains(want, have)) return false;
  if (want.clientConfig.url ? have.clientConfig.service : have.clientConfig.url) return false;
  if (!want.namespaceSelector && Object.keys(have.namespaceSelector ?? {}).length > 0) return false;
  return true;
}

/** Every field `want` sets has the same value in `have` (objects compared key by key, lists item by item). */
function contains(want: unknown, have: unknown): boolean {
  if (want === have) return true;
  if (Array.isArray(want))
    return Array.isArray(have) && want.length === have.length && want.every((w, i) => contains(w, have[i]));
  if (typeof want === 'object' && want !== null) {
    if (typeof have !== 'object' || have === null || Array.isArray(have)) return false;
    const h = have as Record<string, unknown>;
    return Object.entries(want).every(([k, v]) => v === undefined || contains(v, h[k]));
  }
  return false;
}

/**
 * Makes the cluster's ValidatingWebhookConfiguration hold `desired`: creates it when missing, patches
 * Operon's entries when they differ ({@link webhookConfigurationPatch}), else sends nothing.
 *
 * @throws OperonError when it is missing and may not be created (apply it with `operon manifests`);
 * ApiError for other failures.
 */
export async function syncWebhookConfiguration(
  api: ApiClient,
  desired: ValidatingWebhookConfiguration,
  signal?: AbortSignal,
  attempt = 1,
): Promise<'created' | 'patched' | 'unchanged'> {
  const name = desired.metadata?.name ?? '';
  const path = `${WEBHOOK_CONFIGURATIONS_PATH}/${encodeURIComponent(name)}`;
  let live: ValidatingWebhookConfiguration | undefined;
  try {
    live = await api.request<ValidatingWebhookConfiguration>({ method: 'GET', path, signal });
  } catch (e) {
    if (!ApiError.isNotFound(e)) throw e;
  }
  if (!live) {
    try {
      await api.request({ method: 'POST', path: WEBHOOK_CONFIGURATIONS_PATH, body: desired, signal });
      return 'created';
    } catch (e) {
      // Another replica created it first: compare with theirs.
      if (ApiError.isConflict(e) && attempt < 3)
        return syncWebhookConfiguration(api, desired, signal, attempt + 1);
      if (!ApiError.isForbidden(e)) throw e;
      throw new OperonError(
        'API_ERROR',
        `The ValidatingWebhookConfiguration "${name}" does not exist and the operator may not create it: apply the one \`operon manifests --webhook\` prints (the operator then keeps its caBundle current), or grant create on validatingwebhookconfigurations.`,
        { cause: e },
      );
    }
  }
  const patch = webhookConfigurationPatch(live, desired);
  if (!patch) return 'unchanged';
  await api.request({
    method: 'PATCH',
    path,
    contentType: 'application/strategic-merge-patch+json',
    body: patch,
    signal,
  });
  return 'patched';
}
