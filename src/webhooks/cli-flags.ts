// The `operon run`, `operon manifests` and `operon crd` flags of the webhooks. Only src/cli imports this
// file; it lives here so the CLI's hunks stay one line each.
import { type Command, Option } from 'commander';
import { parseBindAddress } from '../app/bind-address.js';
import { WEBHOOK_PORT } from './webhook-configuration.js';
import type { ManifestWebhookOptions } from './webhook-manifests.js';
import { type WebhookOptions, webhookUrlProblem } from './webhook-options.js';

/** The webhook flags of `operon run`, as commander hands them over. */
export interface RunWebhookFlags {
  webhookBindAddress?: string;
  webhookService?: string;
  webhookUrl?: string;
  webhookName?: string;
  webhookNamespace?: string;
  webhookCertSecret?: string;
  webhookFailurePolicy?: 'Fail' | 'Ignore';
}

/** The webhook flags of `operon manifests`. */
export interface ManifestWebhookFlags {
  webhook?: boolean;
  webhookUrl?: string;
  webhookCertSecret?: string;
  webhookFailurePolicy?: 'Fail' | 'Ignore';
}

const failurePolicy = () =>
  new Option(
    '--webhook-failure-policy <policy>',
    'what the API server does when the webhook cannot answer: Fail (refuse the write) or Ignore (default: Fail)',
  ).choices(['Fail', 'Ignore']);

/** Adds the webhook flags to `operon run`. */
export function addRunWebhookFlags(cmd: Command): Command {
  return cmd
    .option(
      '--webhook-service <name>',
      "serve the webhooks (validation, and conversion of parents with several versions), which the API server reaches through this Service (in the operator's namespace)",
    )
    .option(
      '--webhook-url <url>',
      'serve the webhooks, which the API server reaches at this URL (an operator outside the cluster, e.g. https://127.0.0.1:9443)',
    )
    .option(
      '--webhook-bind-address <host:port>',
      `where the webhook's HTTPS server listens (default: ":${WEBHOOK_PORT}")`,
    )
    .option(
      '--webhook-name <name>',
      'name of the ValidatingWebhookConfiguration (default: the first operator name)',
    )
    .option(
      '--webhook-namespace <namespace>',
      'namespace of the certificate Secret (default: $POD_NAMESPACE, or the ServiceAccount namespace)',
    )
    .option(
      '--webhook-cert-secret <name>',
      'Secret holding the CA and serving certificate (default: <name>-webhook-cert)',
    )
    .addOption(failurePolicy());
}

/**
 * The webhook options the flags ask for; undefined when neither `--webhook-service` nor
 * `--webhook-url` turns it on.
 *
 * @throws Error (a usage error) for a bad bind address, or a webhook flag without a way in.
 */
export function runWebhookOptions(flags: RunWebhookFlags): WebhookOptions | undefined {
  if (!flags.webhookService && !flags.webhookUrl) {
    const stray = [
      flags.webhookBindAddress && '--webhook-bind-address',
      flags.webhookName && '--webhook-name',
      flags.webhookNamespace && '--webhook-namespace',
      flags.webhookCertSecret && '--webhook-cert-secret',
      flags.webhookFailurePolicy && '--webhook-failure-policy',
    ].filter(Boolean);
    if (stray.length > 0)
      throw new Error(
        `${stray.join(', ')} need --webhook-service or --webhook-url, which turn the webhook on`,
      );
    return undefined;
  }
  let listen: { host?: string; port?: number } = {};
  if (flags.webhookBindAddress !== undefined) {
    const parsed = parseBindAddress(flags.webhookBindAddress);
    if (parsed === false) throw new Error('--webhook-bind-address cannot be 0 while the webhook is on');
    listen = parsed;
  }
  return {
    ...listen,
    ...(flags.webhookService ? { service: { name: flags.webhookService } } : {}),
    ...(flags.webhookUrl ? { url: flags.webhookUrl } : {}),
    ...(flags.webhookName ? { name: flags.webhookName } : {}),
    ...(flags.webhookNamespace ? { namespace: flags.webhookNamespace } : {}),
    ...(flags.webhookCertSecret ? { certSecret: flags.webhookCertSecret } : {}),
    ...(flags.webhookFailurePolicy ? { failurePolicy: flags.webhookFailurePolicy } : {}),
  };
}

