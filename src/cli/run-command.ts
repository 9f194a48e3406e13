import { Command, InvalidArgumentError, Option } from 'commander';
import { Container, type ServiceIdentifier } from 'inversify';
import type { LevelWithSilent } from 'pino';
import { APP_DEFAULTS, type MetricsServerOptions, type ServerOptions } from '../app/app-options.js';
import { parseBindAddress } from '../app/bind-address.js';
import { planEndpoints } from '../app/endpoint-plan.js';
import { OperonApp } from '../app/operon-app.js';
import type { OperatorConfig } from '../config/operator-config.js';
import { validateOperatorSet } from '../config/validate-config.js';
import { discoverOperatorsAsync } from '../di/discover-operators.js';
import { describeMissingPermissions, missingPermissions } from '../generate/check-permissions.js';
import { WATCH_NAMESPACES_ENV } from '../generate/deployment.js';
import { createLogger } from '../observability/create-logger.js';
import { defaultKubeConfig } from '../runtime/host/load-kubeconfig.js';
import {
  addRunWebhookFlags,
  type RunWebhookFlags,
  runWebhookOptions,
  webhookPermissionNames,
} from '../webhooks/cli-flags.js';
import { UsageError } from './cli-errors.js';
import { type LoadedEntry, loadEntry } from './load-entry.js';

interface RunFlags extends RunWebhookFlags {
  watchNamespace?: string[];
  logLevel: string;
  rbacCheck: boolean;
  healthBindAddress?: string;
  metricsBindAddress?: string;
  healthPort?: string;
  metricsPort?: string;
  metricsSecure: boolean;
  metricsCertDir?: string;
  metricsCertName: string;
  metricsCertKey: string;
  leaderElect: boolean;
  leaseName?: string;
  leaseNamespace?: string;
  shard: boolean;
  shardKey: 'name' | 'namespace';
  shardGroup?: string;
}

/**
 * `operon run <entry>`: runs the entry's operators as an {@link OperonApp} (probes on /healthz and
 * /readyz over HTTP on :8081, Prometheus on /metrics over HTTPS with TokenReview and
 * SubjectAccessReview on :8443, optional leader election) until SIGTERM or SIGINT, then drains and
 * exits. This is what the generated Deployment runs. The server flags are controller-runtime's.
 */
