import type { FieldChange } from '../runtime/planner/json-diff.js';
import type { KubeObject } from '../types/kube-object.js';

/**
 * One field that would change.
 *
 * @deprecated Use {@link FieldChange}, the same type: `operon plan` and `replayFixtures` report
 * field changes in one shape.
 */
export type PlannedFieldChange = FieldChange;

/** Which child: its type and name. */
export interface PlannedChildId {
  /** The child's API version, from its resource type (`apps/v1`, `v1`). */
  readonly apiVersion: string;
  /** The child's kind, from its resource type (`Deployment`). */
  readonly kind: string;
  /** Absent for a cluster-scoped child. */
  readonly namespace?: string;
  /** The child's `metadata.name`. */
  readonly name: string;
}

/** A child that does not exist and would be created. */
export interface PlannedCreate extends PlannedChildId {
  /** Always `create`: tells this change apart from the other {@link PlannedChildChange} kinds. */
  readonly action: 'create';
  /** The object Operon would write (owner reference, label and desired-hash annotation included). */
  readonly object: KubeObject;
}

/**
 * A child that exists and would be written again, per its type's update strategy: `apply`
 * (server-side apply), `replace` (PUT) or `recreate` (delete, then create).
 */
export interface PlannedUpdate extends PlannedChildId {
  /** How the child would be written: its type's update strategy. */
  readonly action: 'apply' | 'replace' | 'recreate';
  /**
   * What would change. Only fields the desired object sets are compared, by the runtime's own drift
   * rules (fields, list entries and labels others add are not changes, quantities compare by value),
   * plus, for an `apply` child, the fields Operon's field manager owns that the desired object no
   * longer sets (server-side apply removes them). Empty when only Operon's desired-hash annotation
   * differs (see `note`).
   */
  readonly fields: readonly FieldChange[];
  /** Said when the field list cannot be the whole story (a removed field Operon cannot see). */
  readonly note?: string;
}

/** A desired child whose name an object this parent does not control holds: nothing is written. */
export interface PlannedConflict extends PlannedChildId {
  /** Always `conflict`: tells this change apart from the other {@link PlannedChildChange} kinds. */
  readonly action: 'conflict';
  /** Who holds the name and what to do, as the parent's `Synced` condition would say it. */
  readonly message: string;
}

/**
 * A child this parent controls that `sync` no longer returns, and that would be deleted, unless
 * `held`.
 */
export interface PlannedDelete extends PlannedChildId {
  /** Always `delete`: tells this change apart from the other {@link PlannedChildChange} kinds. */
  readonly action: 'delete';
  /**
   * True when the deletion budget would hold this delete: the runtime would not make it, and would
   * report why on the parent ({@link ParentPlan.deletionsHeld}). Absent otherwise.
   */
  readonly held?: true;
}

/** What would happen to one child. */
export type PlannedChildChange = PlannedCreate | PlannedUpdate | PlannedConflict | PlannedDelete;

/** Which parent. */
export interface PlannedParentId {
  /** The parent's `apiVersion`, or its resource type's when the object lacks one. */
  readonly apiVersion: string;
  /** The parent's `kind`, or its resource type's when the object lacks one. */
  readonly kind: string;
  /** Absent for a cluster-scoped parent. */
  readonly namespace?: string;
  /** The parent's `metadata.name`. */
  readonly name: string;
  /** The parent's `metadata.uid`: the children it controls carry it in their owner reference. */
  readonly uid: string;
  /** The parent's `metadata.generation` (bumped on each spec change), when the object has one. */
  readonly generation?: number;
}

/** Operon's finalizer on the parent would be added (before any child) or removed (after finalize). */
export interface PlannedFinalizer {
  /** Whether the finalizer would be added to the parent or removed from it. */
  readonly op: 'add' | 'remove';
  /** The finalizer's name: the operator's `finalizerName`, or `<plural>.<group>/finalizer` of the parent type. */
  readonly name: string;
  /** Why: the operator has `@Finalize`, `sync` returns children Operon must delete itself, or the parent is being deleted. */
  readonly why: string;
}

