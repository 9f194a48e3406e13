/**
 * @packageDocumentation
 * Sharding of an application's parents over its replicas: parents hashed into buckets, buckets
 * placed by rendezvous hashing on the live replicas (each a Lease), the handover protocol that lets a
 * parent be reconciled by one replica at a time while members join, leave and die, and the
 * label-selected caches that hold only a replica's buckets.
 */

export { BucketLabeler, type BucketRing, type ParentOf } from './bucket-labeler.js';
export {
  assignBuckets,
  bucketOf,
  bucketsOwnedBy,
  bucketsSelector,
  ownerOfShardKey,
  parseBucket,
  SHARD_BUCKET_LABEL,
  SHARD_BUCKETS,
  UNROUTED_SELECTOR,
} from './buckets.js';
export { hash53, ownerOf, type ShardKeyBy, shardKeyOf, shardKeyOfObjectKey } from './ring.js';
export { ShardCaches } from './shard-caches.js';
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
