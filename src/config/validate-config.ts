import { ConfigError } from '../errors/operon-error.js';
import { isCustomResourceType } from '../types/custom-resource.js';
import type { KubeObject } from '../types/kube-object.js';
import type { RelatedRef } from '../types/related.js';
import { describeType, type ResourceType } from '../types/resource-type.js';
import { versionProblems } from '../types/resource-versions.js';
import type { ChildRef } from '../types/sync.js';
import { UPDATE_STRATEGIES } from '../types/update-strategy.js';
import { isDnsLabel, isFinalizerName, suggestDnsLabel } from './names.js';
import type { OperatorConfig } from './operator-config.js';

// Messages name what the author wrote: decorators for classes, config fields for hand-written configs.
export type Vocabulary = 'decorators' | 'config';

/**
 * Lists every problem in one operator configuration, without throwing.
 *
 * @remarks
 * Same checks as {@link validateOperatorConfig}; use it to merge problems from many sources
 * into one `ConfigError`. Each line starts with the config's `source` (or its name) and says
 * what to change.
 *
 * @example
 * ```ts
 * const problems = operatorConfigProblems(config);
 * if (problems.length) console.error(problems.join('\n'));
 * ```
 */
export function operatorConfigProblems(config: OperatorConfig<unknown>): string[] {
  return checkConfig(config, 'config');
}

/**
 * Checks one operator configuration, hand-written or built from decorators, and throws one
 * `ConfigError` listing every problem.
 *
 * @remarks
 * Checks: a `sync` function; the operator name is a DNS-1123 label; the parent type has kind,
 * version and plural (and a group, for a custom resource); spec and status are classes; each child
 * type is declared once, with a known update strategy; each relation (`related`) has a complete resource type, a `select` function and a
 * property of its own; the finalizer name is `<domain>/<name>`. It does not contact the API server.
 *
 * A related type may be the parent's own type or a declared child type: reading another parent
 * (a replica naming its primary) or an object of a type the operator also creates are real needs.
 *
 * @example
 * ```ts
 * validateOperatorConfig({ name: 'echo-server', parent: { type: EchoServer }, children: [pods], sync });
 * ```
 *
 * @throws ConfigError when any check fails.
 */
export function validateOperatorConfig(config: OperatorConfig<unknown>): void {
  const problems = operatorConfigProblems(config);
  if (problems.length > 0) throw new ConfigError(problems);
}

/**
 * Lists the problems between operators that run in one process, without throwing.
 *
 * @remarks
 * Only the checks across operators (unique names, one operator per parent kind); combine with
 * {@link operatorConfigProblems} for each config, or call {@link validateOperatorSet}.
 *
 * @example
 * ```ts
 * const problems = operatorSetProblems([echo, cache]);
 * ```
 */
export function operatorSetProblems(configs: readonly OperatorConfig<unknown>[]): string[] {
  const problems: string[] = [];
  const byName = new Map<string, OperatorConfig<unknown>>();
  const byParent = new Map<string, OperatorConfig<unknown>>();
  for (const config of configs) {
    const first = byName.get(config.name);
    if (first) {
      problems.push(
        `${labelOf(first)} and ${labelOf(config)} are both named '${config.name}'. Operator names must be unique in a process (they are field managers and label values): set a different name on one of them (@Operator({ name }) or the config's name).`,
      );
    } else byName.set(config.name, config);

    const type = config.parent?.type;
    if (!type?.kind) continue;
    // Keyed by group and kind: two versions of one kind are the same objects.
    const key = `${type.group}/${type.kind}`;
    const owner = byParent.get(key);
    if (owner) {
      problems.push(
        `${labelOf(owner)} and ${labelOf(config)} both own ${describeType(type)}. Only one operator may own a parent kind: both would write its status and claim its children. Merge them into one operator, or give one of them another parent kind.`,
      );
    } else byParent.set(key, config);
  }
  return problems;
}

/**
 * Checks every operator that will run in one process, each on its own and all together, and
 * throws one `ConfigError` listing every problem.
 *
 * @remarks
 * The whole check the runtime needs before it starts: {@link validateOperatorConfig} on each config,
 * then names unique across operators and at most one operator per parent kind.
 *
 * @example
 * ```ts
 * validateOperatorSet([echoConfig, cacheConfig]);
 * ```
 *
 * @throws ConfigError when any check fails.
 */
export function validateOperatorSet(configs: readonly OperatorConfig<unknown>[]): void {
  const problems = [...configs.flatMap((c) => operatorConfigProblems(c)), ...operatorSetProblems(configs)];
  if (problems.length > 0) throw new ConfigError(problems);
}

