import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import type { LevelWithSilent } from 'pino';
import type { OperatorConfig } from '../config/operator-config.js';
import { WATCH_NAMESPACES_ENV } from '../generate/deployment.js';
import { createLogger } from '../observability/create-logger.js';
import { OperonHost } from '../runtime/host/operon-host.js';
import { DEFAULT_START_TIMEOUT_MS, startWithin } from '../runtime/host/start-within.js';
import { readFixtures } from '../runtime/record/index.js';
import { type ReplayResult, replayFixtures } from '../testkit/replay.js';
import { EXIT, UsageError } from './cli-errors.js';
import { loadEntry } from './load-entry.js';
import { loadForRun, refuseMissingPermissions, runtimeConfigs } from './run-command.js';

interface RecordFlags {
  out: string;
  watchNamespace?: string[];
  redactPath: string[];
  redactField: string[];
  duration?: number;
  startTimeout: number;
  logLevel: string;
  rbacCheck: boolean;
}

/**
 * `operon record <entry> --out <dir>`: runs the entry's operators, as `operon run` does but without
 * probes, metrics or leader election, and records every distinct sync request and its response as
 * a fixture, until SIGINT/SIGTERM or `--duration`.
 */
export function recordCommand(): Command {
  return new Command('record')
    .description(
      'run the operators in <entry> and record every distinct sync request and response as JSON fixtures (for replayFixtures / operon replay)',
    )
    .argument('<entry>', 'compiled module that defines or registers the operators (see `operon crd --help`)')
    .requiredOption('-o, --out <dir>', 'folder to write the fixtures to (created if missing)')
    .option(
      '-w, --watch-namespace <namespaces...>',
      `namespaces to watch (repeat, or separate with commas); default $${WATCH_NAMESPACES_ENV}, else all`,
    )
    .option(
      '--redact-path <path>',
      'also redact this path of every recorded object, e.g. spec.password or spec.env.*.value (repeatable)',
      collect,
      [],
    )
    .option(
      '--redact-field <key>',
      'also redact this key wherever it appears, e.g. token (repeatable)',
      collect,
      [],
    )
    .option(
      '--duration <seconds>',
      'stop after this many seconds (default: at SIGINT or SIGTERM)',
      parseSeconds,
    )
    .option(
      '--start-timeout <seconds>',
      'fail if the caches have not synced by then (0 waits for ever)',
      parseStartTimeout,
      DEFAULT_START_TIMEOUT_MS / 1000,
    )
    .option('--log-level <level>', 'pino log level', process.env.LOG_LEVEL ?? 'info')
    .option('--no-rbac-check', 'do not check the RBAC permissions before starting')
    .addHelpText(
      'after',
      `
The operators run for real: they reconcile and write like \`operon run\`. Record where the operator
is meant to run (a staging cluster, or in place of the deployed one, scaled to 0), never beside
another copy of it. Secret data and stringData are always redacted (values replaced, keys kept).
Fixtures go to <dir>/<operator>/<namespace>/<name>-<hash>.json, one per distinct request.
Replay them: replayFixtures(operator, dir) in a test, or operon replay <entry> <dir>.`,
    )
    .action(async (entry: string, flags: RecordFlags) => {
      const { loaded, configs, namespaces, kubeConfig } = await loadForRun(entry, flags.watchNamespace);
      if (flags.rbacCheck) {
        await refuseMissingPermissions(kubeConfig, loaded.declarations, {
          namespaces,
          leaderElection: false,
          secureMetrics: false,
        });
      }
      const logger = createLogger({ level: flags.logLevel as LevelWithSilent });
      const before = countJson(flags.out);
      const host = new OperonHost(configs, {
        kubeConfig,
        namespaces,
        logger,
        record: { dir: flags.out, redact: { paths: flags.redactPath, fields: flags.redactField } },
      });
      const stopped = untilStopped(flags.duration);
      try {
        await startWithin(host, {
          timeoutMs: flags.startTimeout * 1000,
          configs,
          option: '--start-timeout <seconds>',
        });
        logger.info(
          { operators: configs.map((c) => c.name), namespaces: namespaces ?? 'all', out: flags.out },
          'recording',
        );
        await stopped.promise;
      } finally {
        stopped.dispose();
        await host.stop();
      }
      const added = countJson(flags.out) - before;
      process.stderr.write(`operon record: ${added} new fixture file(s) in ${flags.out}\n`);
    });
}

