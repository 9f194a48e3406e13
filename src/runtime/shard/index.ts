/**
 * @packageDocumentation
 * Sharding of an application's parents over its replicas: a rendezvous-hashing ring of the live
 * replicas, each a Lease, and the handover protocol that lets a parent be reconciled by one replica
 * at a time while members join, leave and die.
 */

export { hash53, ownerOf, type ShardKeyBy, shardKeyOf, shardKeyOfObjectKey } from './ring.js';
export {
  type MemberRecord,
  readMember,
  SHARD_ACK_ANNOTATION,
  SHARD_GROUP_LABEL,
  type ShardLeaseObject,
  shardLeaseName,
} from './shard-lease.js';
export { type ShardApi, type ShardCallbacks, ShardMembership } from './shard-membership.js';
export {
  type ResolvedSharding,
  resolveSharding,
  type ShardingOptions,
  shardingProblems,
} from './shard-options.js';
export { makeView, type ShardView, type ViewMember } from './shard-view.js';
