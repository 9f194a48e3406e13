import { isRecord } from './json.js';

/** One field of a merge key, and the value the API server gives it when the writer left it out. */
interface KeyField {
  readonly name: string;
  readonly default?: string;
}

/**
 * What identifies an element of an object list: the key fields and the desired element's values for
 * them (a defaulted field that the desired element leaves out takes its default).
 */
export interface MergeKey {
  readonly fields: readonly KeyField[];
  readonly values: readonly unknown[];
}

const PROTOCOL: KeyField = { name: 'protocol', default: 'TCP' };

/**
 * Merge keys of object lists, by the field that holds the list; the first alternative the desired
 * element fills in wins. Any list not named here is keyed by `name` when its element has one.
 *
 * The keys are those of Kubernetes' strategic merge patch, kept to the lists a child commonly sets and
 * others commonly extend. A key only narrows which live elements may hold a desired one (each key field
 * has to hold anyway), so a missing entry costs a less precise path in messages and a less stable
 * baseline projection, never a wrong answer. The one place a key changes the outcome is a defaulted
 * key field: a desired port without `protocol` is TCP, and is not held by a live UDP port with the
 * same number.
 */
const MERGE_KEYS: ReadonlyMap<string, readonly (readonly KeyField[])[]> = new Map([
  // Container ports (containerPort) and Service, EndpointSlice and NetworkPolicy ports (port).
  [
    'ports',
    [
      [{ name: 'containerPort' }, PROTOCOL],
      [{ name: 'port' }, PROTOCOL],
    ],
  ],
  // The same volume may be mounted at several paths, so `name` is not a key here.
  ['volumeMounts', [[{ name: 'mountPath' }]]],
  ['volumeDevices', [[{ name: 'devicePath' }]]],
  ['hostAliases', [[{ name: 'ip' }]]],
  ['topologySpreadConstraints', [[{ name: 'topologyKey' }, { name: 'whenUnsatisfiable' }]]],
  // Owner references are a set keyed by UID; others add theirs.
  ['ownerReferences', [[{ name: 'uid' }]]],
]);

const BY_NAME: readonly KeyField[] = [{ name: 'name' }];

/** The merge key of `element`, a desired element of the list held in field `field`, if it has one. */
export function mergeKeyOf(
  field: string | undefined,
  element: Record<string, unknown>,
): MergeKey | undefined {
  const alternatives = (field === undefined ? undefined : MERGE_KEYS.get(field)) ?? [];
  for (const fields of [...alternatives, BY_NAME]) {
    const values = fields.map((f) => element[f.name] ?? f.default);
    if (values.every(isScalar)) return { fields, values };
  }
  return undefined;
}

/** Whether the live element `element` has key `key` (its own defaults applied). */
export function hasKey(key: MergeKey, element: unknown): boolean {
  return isRecord(element) && key.fields.every((f, i) => (element[f.name] ?? f.default) === key.values[i]);
}

/** The key as a path segment: `[name=app]`, `[containerPort=8080,protocol=TCP]`. */
export function renderKey(key: MergeKey): string {
  return `[${key.fields.map((f, i) => `${f.name}=${String(key.values[i])}`).join(',')}]`;
}

function isScalar(value: unknown): value is string | number | boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}
