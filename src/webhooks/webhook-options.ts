import { existsSync, readFileSync } from 'node:fs';
import { isDnsLabel } from '../config/names.js';
import { ConfigError } from '../errors/operon-error.js';
import type { ListenOptions } from '../observability/health/endpoint-server.js';
import { DEFAULT_ROTATION_POLICY, type RotationPolicy } from './certificate-rotation.js';
import { parentConversions } from './conversion.js';
import {
  type FailurePolicy,
  parentAdmissions,
  WEBHOOK_PORT,
  type WebhookClient,
  type WebhookDeclaration,
} from './webhook-configuration.js';

/**
 * The webhooks of {@link HostOptions.webhook}: the validating admission webhook (the operators' own
 * class-validator rules, run by the API server before a parent is stored) and, for parents with
 * several versions, the CRD conversion webhook; one HTTPS server, one certificate Secret.
 *
 * @remarks
 * Give exactly one of {@link WebhookOptions.service} (the operator runs in the cluster behind that
 * Service) or {@link WebhookOptions.url} (it runs outside, e.g. on the machine of a local cluster).
 */
export interface WebhookOptions {
  /** Port of the HTTPS server. Default 9443 (controller-runtime's); 0 picks a free one. */
  port?: number;
  /** Interface address to bind. Default every interface. */
  host?: string;
  /**
   * What the API server does when the webhook cannot answer (the operator is down, or too slow):
   * `Fail` refuses the write, `Ignore` lets it through unchecked (the operator still reports it as
   * `Synced=False`). Default `Fail`.
   */
  failurePolicy?: FailurePolicy;
  /** The Service the API server calls (port 443 by default), in the operator's namespace unless given. */
  service?: { name: string; namespace?: string; port?: number };
  /**
   * The base URL the API server calls, `https://host:port` with no path, for an operator outside the
   * cluster: a local cluster's API server on the same machine reaches `https://127.0.0.1:9443`.
   */
  url?: string;
  /**
   * Name of the ValidatingWebhookConfiguration, and the default prefix of the certificate Secret.
   * Default: the first operator's name.
   */
  name?: string;
  /**
   * The operator's own namespace, where the certificate Secret lives. Default: `service.namespace`,
   * else `POD_NAMESPACE`, else the namespace of the Pod's ServiceAccount.
   */
  namespace?: string;
  /** Name of the Secret holding the CA and serving certificate. Default `<name>-webhook-cert`. */
  certSecret?: string;
  /** How long the API server waits for an answer, 1–30 s. Default 10. */
  timeoutSeconds?: number;
  /** Certificate lifetimes and how often they are checked; the defaults suit production. */
  certificates?: {
    /** Lifetime of a new CA, in ms. Default 10 years. */
    caValidityMs?: number;
    /** Lifetime of a new serving certificate, in ms. Default 1 year. */
    certValidityMs?: number;
    /** How often each replica re-reads the Secret and the configuration, in ms. Default 10 minutes. */
    checkIntervalMs?: number;
  };
}

/** {@link WebhookOptions} with every default applied and checked. */
export interface ResolvedWebhook {
  readonly listen: ListenOptions;
  /** Name of the ValidatingWebhookConfiguration. */
  readonly name: string;
  /** Namespace of the certificate Secret. */
  readonly namespace: string;
  readonly secretName: string;
  readonly client: WebhookClient;
  /** Hosts the serving certificate names: the Service's DNS names, or the URL's host. */
  readonly hosts: readonly string[];
  readonly failurePolicy: FailurePolicy;
  readonly timeoutSeconds: number;
  readonly policy: Required<RotationPolicy>;
  readonly checkIntervalMs: number;
  /** The namespaces the operators watch, if not all. */
  readonly namespaces?: readonly string[];
}

/** Default of {@link WebhookOptions.certificates}.checkIntervalMs. */
export const DEFAULT_CHECK_INTERVAL_MS = 10 * 60_000;

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const SERVICE_ACCOUNT_NAMESPACE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

/**
 * Applies the defaults of {@link WebhookOptions} and checks them, so a mistake stops the host before
 * anything starts.
 *
 * @throws ConfigError listing every problem.
 */
