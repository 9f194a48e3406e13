import type { KubeObject } from '../../types/kube-object.js';
import type { LabelSelector, RelatedRef } from '../../types/related.js';
import { describeType, type ResourceType, resourceTypeId } from '../../types/resource-type.js';
import type { Parent } from '../../types/sync.js';
import { labelValueProblem, qualifiedNameProblem } from '../planner/label-syntax.js';

/**
 * What one relation selects for one parent, checked and with its namespace settled: the form the
 * reverse index keeps and the caches are read with.
 */
export interface ResolvedSelection {
  readonly type: ResourceType;
  /** `resourceTypeId(type)`, kept so the index needs no recomputation per event. */
  readonly typeId: string;
  /** Undefined for a cluster-scoped related type. */
  readonly namespace: string | undefined;
  /** Exactly one of `name` and `selector` is set. */
  readonly name?: string;
  readonly selector?: LabelSelector;
}

/** Every relation's selection for one parent, by the relation's property (undefined: none). */
export type ResolvedSelections = ReadonlyMap<string, ResolvedSelection | undefined>;

/** The outcome of {@link resolveSelections}: the selections, or every problem with them. */
export type SelectionResult =
  | { readonly ok: true; readonly selections: ResolvedSelections }
  | { readonly ok: false; readonly problems: readonly string[] };

const OPERATORS: ReadonlySet<string> = new Set(['In', 'NotIn', 'Exists', 'DoesNotExist']);

/**
 * Calls each relation's `select` with the parent (as `sync` sees it) and checks what it returned.
 *
 * @param watchedNamespaces - the namespaces the operator watches; undefined = all. A selection in
 *   another namespace could never be seen in the caches, so it is a problem rather than a silent
 *   "not found".
 * @returns the selections by property, or one problem per relation whose `select` threw or
 *   returned something Operon cannot read, each naming the relation and what to change.
 */
export function resolveSelections(
  refs: readonly RelatedRef[],
  parent: Parent<unknown>,
  watchedNamespaces?: readonly string[],
): SelectionResult {
  const selections = new Map<string, ResolvedSelection | undefined>();
  const problems: string[] = [];
  for (const ref of refs) {
    const what = `@Related '${ref.property}' (${describeType(ref.type)})`;
    let raw: unknown;
    try {
      raw = ref.select(parent);
    } catch (e) {
      problems.push(`${what}: select threw: ${e instanceof Error ? e.message : String(e)}`);
      continue;
    }
    const resolved = resolveOne(ref.type, raw, parent, watchedNamespaces);
    if (typeof resolved === 'string') problems.push(`${what}: ${resolved}`);
    else selections.set(ref.property, resolved);
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, selections };
}

/** One checked selection, undefined for "nothing", or why it cannot be used. */
function resolveOne(
  type: ResourceType,
  raw: unknown,
  parent: Parent<unknown>,
  watched: readonly string[] | undefined,
): ResolvedSelection | undefined | string {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    return `select returned ${Array.isArray(raw) ? 'an array' : typeof raw}; return { name }, { selector } or undefined`;
  }
  const { name, selector, namespace } = raw as { name?: unknown; selector?: unknown; namespace?: unknown };
  const hasName = name !== undefined;
  const hasSelector = selector !== undefined;
  if (hasName === hasSelector) {
    return hasName
      ? 'select returned both name and selector; return one of them'
      : 'select returned neither name nor selector; return { name }, { selector } or undefined (for nothing)';
  }
  if (hasName && (typeof name !== 'string' || name === '')) {
    return `select returned name ${JSON.stringify(name) ?? String(name)}; a name is a non-empty string (return undefined for nothing)`;
  }
  const selectorProblem = hasSelector ? labelSelectorProblem(selector) : undefined;
  if (selectorProblem) return `select returned an invalid selector: ${selectorProblem}`;
  if (namespace !== undefined && (typeof namespace !== 'string' || namespace === '')) {
    return `select returned namespace ${JSON.stringify(namespace) ?? String(namespace)}; leave it out for the parent's namespace, or give a non-empty string`;
  }
  let ns: string | undefined;
  if (type.namespaced) {
    ns = (namespace as string | undefined) ?? parent.metadata.namespace;
    if (!ns) {
      return `select returned no namespace, and the parent ${parent.metadata.name} is cluster-scoped; name the namespace of the ${type.kind} (namespace: ...)`;
    }
    if (watched && !watched.includes(ns)) {
      return `select names namespace "${ns}", which this operator does not watch (it watches ${watched.join(', ')}), so Operon could never see the ${type.kind}; select within the watched namespaces or add "${ns}" to the host's namespaces`;
    }
  }
  const base = { type, typeId: resourceTypeId(type), namespace: ns };
  return hasName ? { ...base, name: name as string } : { ...base, selector: selector as LabelSelector };
}

