import { Command, InvalidArgumentError, Option } from 'commander';
import { type LevelWithSilent, pino } from 'pino';
import { WATCH_NAMESPACES_ENV } from '../generate/deployment.js';
import { createLogger } from '../observability/create-logger.js';
import { formatPlan } from '../plan/format.js';
import { planCluster } from '../plan/plan-cluster.js';
import { PLAN_EXIT, planExitCode } from '../plan/summary.js';
import { describeFailure } from './cli-errors.js';
import { loadEntry } from './load-entry.js';
import { runtimeConfigs, watchNamespaces } from './run-command.js';

interface PlanFlags {
  namespace?: string;
  watchNamespace: string[];
  parent: string[];
  operator: string[];
  output: 'text' | 'json';
  timeout: number;
  syncTimeout: number;
  logLevel: string;
}

/**
 * `operon plan <entry>`: what the entry's operators would change in the cluster, changing nothing.
 * Exit codes as `terraform plan -detailed-exitcode`: 0 nothing would change, 2 something would,
 * 1 an error (including a usage error, so that 2 only ever means "changes").
 */
export function planCommand(): Command {
  return (
    new Command('plan')
      .description(
        'show what the operators in <entry> would change in the cluster (children, status, finalizers), reading only',
      )
      .argument(
        '<entry>',
        'compiled module that defines or registers the operators (see `operon crd --help`)',
      )
      .option(
        '-n, --namespace <namespace>',
        'plan only the parents in this namespace (and, without --watch-namespace, watch only it, so a Role there is enough)',
      )
      .option(
        '-w, --watch-namespace <namespace>',
        `the namespaces the operators watch, as \`operon run\` (repeat, or separate with commas); default $${WATCH_NAMESPACES_ENV}, else all`,
        collect,
        [],
      )
      .option(
        '--parent <key>',
        'plan only this parent: namespace/name, or name if cluster-scoped (repeat)',
        collect,
        [],
      )
      .option('--operator <name>', 'plan only this operator (repeat)', collect, [])
      .addOption(
        new Option('-o, --output <format>', 'text for people, json for machines')
          .choices(['text', 'json'])
          .default('text'),
      )
      .option('--timeout <seconds>', 'how long to wait for the caches to fill', seconds, 60)
      .option('--sync-timeout <seconds>', 'deadline of each sync call (as reconcileTimeoutMs)', seconds, 60)
      // `error`: a list the command fails on is reported once, as its error, not also as a retry warning.
      .option('--log-level <level>', 'pino log level of what the informers and sync log, on stderr', 'error')
      .addHelpText(
        'after',
        `
Read-only: lists, watches and gets, nothing else (the API client refuses every other request before
sending it), so a role with get, list and watch on the parents, the child types and the related types
is enough. \`sync\` runs as at run time; \`finalize\` never runs. Credentials as \`operon run\`.

Exit codes: 0 nothing would change; 2 something would (a child created, updated, recreated or
deleted, a name conflict, a status write, a finalizer); 1 an error: the entry, the cluster, a list
that is forbidden, or a parent that cannot be planned (invalid spec, sync threw, invalid response).

Example: v1 runs in the cluster; before deploying v2,
  npx operon plan dist/v2/main.js -n shop            # what v2 would change, parent by parent
  npx operon plan dist/v2/main.js -o json | jq .summary`,
      )
      .action(async (entry: string, flags: PlanFlags) => {
        process.exitCode = await runPlan(entry, flags);
      })
  );
}

/** The command's work, with every failure turned into exit code 1 (2 is taken by "changes"). */
async function runPlan(entry: string, flags: PlanFlags): Promise<number> {
  try {
    const loaded = await loadEntry(entry);
    const configs = await runtimeConfigs(loaded);
    const watched = watchNamespaces(flags.watchNamespace);
    const logger = createLogger({
      level: flags.logLevel as LevelWithSilent,
      format: 'json',
      destination: pino.destination({ dest: 2, sync: true }),
    });
    const plan = await planCluster(configs, {
      namespaces: watched ?? (flags.namespace ? [flags.namespace] : undefined),
      namespace: flags.namespace,
      parents: flags.parent,
      operators: flags.operator,
      cacheTimeoutMs: flags.timeout * 1000,
      syncTimeoutMs: flags.syncTimeout * 1000,
      logger,
    });
    process.stdout.write(flags.output === 'json' ? `${JSON.stringify(plan, null, 2)}\n` : formatPlan(plan));
    return planExitCode(plan);
  } catch (e) {
    process.stderr.write(`operon: ${describeFailure(e).message}\n`);
    return PLAN_EXIT.error;
  }
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function seconds(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0)
    throw new InvalidArgumentError('expected a number of seconds greater than 0.');
  return n;
}
