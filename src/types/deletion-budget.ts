/**
 * Annotation a person sets on a parent to release deletions Operon held for it: its value is the
 * parent's `metadata.generation` the consent is for (`operon approve` writes it). Tied to a
 * generation so that consent given once does not stay open for every later mistake.
 */
export const ALLOW_DELETIONS_ANNOTATION = 'operon.dev/allow-deletions';

/**
 * Limits on how many children Operon deletes without consent, so that a bug (in `sync`, a spec
 * parser, or a cache that lost objects) cannot quietly delete most of what an operator manages.
 *
 * @remarks
 * A pass's deletions are checked against the budget only when nothing the user did explains them:
 * the parent's spec has not changed since Operon last converged it (`metadata.generation` equals
 * `status.observedGeneration`) and no approval for this generation is on it
 * ({@link ALLOW_DELETIONS_ANNOTATION}). Lowering `replicas` is such a change, so its deletions go
 * ahead; a new operator version that suddenly returns fewer children for unchanged parents is not.
 * Deleting a child to create it again (update strategy `recreate`) is replacing, not losing, and is
 * never held.
 *
 * A held pass deletes nothing, still makes its creates and updates, and reports `Synced=False` with
 * reason `DeletionHeld`, the counts and the children's names, a Warning Event, a log line and the
 * metric `operon_deletions_held_total`.
 */
export interface DeletionBudget {
  /**
   * Hold a pass that would delete more than this share of one parent's children (those it
   * controls, counted before the pass). Default 0.5: more than half.
   */
  readonly maxShare?: number;
  /** ...and at least this many of them (a parent of one child may always lose it). Default 2. */
  readonly minCount?: number;
  /**
   * Hold once the operator has deleted this many children, across all its parents, within
   * {@link windowMs} (deletions explained by a spec change or approved do not count). Default 20.
   */
  readonly maxPerWindow?: number;
  /** The sliding window of {@link maxPerWindow}, in ms. Default 5 minutes. */
  readonly windowMs?: number;
}
