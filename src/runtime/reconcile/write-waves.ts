import type { ResourceType } from '../../types/resource-type.js';
import type { ChildAction } from '../planner/index.js';

/** How many child writes of one pass are in flight at once. */
export const CHILD_WRITES_IN_FLIGHT = 4;

/**
 * Kinds that the API server's admission requires to exist before others are created, by wave.
 * Only an order the API server enforces is kept; every other write of a pass goes out at once.
 *
 * - wave 0: a Namespace (NamespaceLifecycle refuses objects in a missing one), a
 *   CustomResourceDefinition (its kind does not exist before), a PriorityClass and a RuntimeClass
 *   (the Priority and RuntimeClass plugins refuse Pods naming a missing one);
 * - wave 1: a ServiceAccount (the ServiceAccount plugin refuses a Pod whose account is missing), a
 *   LimitRange and a ResourceQuota (applied to, and counted for, Pods created after them), a Role
 *   and a ClusterRole (RBAC's escalation check refuses a binding to a role that does not exist,
 *   unless the writer may `bind`);
 * - wave 2: everything else.
 */
const PREREQUISITES: ReadonlyMap<string, number> = new Map([
  ['/Namespace', 0],
  ['apiextensions.k8s.io/CustomResourceDefinition', 0],
  ['scheduling.k8s.io/PriorityClass', 0],
  ['node.k8s.io/RuntimeClass', 0],
  ['/ServiceAccount', 1],
  ['/LimitRange', 1],
  ['/ResourceQuota', 1],
  ['rbac.authorization.k8s.io/Role', 1],
  ['rbac.authorization.k8s.io/ClusterRole', 1],
]);
const LAST_WAVE = 2;

/** The wave of a child type: see {@link PREREQUISITES}. */
export function waveOf(type: ResourceType): number {
  return PREREQUISITES.get(`${type.group}/${type.kind}`) ?? LAST_WAVE;
}

/**
 * Splits a plan's actions into waves to be written one after the other, each wave's writes
 * concurrently. Creates and updates go prerequisites first; deletes go the other way round, so a
 * Role outlives the bindings to it and a Namespace its objects. Actions keep the plan's order
 * within a wave.
 */
export function inWaves(actions: readonly ChildAction[], direction: 'create' | 'delete'): ChildAction[][] {
  const waves: ChildAction[][] = [];
  for (const action of actions) {
    const wave = waveOf(action.type);
    const at = direction === 'create' ? wave : LAST_WAVE - wave;
    const members = waves[at] ?? [];
    members.push(action);
    waves[at] = members;
  }
  return waves.filter((w) => w !== undefined);
}

/**
 * Runs `work` over `items` with at most `limit` in flight, and returns each item's outcome in the
 * items' order. Never rejects: a failure is an outcome.
 */
export async function inFlight<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<PromiseSettledResult<R>[]> {
  const outcomes: PromiseSettledResult<R>[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      try {
        outcomes[i] = { status: 'fulfilled', value: await work(items[i]) };
      } catch (reason) {
        outcomes[i] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return outcomes;
}