interface ReplayFlags {
  update: boolean;
  operator?: string[];
}

/**
 * `operon replay <entry> <dir>`: replays the fixtures of every operator of the entry, prints each
 * difference, and exits 1 when a response changed (0 with `--update`, which rewrites them).
 */
export function replayCommand(): Command {
  return new Command('replay')
    .description(
      'replay recorded fixtures against the operators in <entry>, without a cluster, and show every response that changed',
    )
    .argument('<entry>', 'compiled module that defines or registers the operators')
    .argument('<dir>', 'folder of fixtures (from operon record or the host option record)')
    .option('-u, --update', 'rewrite each changed fixture with the new response (snapshot update)', false)
    .option(
      '--operator <names...>',
      'replay only these operators (default: every operator that has fixtures)',
    )
    .addHelpText(
      'after',
      '\nExit codes: 0 every response as recorded (or rewritten with --update), 1 a response changed or a fixture failed, 2 usage error.',
    )
    .action(async (entry: string, dir: string, flags: ReplayFlags) => {
      const fixtures = readFixtures(dir);
      const recorded = new Set(fixtures.map((f) => f.fixture.operator));
      const loaded = await loadEntry(entry);
      const configs = await runtimeConfigs(loaded);
      const wanted = flags.operator?.length ? flags.operator : undefined;
      for (const name of wanted ?? []) {
        if (!configs.some((c) => c.name === name)) {
          throw new UsageError(
            `--operator ${name}: ${entry} has no such operator (it has ${configs.map((c) => c.name).join(', ')}).`,
          );
        }
      }
      const selected = configs.filter((c) => (wanted ? wanted.includes(c.name) : recorded.has(c.name)));
      if (selected.length === 0) {
        throw new Error(
          `${dir} holds no fixture of the operators in ${entry} (${names(configs)}); it holds fixtures of ${
            recorded.size > 0 ? [...recorded].join(', ') : 'none'
          }.`,
        );
      }
      const results: ReplayResult[] = [];
      for (const config of selected)
        results.push(await replayFixtures(config, dir, { update: flags.update }));
      for (const r of results) process.stdout.write(`${r.report}\n`);
      const unused = [...recorded].filter((n) => !configs.some((c) => c.name === n));
      if (unused.length > 0 && !wanted) {
        process.stderr.write(
          `operon replay: skipped fixtures of operators not in ${entry}: ${unused.join(', ')}\n`,
        );
      }
      if (!results.every((r) => r.ok)) {
        process.stderr.write('operon replay: responses changed; run with --update to accept them\n');
        process.exitCode = EXIT.failure;
      }
    });
}

function names(configs: readonly OperatorConfig<unknown>[]): string {
  return configs.map((c) => c.name).join(', ');
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function parseSeconds(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) {
    throw new InvalidArgumentError('expected a number of seconds greater than 0.');
  }
  return n;
}

function parseStartTimeout(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) {
    throw new InvalidArgumentError('expected a number of seconds (0 waits for ever).');
  }
  return n;
}

/** Resolves at SIGINT, SIGTERM or after `seconds`; `dispose` removes the handlers and the timer. */
function untilStopped(seconds: number | undefined): { promise: Promise<void>; dispose: () => void } {
  let finish!: () => void;
  const promise = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const timer = seconds === undefined ? undefined : setTimeout(finish, seconds * 1000);
  process.once('SIGINT', finish);
  process.once('SIGTERM', finish);
  return {
    promise,
    dispose: () => {
      if (timer) clearTimeout(timer);
      process.off('SIGINT', finish);
      process.off('SIGTERM', finish);
    },
  };
}

/** `.json` files under `dir`, recursively; 0 when it does not exist. */
function countJson(dir: string): number {
  if (!existsSync(dir)) return 0;
  let n = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) n += countJson(join(dir, entry.name));
    else if (entry.name.endsWith('.json')) n++;
  }
  return n;
}
