import { createRequire } from 'node:module';
import { hostname } from 'node:os';
import { type DestinationStream, type LevelWithSilent, type LoggerOptions, pino } from 'pino';
import type PinoPrettyModule from 'pino-pretty';
import { type Logger, silentLogger } from './logger.js';
import { redactSecrets } from './redact-secrets.js';

/** How {@link createLogger} writes. */
export type LogFormat = 'json' | 'pretty' | 'auto';

/** Options of {@link createLogger}; each has an environment variable and a default. */
export interface LoggingOptions {
  /** Lowest level written. Default: `LOG_LEVEL`, else `info`. */
  level?: LevelWithSilent;
  /**
   * `json`: one JSON object per line (for log collectors). `pretty`: coloured, human-readable lines.
   * `auto`: pretty when stdout is a terminal, JSON otherwise. Default: `LOG_FORMAT`, else `auto`.
   */
  format?: LogFormat;
  /** Fields on every line, e.g. `{ app: 'echo-server' }`. */
  base?: Record<string, unknown>;
  /** Extra paths to censor (pino `redact` syntax), added to {@link DEFAULT_REDACT_PATHS}. */
  redact?: readonly string[];
  /** Where JSON lines go instead of stdout (tests). Ignored by the pretty format. */
  destination?: DestinationStream;
}

/**
 * Paths censored on every line, whatever the object: credentials that may appear in request or
 * kubeconfig dumps, and `stringData`, which only Secrets have.
 */
export const DEFAULT_REDACT_PATHS: readonly string[] = [
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'token',
  '*.token',
  'password',
  '*.password',
  'stringData',
  '*.stringData',
];

const LEVELS: readonly LevelWithSilent[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * Builds the process logger Operon's production entry uses: pino, JSON lines by default, readable
 * lines in a terminal, with Secret data censored wherever it appears.
 *
 * @remarks
 * Two layers keep Secret data out of logs. pino's `redact` censors fixed credential paths
 * ({@link DEFAULT_REDACT_PATHS} plus `options.redact`). And every logged object and every child
 * logger's bindings pass through {@link redactSecrets}, which replaces each value of the `data` and
 * `stringData` of any object with `kind: 'Secret'` at any depth; so a sync that logs its request,
 * or an error that carries a child object, still logs no Secret value. Strings are not inspected:
 * never interpolate Secret values into messages.
 *
 * The pretty format runs pino-pretty in-process (synchronously), so lines are not lost when the
 * process exits right after logging; it is meant for terminals, not for throughput.
 *
 * @throws Error when `level` (or `LOG_LEVEL`) is not a pino level, naming the valid ones.
 *
 * @example
 * ```ts
 * const log = createLogger({ base: { app: 'echo-server' } }); // LOG_LEVEL=debug to see more
 * log.child({ operator: 'echo-server' }).info('started');
 * ```
 */
export function createLogger(options: LoggingOptions = {}): Logger {
  const level = options.level ?? levelFromEnv();
  const format = options.format ?? formatFromEnv();
  const pretty = format === 'pretty' || (format === 'auto' && process.stdout.isTTY === true);
  const config: LoggerOptions = {
    level,
    base: { pid: process.pid, hostname: hostname(), ...options.base },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: [...DEFAULT_REDACT_PATHS, ...(options.redact ?? [])], censor: '[REDACTED]' },
    formatters: { log: (obj) => redactSecrets(obj) },
  };
  const logger = pretty
    ? pino(
        config,
        loadPinoPretty()({
          colorize: true,
          singleLine: true,
          sync: true,
          translateTime: 'SYS:HH:MM:ss.l',
          ignore: 'pid,hostname',
        }),
      )
    : options.destination
      ? pino(config, options.destination)
      : pino(config);
  return redactChildBindings(logger);
}

/**
 * pino-pretty, loaded only when a terminal wants it: an operator in a cluster logs JSON, and the
 * module (about 30 files) would otherwise stay in its memory for nothing. `require`, not `import()`,
 * keeps {@link createLogger} synchronous (pino-pretty is CommonJS).
 */
function loadPinoPretty(): typeof PinoPrettyModule {
  return createRequire(import.meta.url)('pino-pretty') as typeof PinoPrettyModule;
}

/**
 * The logger `Operon.run` uses when given none: {@link createLogger} at `info` (JSON lines, readable
 * lines in a terminal; `LOG_LEVEL`, `LOG_FORMAT`), the same as `runOperators`. `LOG_LEVEL=silent`
 * silences it.
 *
 * @remarks
 * Under a test runner it is silent unless `LOG_LEVEL` is set, so that tests calling `Operon.run`
 * do not flood the runner's output: when `NODE_ENV` is `test`, or `NODE_TEST_CONTEXT` is set (node's
 * test runner sets it in every test file's process).
 *
 * @throws Error when `LOG_LEVEL` or `LOG_FORMAT` is invalid (see {@link createLogger}).
 */
export function defaultLogger(env: NodeJS.ProcessEnv = process.env): Logger {
  const underTest = env.NODE_ENV === 'test' || !!env.NODE_TEST_CONTEXT;
  if (underTest && !env.LOG_LEVEL?.trim()) return silentLogger();
  return createLogger({ level: levelFromEnv(env), format: formatFromEnv(env) });
}

/**
 * pino applies `formatters.bindings` to the root logger only, not to `child()` bindings. Children
 * are created with `Object.create(parent)`, so replacing `child` on the root covers every
 * descendant: their bindings are censored like log objects.
 */
function redactChildBindings(root: Logger): Logger {
  const child = root.child;
  root.child = function redactingChild(this: Logger, bindings, options) {
    return Reflect.apply(child, this, [redactSecrets(bindings), options]);
  } as Logger['child'];
  return root;
}

function levelFromEnv(env: NodeJS.ProcessEnv = process.env): LevelWithSilent {
  const raw = env.LOG_LEVEL?.trim().toLowerCase();
  if (!raw) return 'info';
  if ((LEVELS as readonly string[]).includes(raw)) return raw as LevelWithSilent;
  throw new Error(`LOG_LEVEL="${env.LOG_LEVEL}" is not a log level; use one of ${LEVELS.join(', ')}.`);
}

function formatFromEnv(env: NodeJS.ProcessEnv = process.env): LogFormat {
  const raw = env.LOG_FORMAT?.trim().toLowerCase();
  if (!raw) return 'auto';
  if (raw === 'json' || raw === 'pretty' || raw === 'auto') return raw;
  throw new Error(`LOG_FORMAT="${env.LOG_FORMAT}" is not a log format; use json, pretty or auto.`);
}