export function resolveWebhookOptions(
  options: WebhookOptions,
  context: {
    readonly operators: readonly WebhookDeclaration[];
    readonly namespaces?: readonly string[];
    readonly env?: NodeJS.ProcessEnv;
  },
): ResolvedWebhook {
  const problems: string[] = [];
  const env = context.env ?? process.env;
  if (parentAdmissions(context.operators).length === 0 && parentConversions(context.operators).length === 0) {
    problems.push(
      'webhook: no operator has a spec class or versions to convert, so the webhook would have nothing to do; give the parent a spec class or turn the webhook off.',
    );
  }
  const port = options.port ?? WEBHOOK_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    problems.push(`webhook.port must be an integer from 0 to 65535 (0: any free port), not ${port}.`);
  const failurePolicy = options.failurePolicy ?? 'Fail';
  if (failurePolicy !== 'Fail' && failurePolicy !== 'Ignore')
    problems.push(`webhook.failurePolicy must be 'Fail' or 'Ignore', not ${JSON.stringify(failurePolicy)}.`);
  const timeoutSeconds = options.timeoutSeconds ?? 10;
  if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1 || timeoutSeconds > 30)
    problems.push(`webhook.timeoutSeconds must be a whole number from 1 to 30, not ${timeoutSeconds}.`);
  const name = options.name ?? context.operators[0]?.name ?? 'operon';
  if (!isSubdomain(name))
    problems.push(`webhook.name "${name}" is not a valid object name (a DNS subdomain).`);
  const secretName = options.certSecret ?? `${name}-webhook-cert`;
  if (!isSubdomain(secretName))
    problems.push(`webhook.certSecret "${secretName}" is not a valid Secret name (a DNS subdomain).`);
  const namespace = options.namespace ?? options.service?.namespace ?? ownNamespace(env);
  if (!namespace) {
    problems.push(
      'webhook.namespace is not set and cannot be guessed (no service.namespace, no POD_NAMESPACE variable, not running in a cluster): set webhook.namespace to where the certificate Secret should live.',
    );
  } else if (!isDnsLabel(namespace))
    problems.push(`webhook.namespace "${namespace}" is not a namespace name.`);

  let client: WebhookClient = { url: '' };
  let hosts: string[] = [];
  if ((options.service === undefined) === (options.url === undefined)) {
    problems.push(
      'webhook needs exactly one of service (the operator runs in the cluster behind that Service) or url (it runs outside, e.g. https://127.0.0.1:9443 for a local cluster).',
    );
  } else if (options.service) {
    const svc = options.service;
    const svcNamespace = svc.namespace ?? namespace ?? '';
    if (!isDnsLabel(svc.name)) problems.push(`webhook.service.name "${svc.name}" is not a Service name.`);
    if (svc.port !== undefined && (!Number.isInteger(svc.port) || svc.port < 1 || svc.port > 65_535))
      problems.push(`webhook.service.port must be an integer from 1 to 65535, not ${svc.port}.`);
    client = { service: { name: svc.name, namespace: svcNamespace, port: svc.port ?? 443 } };
    hosts = [`${svc.name}.${svcNamespace}.svc`, `${svc.name}.${svcNamespace}.svc.cluster.local`];
  } else if (options.url !== undefined) {
    const url = parseUrl(options.url);
    if (typeof url === 'string') problems.push(url);
    else {
      client = { url: url.origin };
      hosts = [url.hostname.replace(/^\[|\]$/g, '')];
    }
  }

  const certs = options.certificates ?? {};
  const caValidityMs = certs.caValidityMs ?? DEFAULT_ROTATION_POLICY.caValidityMs;
  const certValidityMs = certs.certValidityMs ?? DEFAULT_ROTATION_POLICY.certValidityMs;
  const checkIntervalMs = certs.checkIntervalMs ?? DEFAULT_CHECK_INTERVAL_MS;
  for (const [field, value] of [
    ['caValidityMs', caValidityMs],
    ['certValidityMs', certValidityMs],
    ['checkIntervalMs', checkIntervalMs],
  ] as const) {
    if (!Number.isFinite(value) || value <= 0)
      problems.push(`webhook.certificates.${field} must be a positive number of milliseconds, not ${value}.`);
  }
  if (certValidityMs > caValidityMs)
    problems.push(
      `webhook.certificates.certValidityMs (${certValidityMs}) must not exceed caValidityMs (${caValidityMs}): a certificate cannot outlive its CA.`,
    );
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    listen: options.host ? { port, host: options.host } : { port },
    name,
    namespace: namespace as string,
    secretName,
    client,
    hosts,
    failurePolicy,
    timeoutSeconds,
    policy: { caValidityMs, certValidityMs, renewFraction: DEFAULT_ROTATION_POLICY.renewFraction },
    checkIntervalMs,
    ...(context.namespaces?.length ? { namespaces: context.namespaces } : {}),
  };
}

/** What is wrong with a webhook base URL, or undefined when it is `https://host[:port]`. */
export function webhookUrlProblem(raw: string): string | undefined {
  const parsed = parseUrl(raw);
  return typeof parsed === 'string' ? parsed : undefined;
}

function parseUrl(raw: string): URL | string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return `webhook.url "${raw}" is not a URL; use https://host:port, e.g. https://127.0.0.1:9443.`;
  }
  if (url.protocol !== 'https:')
    return `webhook.url "${raw}" must use https: the API server calls webhooks over TLS only.`;
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash || url.username)
    return `webhook.url "${raw}" must be just https://host:port: Operon adds each parent type's path.`;
  return url;
}

function isSubdomain(name: string): boolean {
  return typeof name === 'string' && name.length <= 253 && DNS_SUBDOMAIN.test(name);
}

function ownNamespace(env: NodeJS.ProcessEnv): string | undefined {
  if (env.POD_NAMESPACE) return env.POD_NAMESPACE;
  try {
    if (existsSync(SERVICE_ACCOUNT_NAMESPACE)) return readFileSync(SERVICE_ACCOUNT_NAMESPACE, 'utf8').trim();
  } catch {
    // Unreadable: treated as outside a cluster.
  }
  return undefined;
}
