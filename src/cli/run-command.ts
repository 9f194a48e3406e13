import { Command } from 'commander';
import { Container, type ServiceIdentifier } from 'inversify';
import { pino } from 'pino';
import type { OperatorConfig } from '../config/operator-config.js';
import { validateOperatorSet } from '../config/validate-config.js';
import { discoverOperatorsAsync } from '../di/discover-operators.js';
import { describeMissingPermissions, missingPermissions } from '../generate/check-permissions.js';
import { WATCH_NAMESPACES_ENV } from '../generate/deployment.js';
import { defaultKubeConfig } from '../runtime/host/load-kubeconfig.js';
import { OperonHost } from '../runtime/host/operon-host.js';
import { type LoadedEntry, loadEntry } from './load-entry.js';

interface RunFlags {
  watchNamespace?: string[];
  logLevel: string;
  rbacCheck: boolean;
}

/**
 * `operon run <entry>`: runs the entry's operators in one host until SIGTERM or SIGINT, then drains
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
    .addHelpText(
      'after',
      `
Credentials: in a Pod, its ServiceAccount; otherwise $KUBECONFIG, then ~/.kube/config.
Before starting, every permission the operators need is checked (SelfSubjectAccessReview); when any
is missing the command lists them all and exits with 1 instead of retrying 403s for ever.
Operators given as classes are built in an InversifyJS container with autobind, so whatever their
constructors inject is built too; export \`createContainer\` to control the bindings.`,
    )
    .action(async (entry: string, flags: RunFlags) => {
      const loaded = await loadEntry(entry);
      const configs = await runtimeConfigs(loaded);
      const namespaces = watchNamespaces(flags.watchNamespace);
      const kubeConfig = defaultKubeConfig();
      const logger = pino({ level: flags.logLevel });
      if (flags.rbacCheck) {
        const missing = await missingPermissions(kubeConfig, loaded.declarations, { namespaces });
        if (missing.length > 0) throw new Error(describeMissingPermissions(missing));
      }
      const host = new OperonHost(configs, { kubeConfig, namespaces, logger });
      const stopped = new Promise<void>((resolve) => {
        const stop = (signal: string) => {
          logger.info({ signal }, 'stopping');
          void host.stop().then(resolve);
        };
        process.once('SIGTERM', () => stop('SIGTERM'));
        process.once('SIGINT', () => stop('SIGINT'));
      });
      const starting = host.start();
      // A signal while the caches sync is a clean stop too: start() then rejects, as it was aborted.
      const first = await Promise.race([starting.then(() => 'started'), stopped.then(() => 'stopped')]);
      if (first === 'stopped') {
        await starting.catch(() => undefined);
        return;
      }
      logger.info({ operators: host.operators, namespaces: namespaces ?? 'all' }, 'operators running');
      await stopped;
    });
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