export function runCommand(): Command {
  const command = new Command('run')
    .description('run the operators in <entry> until SIGTERM or SIGINT (what the generated Deployment runs)')
    .argument('<entry>', 'compiled module that defines or registers the operators (see `operon crd --help`)')
    .option(
      '-w, --watch-namespace <namespaces...>',
      `namespaces to watch (repeat, or separate with commas); default $${WATCH_NAMESPACES_ENV}, else all`,
    )
    .option('--log-level <level>', 'pino log level', process.env.LOG_LEVEL ?? 'info')
    .option('--no-rbac-check', 'do not check the RBAC permissions before starting')
    .option(
      '--health-bind-address <host:port>',
      `where /healthz, /livez and /readyz listen, plain HTTP: host:port, :port for every interface, 0 for off (default: ":${APP_DEFAULTS.healthPort}")`,
    )
    .option(
      '--metrics-bind-address <host:port>',
      `where /metrics listens: host:port, :port for every interface, 0 for off (default: ":${APP_DEFAULTS.metricsPort}", or ":${APP_DEFAULTS.insecureMetricsPort}" with --metrics-secure=false)`,
    )
    .addOption(
      new Option(
        '--metrics-secure [bool]',
        'serve /metrics over HTTPS, only to bearer tokens that pass a TokenReview and a SubjectAccessReview (get /metrics); false: plain HTTP, no authentication',
      )
        .argParser(parseBoolean)
        .default(true),
    )
    .option(
      '--metrics-cert-dir <dir>',
      'folder with the metrics certificate and key (reloaded when they change); default: a self-signed certificate generated at start',
    )
    .option('--metrics-cert-name <file>', 'certificate file in --metrics-cert-dir', APP_DEFAULTS.certFile)
    .option('--metrics-cert-key <file>', 'key file in --metrics-cert-dir', APP_DEFAULTS.keyFile)
    .addOption(
      new Option(
        '--health-port <port>',
        'same as --health-bind-address :<port> (0 turns the probes off)',
      ).conflicts('healthBindAddress'),
    )
    .addOption(
      new Option(
        '--metrics-port <port>',
        'same as --metrics-bind-address :<port> (0 turns /metrics off)',
      ).conflicts('metricsBindAddress'),
    )
    .option('--leader-elect', 'only the holder of a Lease reconciles (run 2+ replicas)', false)
    .option('--lease-name <name>', "name of the Lease (default: the first operator's name)")
    .option('--lease-namespace <namespace>', 'namespace of the Lease(s) (default: $POD_NAMESPACE)')
    .addOption(
      new Option(
        '--shard',
        'each replica reconciles its share of the parents, over a ring of membership Leases (run 2+ replicas)',
      )
        .default(false)
        .conflicts('leaderElect'),
    )
    .addOption(
      new Option(
        '--shard-key <key>',
        "what decides a parent's replica: its namespace/name, or its namespace alone",
      )
        .choices(['name', 'namespace'])
        .default('name'),
    )
    .option(
      '--shard-group <name>',
      "name the replicas of one application share (default: the first operator's name)",
    )
    .addHelpText(
      'after',
      `
Credentials: in a Pod, its ServiceAccount; otherwise $KUBECONFIG, then ~/.kube/config.
Before starting, every permission the operators need is checked (SelfSubjectAccessReview), with
create on tokenreviews and subjectaccessreviews when metrics are secure; when any is missing the
command lists them all and exits with 1 instead of retrying 403s for ever.
Scraping secure metrics: \`curl -k -H "Authorization: Bearer $TOKEN" https://<pod>:8443/metrics\`,
with the token of a ServiceAccount bound to the <app>-metrics-reader ClusterRole (operon manifests).
Operators given as classes are built in an InversifyJS container with autobind, so whatever their
constructors inject is built too; export \`createContainer\` to control the bindings.
Sharding (--shard): every replica holds a Lease "operon-shard-<group>-<identity>" and reconciles the
parents that hash to it over the live replicas; a replica that stops renewing leaves after the lease
duration, one that shuts down leaves at once, and parents change hands only after their old owner
has stopped reconciling them.
SIGTERM/SIGINT: stop taking work, finish in-flight reconciles (30 s), release the Lease, exit 0.`,
    )
    .action(async (entry: string, flags: RunFlags) => {
      const servers = serverOptions(flags);
      planEndpoints(servers); // a ConfigError now, before anything is loaded or asked of the cluster
      const webhook = usage(() => runWebhookOptions(flags));
      const { loaded, configs, namespaces, kubeConfig } = await loadForRun(entry, flags.watchNamespace);
      if (flags.rbacCheck) {
        await refuseMissingPermissions(kubeConfig, loaded.declarations, {
          namespaces,
          leaderElection: flags.leaderElect,
          sharding: flags.shard,
          ownNamespace: flags.leaseNamespace ?? flags.webhookNamespace ?? process.env.POD_NAMESPACE,
          secureMetrics: servers.metricsServer !== false && servers.metricsServer.secure !== false,
          webhook: webhook && webhookPermissionNames(webhook, configs),
        });
      }
      const logger = createLogger({ level: flags.logLevel as LevelWithSilent });
      const app = new OperonApp(configs, {
        kubeConfig,
        namespaces,
        logger,
        ...servers,
        webhook,
        leaderElection: flags.leaderElect
          ? { leaseName: flags.leaseName ?? configs[0]?.name ?? 'operon', namespace: flags.leaseNamespace }
          : false,
        sharding: flags.shard
          ? {
              group: flags.shardGroup ?? configs[0]?.name ?? 'operon',
              key: flags.shardKey,
              namespace: flags.leaseNamespace,
            }
          : false,
      });
      await app.start();
      logger.info(
        { operators: configs.map((c) => c.name), namespaces: namespaces ?? 'all' },
        'operators running',
      );
    });
  return addRunWebhookFlags(command);
}

