import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Container, ServiceIdentifier } from 'inversify';
import type { OperatorConfig } from '../config/operator-config.js';
import { operatorConfigProblems, operatorSetProblems } from '../config/validate-config.js';
import { listOperatorClasses } from '../decorators/operator-registry.js';
import { type OperatorClass, readOperatorMetadata } from '../decorators/read-metadata.js';
import { ConfigError, OperonError } from '../errors/operon-error.js';
import { declarationsFromClasses } from '../generate/from-classes.js';
import { whileLoadingEntry } from '../runtime/host/start-guard.js';
import { EXIT, UsageError } from './cli-errors.js';

/**
 * What an entry module provides: operators as classes, as hand-written configs, or in a container.
 *
 * @remarks
 * `declarations` are for generation (built without constructing anything); the rest is what
 * `operon run` needs to build the running operators.
 */
export interface LoadedEntry {
  /** Absolute path of the module. */
  readonly path: string;
  /** Every operator, for CRD / RBAC / manifest generation. */
  readonly declarations: readonly OperatorConfig<unknown>[];
  /** Operator classes to run in a container Operon makes (`autobind`). */
  readonly classes: readonly OperatorClass[];
  /** Containers the module built, whose bound operators run. */
  readonly containers: readonly Container[];
  /** Hand-written configs, run as they are. */
  readonly configs: readonly OperatorConfig<unknown>[];
}

/** The exports an entry module may use, in the order they are read. */
export const ENTRY_EXPORTS = ['operators', 'configs', 'container', 'createContainer', 'default'] as const;

/**
 * Imports an entry module and finds its operators.
 *
 * @remarks
 * The module (compiled JavaScript) may export any of:
 * - `operators`: an array of `@Operator` classes;
 * - `configs`: an array of hand-written `OperatorConfig`s (or one);
 * - `container`: an InversifyJS container with the operators bound, or `createContainer`: a
 *   function (possibly async) returning one. Generation reads the bound `@Operator` classes without
 *   resolving them; `operon run` resolves them as `Operon.run` does;
 * - `default`: any of the above.
 * If it exports none of these, every `@Operator` class evaluated while importing it (its own and
 * those of the modules it imports) is an operator.
 *
 * The module must only define operators, not run them: while it is imported (and its
 * `createContainer` called), `Operon.run`, `runOperators` and `OperonHost.start` are refused, and so
 * is any start the module defers (see {@link whileLoadingEntry}). Such a module would hang
 * `operon crd` and make `operon run` run every operator twice.
 *
 * @throws UsageError when the file does not exist or is TypeScript, or when importing it starts
 * operators; Error when importing it fails or it defines no operator; ConfigError for invalid
 * decorator use.
 */
export async function loadEntry(entry: string): Promise<LoadedEntry> {
  const path = resolve(entry);
  if (!existsSync(path) || !statSync(path).isFile()) {
    throw new UsageError(
      `Cannot find the entry module ${entry} (resolved to ${path}). Pass the path of the compiled .js module that defines or registers your operators.`,
    );
  }
  if (/\.[cm]?tsx?$/.test(path) && !/\.d\.[cm]?ts$/.test(path)) {
    throw new UsageError(
      `${entry} is TypeScript; Node cannot import it as it is. Compile it (tsc) and pass the .js file it becomes.`,
    );
  }
  const { mod, found } = await importGuarded(entry, path);
  const explicit = ENTRY_EXPORTS.some((k) => mod[k] !== undefined);
  const classes = explicit ? found.classes : [...listOperatorClasses()];
  const fromContainers = found.containers.flatMap((c) =>
    listOperatorClasses().filter((cls) => c.isBound(cls as unknown as ServiceIdentifier<object>)),
  );
  const declarations = [
    ...declarationsFromClasses([...new Set([...classes, ...fromContainers])]),
    ...found.configs,
  ];
  const problems = [...found.configs.flatMap(operatorConfigProblems), ...operatorSetProblems(declarations)];
  if (problems.length > 0) throw new ConfigError(problems);
  if (declarations.length === 0) {
    throw new Error(
      `${entry} defines no operator. Decorate a class with @Operator (and import its module from ${entry}), or export \`operators\` (classes), \`configs\` (OperatorConfig objects), or \`container\` / \`createContainer\` (an InversifyJS container with the operators bound).`,
    );
  }
  return { path, declarations, classes, containers: found.containers, configs: found.configs };
}