/** Adds the webhook flags to `operon manifests`. */
export function addManifestWebhookFlags(cmd: Command): Command {
  return cmd
    .option(
      '--webhook',
      "add the webhooks (validation, and conversion of parents with several versions): a Service, the ValidatingWebhookConfiguration, the CRDs' conversion, their RBAC, and the Deployment flags",
    )
    .option(
      '--webhook-url <url>',
      'add the webhook, called at this URL instead of through a Service (an operator outside the cluster)',
    )
    .option(
      '--webhook-cert-secret <name>',
      'Secret holding the CA and serving certificate (default: <name>-webhook-cert)',
    )
    .addOption(failurePolicy());
}

/**
 * The webhook part of the manifests the flags ask for; undefined without `--webhook` or `--webhook-url`.
 *
 * @throws Error (a usage error) for a URL that is not `https://host:port`, or webhook flags without either.
 */
export function manifestWebhookOptions(flags: ManifestWebhookFlags): ManifestWebhookOptions | undefined {
  if (!flags.webhook && !flags.webhookUrl) {
    if (flags.webhookCertSecret || flags.webhookFailurePolicy)
      throw new Error('--webhook-cert-secret and --webhook-failure-policy need --webhook or --webhook-url');
    return undefined;
  }
  const problem = flags.webhookUrl ? webhookUrlProblem(flags.webhookUrl) : undefined;
  if (problem) throw new Error(problem.replace('webhook.url', '--webhook-url'));
  return {
    ...(flags.webhookUrl ? { url: flags.webhookUrl } : {}),
    ...(flags.webhookFailurePolicy ? { failurePolicy: flags.webhookFailurePolicy } : {}),
    ...(flags.webhookCertSecret ? { certSecret: flags.webhookCertSecret } : {}),
  };
}

/** The webhook flags of `operon crd`. */
export interface CrdWebhookFlags {
  webhook?: boolean;
  webhookUrl?: string;
  namespace?: string;
}

/** Adds the flags that give `operon crd` the conversion webhook's client configuration. */
export function addCrdWebhookFlags(cmd: Command): Command {
  return cmd
    .option(
      '--webhook',
      "parents whose versions convert: the API server reaches the operator's conversion webhook through the Service <name>-webhook in --namespace, as `operon manifests --webhook` makes it",
    )
    .option(
      '--webhook-url <url>',
      'parents whose versions convert: the API server reaches the conversion webhook at this URL instead (an operator outside the cluster, e.g. https://127.0.0.1:9443)',
    )
    .option('-n, --namespace <namespace>', 'namespace the operator runs in (with --webhook)')
    .option(
      '--name <name>',
      'name of the application, whose Service is <name>-webhook (with --webhook; default: as operon manifests)',
    );
}

/**
 * The webhook part `operon crd` asks for: a URL, the Service of `operon manifests --webhook` (with
 * `--namespace`), or undefined.
 *
 * @throws Error (a usage error) for a bad URL, both flags, or `--webhook` without `--namespace`.
 */
export function crdWebhookOptions(flags: CrdWebhookFlags): ManifestWebhookOptions | undefined {
  if (flags.webhook && flags.webhookUrl) throw new Error('give --webhook or --webhook-url, not both');
  if (flags.webhookUrl) {
    const problem = webhookUrlProblem(flags.webhookUrl);
    if (problem) throw new Error(problem.replace('webhook.url', '--webhook-url'));
    return { url: flags.webhookUrl };
  }
  if (!flags.webhook) return undefined;
  if (!flags.namespace)
    throw new Error(
      '--webhook needs --namespace: the Service <name>-webhook is in the namespace the operator runs in',
    );
  return {};
}

/**
 * The names `operon run`'s permission check looks at: the configuration and Secret the webhook will
 * use, with the defaults `resolveWebhookOptions` applies.
 */
export function webhookPermissionNames(
  webhook: WebhookOptions,
  operators: readonly { readonly name: string }[],
): { configuration: string; secret: string } {
  const configuration = webhook.name ?? operators[0]?.name ?? 'operon';
  return { configuration, secret: webhook.certSecret ?? `${configuration}-webhook-cert` };
}