/**
 * A parent that could not be planned, with the reason and message its `Synced` condition would get
 * (`InvalidSpec`, `SyncFailed`, `SyncTimeout`, `InvalidSyncResponse`, `InvalidRelatedSelection`,
 * `RelatedReadFailed`, or a `PermanentError`'s reason). The runtime would change no child.
 */
export interface PlannedError {
  /** The reason the `Synced` condition would get (`InvalidSpec`, `SyncFailed`, ...). */
  readonly reason: string;
  /** What went wrong, as the `Synced` condition's message would say it. */
  readonly message: string;
}

/**
 * Why the deletion budget would hold a parent's deletes. The runtime would make the pass's other
 * writes, delete nothing, and set `Synced=False` with reason `DeletionHeld` (the plan's status
 * change shows it).
 */
export interface PlannedDeletionHold {
  /**
   * Which limit: `share`, more than `maxShare` of the parent's children (and at least `minCount`)
   * while its spec is unchanged since it converged, until someone approves them or changes the
   * spec; `window`, more than `maxPerWindow` such deletions by the operator within `windowMs`,
   * until the window has room (counted over the plan's parents in order, as if they all ran at
   * once in a freshly started process).
   */
  readonly rule: 'share' | 'window';
  /** The budget's verdict: the counts and the limit. */
  readonly message: string;
  /**
   * The command that approves the deletes for the parent's current generation, if they are
   * intended (`operon approve plandemo/web -n shop`); a spec change also releases them.
   */
  readonly approve: string;
}

/** Whether a parent would change, would not, or could not be planned. */
export type ParentPlanOutcome = 'unchanged' | 'changes' | 'error';

/** The plan for one parent of one operator. */
export interface ParentPlan {
  /** The operator's name. */
  readonly operator: string;
  /** Which parent this plan is for. */
  readonly parent: PlannedParentId;
  /** Whether the parent would change, would not, or could not be planned (see {@link error}). */
  readonly outcome: ParentPlanOutcome;
  /** Child writes in the runtime's order: creates, updates and conflicts, then deletes. */
  readonly children: readonly PlannedChildChange[];
  /**
   * How the status Operon would write differs from the live one (the whole status is compared);
   * empty when it would not be written.
   */
  readonly status: readonly FieldChange[];
  /** Set when Operon's finalizer would be added to the parent or removed from it. */
  readonly finalizer?: PlannedFinalizer;
  /** Set when the deletion budget would hold this parent's deletes (each marked `held`). */
  readonly deletionsHeld?: PlannedDeletionHold;
  /** Set when {@link outcome} is `error`. */
  readonly error?: PlannedError;
  /** What the plan could not simulate, for a reader to know (a finalize that would run). */
  readonly notes: readonly string[];
}

/** Counts over a whole plan. */
export interface PlanSummary {
  /** Parents in the plan, whatever their outcome. */
  readonly parents: number;
  /** Parents with at least one child write, a status write, a finalizer change or held deletes. */
  readonly changing: number;
  /** Parents where nothing would change. */
  readonly unchanged: number;
  /** Parents that could not be planned. */
  readonly errors: number;
  /** Children that would be created. */
  readonly creates: number;
  /** `apply` and `replace` updates. */
  readonly updates: number;
  /** Children that would be deleted and created again (`recreate` update strategy). */
  readonly recreates: number;
  /** Deletes the runtime would make (held ones are not). */
  readonly deletes: number;
  /** Deletes the deletion budget would hold. */
  readonly heldDeletes: number;
  /** Desired children whose name an object the parent does not control holds. */
  readonly conflicts: number;
  /** Parents whose status would be written. */
  readonly statusChanges: number;
}

/** What {@link planCluster} returns (and `operon plan --output json` prints). */
export interface ClusterPlan {
  /** Bumped when the shape changes incompatibly. */
  readonly formatVersion: 1;
  /** The operators planned, by name. */
  readonly operators: readonly string[];
  /** Per parent, sorted by operator, then namespace and name. */
  readonly parents: readonly ParentPlan[];
  /** Counts over {@link ClusterPlan.parents}. */
  readonly summary: PlanSummary;
}
