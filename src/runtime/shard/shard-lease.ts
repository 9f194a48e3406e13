import { hash53 } from './ring.js';

/** Label on every membership Lease of a ring; its value is the ring's group. */
export const SHARD_GROUP_LABEL = 'operon.dev/shard-group';

/**
 * Annotation in which a member acknowledges a view: its value is the view's id, and it means "I
 * have stopped reconciling every parent I do not own under this view, and none of them is still
 * being reconciled". See `ShardMembership`.
 */
export const SHARD_ACK_ANNOTATION = 'operon.dev/shard-ack';

/** A `coordination.k8s.io/v1` Lease as the membership reads and writes it. */
export interface ShardLeaseObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [field: string]: unknown;
  };
  spec?: {
    holderIdentity?: string | null;
    leaseDurationSeconds?: number | null;
    acquireTime?: string | null;
    renewTime?: string | null;
    leaseTransitions?: number | null;
  };
}

/** What one member's Lease says, as far as the ring cares. */
export interface MemberRecord {
  readonly identity: string;
  /**
   * When this incarnation of the member joined (the Lease's `acquireTime`). A member that was
   * fenced, or restarted with the same identity, joins again under a new incarnation, so an
   * acknowledgement of a view it was part of before cannot be taken for one of the view it is in now.
   */
  readonly incarnation: string;
  /** The duration the member promised to renew within; 0 when absent. */
  readonly leaseDurationSeconds: number;
  readonly renewTime: string;
  /** The id of the view the member last acknowledged; `''` for none. */
  readonly ack: string;
  readonly resourceVersion: string;
}

/** The path of the Leases of `namespace`, or of the one named `name`. */
export function leasePath(namespace: string, name?: string): string {
  const base = `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/leases`;
  return name === undefined ? base : `${base}/${encodeURIComponent(name)}`;
}

/**
 * The name of a member's Lease: `operon-shard-<group>-<identity>`, with the identity made a valid
 * object name. When that changed it (upper case, `_`, too long), a hash of the original is appended,
 * so two identities that read the same once cleaned up still get two Leases.
 */
export function shardLeaseName(group: string, identity: string): string {
  const prefix = `operon-shard-${group}-`;
  const clean = identity
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '');
  // 253: the longest object name; 12: room for "-" and the hash.
  const room = 253 - prefix.length - 12;
  if (clean === identity && clean.length <= room + 12) return prefix + clean;
  const head = clean.slice(0, room).replace(/[^a-z0-9]+$/, '');
  return `${prefix}${head}${head ? '-' : ''}${hash53(identity).toString(36)}`;
}

/** The member a listed Lease stands for; undefined when it names no holder. */
export function readMember(lease: ShardLeaseObject): MemberRecord | undefined {
  const identity = lease.spec?.holderIdentity;
  if (!identity) return undefined;
  return {
    identity,
    incarnation: lease.spec?.acquireTime ?? '',
    leaseDurationSeconds: lease.spec?.leaseDurationSeconds ?? 0,
    renewTime: lease.spec?.renewTime ?? '',
    ack: lease.metadata.annotations?.[SHARD_ACK_ANNOTATION] ?? '',
    resourceVersion: lease.metadata.resourceVersion ?? '',
  };
}

/**
 * True when `a` and `b` are the same write: an unchanged record is how a member that stopped
 * renewing looks, so any difference (a new resourceVersion, a renewal, an ack) counts as a sign of
 * life.
 */
export function sameRecord(a: MemberRecord, b: MemberRecord): boolean {
  return (
    a.resourceVersion === b.resourceVersion &&
    a.renewTime === b.renewTime &&
    a.ack === b.ack &&
    a.incarnation === b.incarnation &&
    a.identity === b.identity &&
    a.leaseDurationSeconds === b.leaseDurationSeconds
  );
}

/** What a member writes into its own Lease, on top of the last version of it the API server returned. */
export interface OwnLeaseWrite {
  readonly name: string;
  readonly namespace: string;
  readonly group: string;
  readonly identity: string;
  readonly incarnation: string;
  readonly leaseDurationSeconds: number;
  /** MicroTime of this write. */
  readonly renewTime: string;
  /** The view id to acknowledge; `''` for none. */
  readonly ack: string;
}

/** The body of a PUT (when `current` is given, keeping its resourceVersion) or POST of a member's Lease. */
export function ownLeaseBody(w: OwnLeaseWrite, current?: ShardLeaseObject): ShardLeaseObject {
  const annotations = { ...current?.metadata.annotations };
  if (w.ack) annotations[SHARD_ACK_ANNOTATION] = w.ack;
  else delete annotations[SHARD_ACK_ANNOTATION];
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: {
      ...(current?.metadata ?? {}),
      name: w.name,
      namespace: w.namespace,
      labels: { ...current?.metadata.labels, [SHARD_GROUP_LABEL]: w.group },
      annotations,
    },
    spec: {
      holderIdentity: w.identity,
      leaseDurationSeconds: w.leaseDurationSeconds,
      acquireTime: w.incarnation,
      renewTime: w.renewTime,
      leaseTransitions: current?.spec?.leaseTransitions ?? 0,
    },
  };
}