/** Why `selector` is not a label selector Operon can evaluate, or undefined. */
export function labelSelectorProblem(selector: unknown): string | undefined {
  if (typeof selector !== 'object' || selector === null || Array.isArray(selector)) {
    return `expected { matchLabels?, matchExpressions? }, got ${Array.isArray(selector) ? 'an array' : typeof selector}`;
  }
  const { matchLabels, matchExpressions } = selector as { matchLabels?: unknown; matchExpressions?: unknown };
  const problems: string[] = [];
  if (matchLabels !== undefined) {
    if (typeof matchLabels !== 'object' || matchLabels === null || Array.isArray(matchLabels)) {
      problems.push('matchLabels is not an object of label keys to values');
    } else {
      for (const [key, value] of Object.entries(matchLabels)) {
        const keyProblem = qualifiedNameProblem(key);
        if (keyProblem) problems.push(`matchLabels key "${key}" is not a label key: ${keyProblem}`);
        if (typeof value !== 'string') problems.push(`matchLabels["${key}"] is not a string`);
        else if (labelValueProblem(value))
          problems.push(`matchLabels["${key}"] = "${value}" is not a label value`);
      }
    }
  }
  if (matchExpressions !== undefined) {
    if (!Array.isArray(matchExpressions)) problems.push('matchExpressions is not a list');
    else for (const [i, e] of matchExpressions.entries()) problems.push(...requirementProblems(e, i));
  }
  return problems.length > 0 ? problems.join('; ') : undefined;
}

function requirementProblems(e: unknown, i: number): string[] {
  const at = `matchExpressions[${i}]`;
  if (typeof e !== 'object' || e === null) return [`${at} is not an object`];
  const { key, operator, values } = e as { key?: unknown; operator?: unknown; values?: unknown };
  const problems: string[] = [];
  if (typeof key !== 'string') problems.push(`${at}.key is not a string`);
  else {
    const keyProblem = qualifiedNameProblem(key);
    if (keyProblem) problems.push(`${at}.key "${key}" is not a label key: ${keyProblem}`);
  }
  if (typeof operator !== 'string' || !OPERATORS.has(operator)) {
    problems.push(`${at}.operator is ${JSON.stringify(operator)}; use In, NotIn, Exists or DoesNotExist`);
    return problems;
  }
  const list = values === undefined ? [] : values;
  if (!Array.isArray(list) || list.some((v) => typeof v !== 'string')) {
    problems.push(`${at}.values is not a list of strings`);
  } else if ((operator === 'In' || operator === 'NotIn') && list.length === 0) {
    problems.push(`${at} (${operator}) has no values; give at least one`);
  } else if ((operator === 'Exists' || operator === 'DoesNotExist') && list.length > 0) {
    problems.push(`${at} (${operator}) takes no values`);
  }
  return problems;
}

/**
 * True when the labels satisfy the selector, with the API server's semantics: every `matchLabels`
 * entry equal, every requirement true; `NotIn` and `DoesNotExist` hold for a missing label; an
 * empty selector matches everything.
 */
export function matchesLabelSelector(
  labels: Readonly<Record<string, string>> | undefined,
  selector: LabelSelector,
): boolean {
  const has = (key: string) => labels !== undefined && Object.hasOwn(labels, key);
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (!has(key) || labels?.[key] !== value) return false;
  }
  for (const { key, operator, values = [] } of selector.matchExpressions ?? []) {
    const present = has(key);
    const value = labels?.[key] as string;
    const ok =
      operator === 'In'
        ? present && values.includes(value)
        : operator === 'NotIn'
          ? !present || !values.includes(value)
          : operator === 'Exists'
            ? present
            : !present;
    if (!ok) return false;
  }
  return true;
}

/** True when the selection names or matches this object (of the selection's type). */
export function selects(selection: ResolvedSelection, obj: KubeObject): boolean {
  if (selection.namespace !== undefined && obj.metadata?.namespace !== selection.namespace) return false;
  if (selection.name !== undefined) return obj.metadata?.name === selection.name;
  return selection.selector !== undefined && matchesLabelSelector(obj.metadata?.labels, selection.selector);
}