/** Runs `parse`, turning what it throws into a usage error (exit code 2, no stack). */
function usage<T>(parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** The servers the flags ask for; a bind address or port of 0 turns a server off. */
function serverOptions(flags: RunFlags): {
  healthServer: ServerOptions | false;
  metricsServer: MetricsServerOptions | false;
} {
  const health = serverOn(
    flags.healthBindAddress ??
      portAddress(flags.healthPort, '--health-port') ??
      `:${APP_DEFAULTS.healthPort}`,
    flags.healthBindAddress !== undefined ? '--health-bind-address' : '--health-port',
  );
  const defaultMetricsPort = flags.metricsSecure
    ? APP_DEFAULTS.metricsPort
    : APP_DEFAULTS.insecureMetricsPort;
  const metrics = serverOn(
    flags.metricsBindAddress ?? portAddress(flags.metricsPort, '--metrics-port') ?? `:${defaultMetricsPort}`,
    flags.metricsBindAddress !== undefined ? '--metrics-bind-address' : '--metrics-port',
  );
  const certificate = flags.metricsCertDir
    ? { certDir: flags.metricsCertDir, certFile: flags.metricsCertName, keyFile: flags.metricsCertKey }
    : {};
  return {
    healthServer: health,
    metricsServer: metrics && { ...metrics, secure: flags.metricsSecure, ...certificate },
  };
}

function serverOn(address: string, flag: string): ServerOptions | false {
  try {
    return parseBindAddress(address);
  } catch (e) {
    throw new UsageError(`${flag}: ${(e as Error).message}`);
  }
}

/** `--health-port 8081` as the bind address `:8081`; `0` stays `0` (off). */
function portAddress(port: string | undefined, flag: string): string | undefined {
  if (port === undefined) return undefined;
  const n = Number(port);
  if (port.trim() === '' || !Number.isInteger(n) || n < 0 || n > 65_535)
    throw new UsageError(`${flag} must be a port number (0 turns it off), not "${port}"`);
  return n === 0 ? '0' : `:${n}`;
}

/** Go's `strconv.ParseBool` spellings, so `--metrics-secure=false` reads as in controller-runtime. */
function parseBoolean(value: string): boolean {
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(value)) return false;
  throw new InvalidArgumentError('expected true or false.');
}

/** Builds the operators to run: containers resolved as Operon.run does, classes autobound, configs as given. */
export async function runtimeConfigs(loaded: LoadedEntry): Promise<OperatorConfig<unknown>[]> {
  const configs: OperatorConfig<unknown>[] = [...loaded.configs];
  for (const container of loaded.containers) configs.push(...(await discoverOperatorsAsync(container)));
  if (loaded.classes.length > 0) {
    const container = new Container({ autobind: true, defaultScope: 'Singleton' });
    for (const cls of loaded.classes) {
      const id = cls as unknown as ServiceIdentifier<object>;
      if (!container.isBound(id)) container.bind(id).toSelf();
    }
    configs.push(...(await discoverOperatorsAsync(container)));
  }
  validateOperatorSet(configs);
  return configs;
}

/**
 * What `operon run` and `operon record` start from: the entry's operators as the runtime takes them,
 * the watched namespaces (`-w`, else the environment) and the kubeconfig.
 */
export async function loadForRun(entry: string, watchFlag: string[] | undefined) {
  const loaded = await loadEntry(entry);
  const configs = await runtimeConfigs(loaded);
  return { loaded, configs, namespaces: watchNamespaces(watchFlag), kubeConfig: defaultKubeConfig() };
}

/** Checks the permissions before starting, and fails listing every missing one. */
export async function refuseMissingPermissions(
  ...args: Parameters<typeof missingPermissions>
): Promise<void> {
  const missing = await missingPermissions(...args);
  if (missing.length > 0) throw new Error(describeMissingPermissions(missing));
}

export function watchNamespaces(flag: string[] | undefined): string[] | undefined {
  const raw = flag?.length ? flag : (process.env[WATCH_NAMESPACES_ENV] ?? '').split(',');
  const list = raw
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);
  return list.length ? list : undefined;
}