/**
 * Imports the entry and reads its exports with operator starts refused, failing at the first start
 * even when the module swallows the refusal or keeps awaiting something else.
 */
async function importGuarded(
  entry: string,
  path: string,
): Promise<{ mod: Record<string, unknown>; found: Found }> {
  let refused: Error | undefined;
  let loading = true;
  let refuse!: (e: Error) => void;
  const refusal = new Promise<never>((_, reject) => {
    refuse = reject;
  });
  const onStart = (_what: string, error: Error): void => {
    if (loading) {
      refused ??= error;
      refuse(error);
      return;
    }
    // A start the module deferred past its import (`main()` after an await): refused where it was
    // called, and the command ends now, before the module's error handling or `operon run`'s own
    // host can keep the process up.
    process.stderr.write(`operon: ${error.message}\n`);
    process.exit(EXIT.usage);
  };
  const load = whileLoadingEntry(entry, onStart, async () => {
    let mod: Record<string, unknown>;
    try {
      mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
    } catch (e) {
      if (refused) throw refused;
      if (OperonError.is(e)) throw e;
      const why = e instanceof Error ? e.message : String(e);
      throw new Error(`Loading ${entry} failed: ${why}`, { cause: e });
    }
    return { mod, found: await collect(mod) };
  });
  load.catch(() => undefined); // when the refusal wins the race, the import may still fail later
  try {
    return await Promise.race([load, refusal]);
  } catch (e) {
    if (!refused) throw e;
    // The module may still hold the process up (a timer, a server it started): once the command has
    // reported the refusal, end the process with the exit code it set.
    setTimeout(() => process.exit(), 1_000).unref();
    throw new UsageError(refused.message);
  } finally {
    loading = false;
  }
}

interface Found {
  classes: OperatorClass[];
  configs: OperatorConfig<unknown>[];
  containers: Container[];
}

async function collect(mod: Record<string, unknown>): Promise<Found> {
  const found: Found = { classes: [], configs: [], containers: [] };
  for (const key of ENTRY_EXPORTS) {
    const value = mod[key];
    if (value === undefined) continue;
    const problem = await classify(value, key, found);
    if (problem) throw new Error(`The entry module's \`${key}\` export ${problem}`);
  }
  return found;
}

// Sorts one export into `found`; returns what is wrong with it, if anything.
async function classify(value: unknown, key: string, found: Found): Promise<string | undefined> {
  if (Array.isArray(value)) {
    for (const item of value) {
      const problem = await classify(item, key, found);
      if (problem) return problem;
    }
    return undefined;
  }
  if (isContainer(value)) {
    found.containers.push(value);
    return undefined;
  }
  if (typeof value === 'function') {
    if (readOperatorMetadata(value)) {
      found.classes.push(value as OperatorClass);
      return undefined;
    }
    if (key !== 'createContainer' && key !== 'default') {
      return `holds ${value.name || 'a function'}, which has no @Operator decorator.`;
    }
    let made: unknown;
    try {
      made = await (value as () => unknown)();
    } catch (e) {
      return `must be a function returning an InversifyJS Container; calling it failed: ${e instanceof Error ? e.message : String(e)}`;
    }
    if (!isContainer(made)) return 'must be a function returning an InversifyJS Container.';
    found.containers.push(made);
    return undefined;
  }
  if (isConfig(value)) {
    found.configs.push(value);
    return undefined;
  }
  return 'is neither an @Operator class, an OperatorConfig, nor an InversifyJS Container.';
}

function isContainer(value: unknown): value is Container {
  const c = value as Partial<Container> | null;
  return (
    typeof c === 'object' && c !== null && typeof c.isBound === 'function' && typeof c.get === 'function'
  );
}

function isConfig(value: unknown): value is OperatorConfig<unknown> {
  const c = value as Partial<OperatorConfig<unknown>> | null;
  return (
    typeof c === 'object' &&
    c !== null &&
    typeof c.name === 'string' &&
    typeof c.sync === 'function' &&
    !!c.parent
  );
}