// The checks shared by hand-written configs and decorator-built ones.
export function checkConfig(config: OperatorConfig<unknown>, vocabulary: Vocabulary): string[] {
  const label = labelOf(config);
  const problems: string[] = [];
  if (vocabulary === 'config') {
    if (typeof config.sync !== 'function') {
      problems.push(
        `${label}: the config has no sync function. Set sync to a function that returns the desired children and the status.`,
      );
    }
    if (config.finalize !== undefined && typeof config.finalize !== 'function') {
      problems.push(`${label}: finalize is not a function. Set it to a function, or leave it out.`);
    }
  }
  problems.push(...checkName(config, label, vocabulary));
  problems.push(...checkParent(config, label, vocabulary));
  problems.push(...checkChildren(config, label, vocabulary));
  problems.push(...checkRelated(config, label, vocabulary));
  if (config.deletionBudget !== undefined) {
    const where = vocabulary === 'decorators' ? '@Operator({ deletionBudget })' : 'deletionBudget';
    problems.push(...checkDeletionBudget(config.deletionBudget, `${label}: ${where}`));
  }
  if (config.finalizerName !== undefined && !isFinalizerName(config.finalizerName)) {
    const where =
      vocabulary === 'decorators'
        ? '@Finalize({ finalizerName }) or @Operator({ finalizerName })'
        : 'finalizerName';
    problems.push(
      `${label}: finalizer name '${config.finalizerName}' is not of the form <domain>/<name>. Set ${where} to something like 'example.com/${isDnsLabel(config.name) ? config.name : 'cleanup'}' (a domain you own, '/', then letters, digits, '-', '_' or '.').`,
    );
  }
  return problems;
}

function checkName(config: OperatorConfig<unknown>, label: string, vocabulary: Vocabulary): string[] {
  if (isDnsLabel(config.name)) return [];
  const suggestion = suggestDnsLabel(config.name ?? '');
  const where = vocabulary === 'decorators' ? '@Operator({ name })' : 'name';
  return [
    `${label}: operator name '${config.name ?? ''}' is not a valid DNS-1123 label (at most 63 lower-case letters, digits and '-', starting and ending with a letter or digit). Set ${where}${suggestion ? `, e.g. '${suggestion}'` : ''}.`,
  ];
}

function checkParent(config: OperatorConfig<unknown>, label: string, vocabulary: Vocabulary): string[] {
  const type = config.parent?.type;
  const where =
    vocabulary === 'decorators'
      ? '@Operator({ group, version, kind }) or the type passed as parent'
      : 'parent.type';
  if (!type || typeof type !== 'object') {
    const fix =
      vocabulary === 'decorators'
        ? "Pass { group, version, kind } or { parent } to @Operator, e.g. @Operator({ group: 'example.com', version: 'v1', kind: 'EchoServer' })."
        : 'Set parent.type to a resource type (customResource({ group, version, kind }) or resourceType(...)).';
    return [`${label}: no parent resource type. ${fix}`];
  }
  const problems: string[] = [];
  const missing = (['kind', 'version', 'plural'] as const).filter((f) => !type[f]);
  if (missing.length > 0) {
    problems.push(
      `${label}: the parent resource type has no ${missing.join(', no ')}. Set ${missing.join(' and ')} in ${where}.`,
    );
  }
  if (isCustomResourceType(type) && !type.group) {
    problems.push(
      `${label}: the parent ${describeType(type)} is a custom resource without a group; the core group is reserved for Kubernetes. Set group in ${where} to a domain you own, e.g. 'example.com'.`,
    );
  }
  if (isCustomResourceType(type)) problems.push(...versionProblems(type).map((p) => `${label}: ${p}`));
  for (const field of ['spec', 'status'] as const) {
    const cls = config.parent[field];
    if (cls !== undefined && typeof cls !== 'function') {
      problems.push(
        `${label}: the parent's ${field} is not a class (got ${typeof cls}). Pass the class itself, e.g. ${field}: EchoServer${field === 'spec' ? 'Spec' : 'Status'}.`,
      );
    }
  }
  return problems;
}

function checkChildren(config: OperatorConfig<unknown>, label: string, vocabulary: Vocabulary): string[] {
  const problems: string[] = [];
  const what = vocabulary === 'decorators' ? '@Child' : 'child';
  const seen = new Map<string, ChildRef<KubeObject>>();
  for (const child of config.children ?? []) {
    const type: ResourceType | undefined = child?.type;
    const name = `${what} '${child?.property}'`;
    if (!type || typeof type !== 'object') {
      problems.push(
        `${label}: ${name} has no resource type (got ${String(type)}). Pass a resource type such as Pod or resourceType({ ... }); if it is imported, check for a circular import that leaves it undefined.`,
      );
      continue;
    }
    const missing = (['kind', 'version', 'plural'] as const).filter((f) => !type[f]);
    if (missing.length > 0) {
      problems.push(
        `${label}: ${name} has a resource type with no ${missing.join(', no ')}. Describe it with resourceType({ group, version, kind }) or use a built-in such as Pod.`,
      );
      continue;
    }
    if (!UPDATE_STRATEGIES.includes(child.strategy)) {
      problems.push(
        `${label}: ${name} uses update strategy '${String(child.strategy)}', which Operon does not know. Use one of ${UPDATE_STRATEGIES.map((s) => `'${s}'`).join(', ')}.`,
      );
    }
    const key = `${type.apiVersion}/${type.kind}`;
    const first = seen.get(key);
    if (first) {
      problems.push(
        `${label}: ${name} declares ${describeType(type)} a second time (already on '${first.property}'). Declare each child type once and return all its objects from sync.`,
      );
    } else seen.set(key, child);
  }
  return problems;
}

