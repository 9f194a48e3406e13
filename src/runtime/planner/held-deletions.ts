import { ALLOW_DELETIONS_ANNOTATION } from '../../types/deletion-budget.js';
import type { ResourceType } from '../../types/resource-type.js';

/** The parent a held deletion is reported on: enough to name it for kubectl and `operon approve`. */
export interface HeldParent {
  readonly metadata?: { readonly name?: string; readonly namespace?: string; readonly generation?: number };
}

/** `operon approve <kind>/<name> [-n <namespace>]`: the command that releases a parent's held deletions. */
export function approveCommand(parent: HeldParent, parentType: ResourceType): string {
  return `operon approve ${parentType.kind.toLowerCase()}/${parent.metadata?.name ?? ''}${namespaceFlag(parent)}`;
}

/**
 * The message of `Synced=False` with reason `DeletionHeld`: which children were held, why (the
 * budget's verdict), and how to release them.
 *
 * @param names - the held children as `Kind name`.
 * @param why - the budget's verdict message (`judgeDeletions`).
 */
export function heldDeletionsMessage(
  names: readonly string[],
  why: string,
  parent: HeldParent,
  parentType: ResourceType,
): string {
  const ns = namespaceFlag(parent);
  const generation = parent.metadata?.generation ?? 0;
  return (
    `Held ${names.length} deletion(s) (${summariseNames(names)}): ${why}. Nothing was deleted; ` +
    'creates and updates went ahead. If the deletions are intended, approve them for this generation: ' +
    `kubectl annotate ${parentType.plural} ${parent.metadata?.name ?? ''}${ns} ${ALLOW_DELETIONS_ANNOTATION}=${generation} ` +
    `(or ${approveCommand(parent, parentType)}); a spec change also releases them.`
  );
}

function namespaceFlag(parent: HeldParent): string {
  return parent.metadata?.namespace ? ` -n ${parent.metadata.namespace}` : '';
}

/**
 * Names for a condition or Event message: all of them up to a dozen, then a count of the rest, so a
 * message stays readable with hundreds of children.
 */
export function summariseNames(names: readonly string[]): string {
  const shown = 12;
  if (names.length <= shown) return names.join(', ');
  return `${names.slice(0, shown).join(', ')} and ${names.length - shown} more`;
}
