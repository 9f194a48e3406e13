import { createHash } from 'node:crypto';

/**
 * One membership of a ring, as one replica sees it at one moment.
 *
 * @remarks
 * Parents are placed on `members`; the `id` names the exact membership, incarnations included, and
 * is what members acknowledge. Two replicas that see the same members see the same id.
 */
export interface ShardView {
  /** 16 hex digits of a SHA-256 of the sorted `identity@incarnation` entries. */
  readonly id: string;
  /** The live members' identities, sorted. */
  readonly members: readonly string[];
}

/** One live member, as a view is built from. */
export interface ViewMember {
  readonly identity: string;
  readonly incarnation: string;
}

/** The view of these members (in any order). */
export function makeView(members: readonly ViewMember[]): ShardView {
  const entries = members.map((m) => `${m.identity}@${m.incarnation}`).sort();
  const id = createHash('sha256').update(entries.join('\n')).digest('hex').slice(0, 16);
  return { id, members: [...new Set(members.map((m) => m.identity))].sort() };
}