function checkRelated(config: OperatorConfig<unknown>, label: string, vocabulary: Vocabulary): string[] {
  const related: unknown = config.related;
  if (related === undefined) return [];
  if (!Array.isArray(related)) {
    return [
      `${label}: related is not a list (got ${typeof related}). Set it to an array of relatedRef(type, select, property) handles, or leave it out.`,
    ];
  }
  const problems: string[] = [];
  const what = vocabulary === 'decorators' ? '@Related' : 'related';
  const seen = new Set<string>();
  for (const [i, ref] of (related as readonly (RelatedRef | undefined)[]).entries()) {
    const property: unknown = ref?.property;
    const name = typeof property === 'string' && property ? `${what} '${property}'` : `${what}[${i}]`;
    if (typeof property !== 'string' || property === '') {
      problems.push(
        `${label}: ${name} has no property name. Pass one as relatedRef's third argument (it tells relations apart in req.related and in messages).`,
      );
    } else if (seen.has(property)) {
      problems.push(
        `${label}: ${name} is declared twice. Give each relation its own property (relatedRef's third argument; it defaults to the kind, so two relations of one type need names).`,
      );
    } else seen.add(property);
    const type: ResourceType | undefined = ref?.type;
    if (!type || typeof type !== 'object') {
      problems.push(
        `${label}: ${name} has no resource type (got ${String(type)}). Pass a resource type such as Secret or resourceType({ ... }); if it is imported, check for a circular import that leaves it undefined.`,
      );
    } else {
      const missing = (['kind', 'version', 'plural'] as const).filter((f) => !type[f]);
      if (missing.length > 0) {
        problems.push(
          `${label}: ${name} has a resource type with no ${missing.join(', no ')}. Describe it with resourceType({ group, version, kind }) or use a built-in such as Secret.`,
        );
      }
    }
    const select: unknown = ref?.select;
    if (typeof select !== 'function') {
      const fix =
        vocabulary === 'decorators'
          ? 'Pass @Related(type, (parent) => ({ name: ... })) a function of the parent, e.g. (db: Parent<DatabaseSpec>) => ({ name: db.spec.passwordSecret }).'
          : 'Pass relatedRef(type, select) a function of the parent, e.g. (db) => ({ name: db.spec.passwordSecret }).';
      problems.push(`${label}: ${name} has a select that is not a function (got ${typeof select}). ${fix}`);
    }
  }
  return problems;
}

// Names the operator in messages: the class it came from, else its name.
export function labelOf(config: Pick<OperatorConfig<unknown>, 'name' | 'source'>): string {
  return config.source ?? `operator '${config.name}'`;
}

/**
 * Problems with a deletion budget (`@Operator({ deletionBudget })` or the host's), each starting
 * with `where`: `false` or an object of a share in [0, 1], whole counts and a positive window.
 */
export function checkDeletionBudget(value: unknown, where: string): string[] {
  if (value === false) return [];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return [
      `${where} must be false or an object such as { maxShare: 0.5, minCount: 2 }; got ${String(value)}.`,
    ];
  }
  const problems: string[] = [];
  const known = ['maxShare', 'minCount', 'maxPerWindow', 'windowMs'];
  for (const [key, v] of Object.entries(value)) {
    if (!known.includes(key)) {
      problems.push(`${where} has an unknown field '${key}'; the fields are ${known.join(', ')}.`);
      continue;
    }
    if (v === undefined) continue;
    const ok =
      typeof v === 'number' &&
      Number.isFinite(v) &&
      (key === 'maxShare' ? v >= 0 && v <= 1 : key === 'windowMs' ? v > 0 : Number.isInteger(v) && v >= 0);
    if (!ok) {
      const rule =
        key === 'maxShare'
          ? 'a share between 0 and 1 (0.5 = half)'
          : key === 'windowMs'
            ? 'a positive number of milliseconds'
            : 'a whole number, 0 or more';
      problems.push(`${where}.${key} must be ${rule}; got ${JSON.stringify(v)}.`);
    }
  }
  return problems;
}
