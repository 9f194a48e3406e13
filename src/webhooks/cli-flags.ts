// The `operon run` and `operon manifests` flags of the validating webhook. Only src/cli imports this
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
      "serve the validating webhook, which the API server reaches through this Service (in the operator's namespace)",
    )
    .option(
      '--webhook-url <url>',
      'serve the validating webhook, which the API server reaches at this URL (an operator outside the cluster, e.g. https://127.0.0.1:9443)',
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
      'add the validating webhook: a Service, the ValidatingWebhookConfiguration, its RBAC, and the Deployment flags',
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
