import { Command } from 'commander';
import { Container, type ServiceIdentifier } from 'inversify';
import type { LevelWithSilent } from 'pino';
import { OperonApp } from '../app/operon-app.js';
import type { OperatorConfig } from '../config/operator-config.js';
import { validateOperatorSet } from '../config/validate-config.js';
import { discoverOperatorsAsync } from '../di/discover-operators.js';
import { describeMissingPermissions, missingPermissions } from '../generate/check-permissions.js';
import { WATCH_NAMESPACES_ENV } from '../generate/deployment.js';
import { createLogger } from '../observability/create-logger.js';
import { defaultKubeConfig } from '../runtime/host/load-kubeconfig.js';
import { UsageError } from './cli-errors.js';
import { type LoadedEntry, loadEntry } from './load-entry.js';

interface RunFlags {
  watchNamespace?: string[];
  logLevel: string;
  rbacCheck: boolean;
  healthPort: string;
  metricsPort: string;
  leaderElect: boolean;
  leaseName?: string;
  leaseNamespace?: string;
}

/**
 * `operon run <entry>`: runs the entry's operators as an {@link OperonApp} (probes on /healthz and
 * /readyz, Prometheus on /metrics, optional leader election) until SIGTERM or SIGINT, then drains
 * and exits. This is what the generated Deployment runs.
 */
export function runCommand(): Command {
  return new Command('run')
    .description('run the operators in <entry> until SIGTERM or SIGINT (what the generated Deployment runs)')
    .argument('<entry>', 'compiled module that defines or registers the operators (see `operon crd --help`)')
    .option(
      '-w, --watch-namespace <namespaces...>',
      `namespaces to watch (repeat, or separate with commas); default $${WATCH_NAMESPACES_ENV}, else all`,
    )
    .option('--log-level <level>', 'pino log level', process.env.LOG_LEVEL ?? 'info')
    .option('--no-rbac-check', 'do not check the RBAC permissions before starting')
    .option('--health-port <port>', '/healthz, /livez and /readyz port; 0 turns them off', '8081')
    .option('--metrics-port <port>', '/metrics port; 0 turns it off', '8080')
    .option('--leader-elect', 'only the holder of a Lease reconciles (run 2+ replicas)', false)
    .option('--lease-name <name>', "name of the Lease (default: the first operator's name)")
    .option('--lease-namespace <namespace>', 'namespace of the Lease (default: $POD_NAMESPACE)')
    .addHelpText(
      'after',
      `
Credentials: in a Pod, its ServiceAccount; otherwise $KUBECONFIG, then ~/.kube/config.
Before starting, every permission the operators need is checked (SelfSubjectAccessReview); when any
is missing the command lists them all and exits with 1 instead of retrying 403s for ever.
Operators given as classes are built in an InversifyJS container with autobind, so whatever their
constructors inject is built too; export \`createContainer\` to control the bindings.
SIGTERM/SIGINT: stop taking work, finish in-flight reconciles (30 s), release the Lease, exit 0.`,
    )
    .action(async (entry: string, flags: RunFlags) => {
      const loaded = await loadEntry(entry);
      const configs = await runtimeConfigs(loaded);
      const namespaces = watchNamespaces(flags.watchNamespace);
      const kubeConfig = defaultKubeConfig();
      if (flags.rbacCheck) {
        const missing = await missingPermissions(kubeConfig, loaded.declarations, {
          namespaces,
          leaderElection: flags.leaderElect,
          ownNamespace: flags.leaseNamespace ?? process.env.POD_NAMESPACE,
        });
        if (missing.length > 0) throw new Error(describeMissingPermissions(missing));
      }
      const logger = createLogger({ level: flags.logLevel as LevelWithSilent });
      const app = new OperonApp(configs, {
        kubeConfig,
        namespaces,
        logger,
        healthServer: serverOn(flags.healthPort, '--health-port'),
        metricsServer: serverOn(flags.metricsPort, '--metrics-port'),
        leaderElection: flags.leaderElect
          ? { leaseName: flags.leaseName ?? configs[0]?.name ?? 'operon', namespace: flags.leaseNamespace }
          : false,
      });
      await app.start();
      logger.info(
        { operators: configs.map((c) => c.name), namespaces: namespaces ?? 'all' },
        'operators running',
      );
    });
}

function serverOn(port: string, flag: string): { port: number } | false {
  const n = Number(port);
  if (!Number.isInteger(n) || n < 0 || n > 65_535)
    throw new UsageError(`${flag} must be a port number (0 turns it off), not "${port}"`);
  return n === 0 ? false : { port: n };
}

/** Builds the operators to run: containers resolved as Operon.run does, classes autobound, configs as given. */
async function runtimeConfigs(loaded: LoadedEntry): Promise<OperatorConfig<unknown>[]> {
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

function watchNamespaces(flag: string[] | undefined): string[] | undefined {
  const raw = flag?.length ? flag : (process.env[WATCH_NAMESPACES_ENV] ?? '').split(',');
  const list = raw
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);
  return list.length ? list : undefined;
}
