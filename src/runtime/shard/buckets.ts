import { hash53, ownerOf } from './ring.js';

/**
 * How many buckets parents are spread over. Parents are placed on buckets by a hash of their shard
 * key, and buckets on replicas; each replica then watches only its buckets, by label.
 *
 * @remarks
 * Fixed for good: the bucket is written into every parent's and child's {@link SHARD_BUCKET_LABEL},
 * so replicas of different versions must agree on it. Many buckets, because buckets are placed by
 * rendezvous hashing, each independently of the others (what the handover's safety argument needs,
 * see `ShardMembership`), so a replica's share of the buckets varies like a binomial draw: with 4
 * replicas and 4000 parents, 1024 buckets leave the owned-parent spread above 20 % in about one
 * deployment in five, 4096 in one in sixty (no better than placing the parents themselves).
 */
export const SHARD_BUCKETS = 4096;

/**
 * The label that routes a parent and each of its children to the replica that owns them: the
 * parent's bucket (`0` to `4095`). Operon writes it on parents (the owner labels a new parent
 * once) and on the children it writes, so each replica's watches select only its own buckets.
 */
export const SHARD_BUCKET_LABEL = 'operon.dev/shard-bucket';

/** The bucket of a shard key (see `shardKeyOf`). */
export function bucketOf(shardKey: string): number {
  return hash53(shardKey) % SHARD_BUCKETS;
}

/**
 * Which member owns each bucket: index `b` of the result is bucket `b`'s owner (empty when there are
 * no members), by rendezvous hashing (`ownerOf`) of the bucket's number. Every replica that sees the
 * same members computes the same assignment, and of any two members, the one that wins a bucket
 * wins it in every view that holds both. Memoized: views change rarely and ownership is asked on
 * every reconcile (an assignment costs about 4096 × N hashes, a few ms).
 */
export function assignBuckets(members: readonly string[]): readonly string[] {
  // A view's members array is asked about on every reconcile: found by identity, without a join.
  const same = byArray.get(members);
  if (same) return same;
  const key = members.join('\n');
  const cached = assignments.get(key);
  if (cached) {
    byArray.set(members, cached);
    return cached;
  }
  const owners: string[] = [];
  if (members.length > 0) {
    for (let b = 0; b < SHARD_BUCKETS; b++) owners.push(ownerOf(String(b), members) ?? '');
  }
  // A handful of views at most are asked about at once (observed, active, a drain's).
  if (assignments.size >= 8) assignments.clear();
  assignments.set(key, owners);
  byArray.set(members, owners);
  return owners;
}

const assignments = new Map<string, readonly string[]>();
const byArray = new WeakMap<readonly string[], readonly string[]>();

/** The buckets `member` owns among `members`, ascending. */
export function bucketsOwnedBy(member: string, members: readonly string[]): number[] {
  const owners = assignBuckets(members);
  const out: number[] = [];
  for (let b = 0; b < owners.length; b++) if (owners[b] === member) out.push(b);
  return out;
}

/**
 * A label selector for objects routed to these buckets (ascending, not empty), as short as it can
 * be: the label's presence for all of them, `notin` the others when they are fewer (a value that
 * is no bucket then matches too, and is corrected where it lands), else `in` these.
 */
export function bucketsSelector(buckets: readonly number[]): string {
  if (buckets.length >= SHARD_BUCKETS) return SHARD_BUCKET_LABEL;
  if (buckets.length > SHARD_BUCKETS / 2) {
    const owned = new Set(buckets);
    const others: number[] = [];
    for (let b = 0; b < SHARD_BUCKETS; b++) if (!owned.has(b)) others.push(b);
    return `${SHARD_BUCKET_LABEL},${SHARD_BUCKET_LABEL} notin (${others.join(',')})`;
  }
  return `${SHARD_BUCKET_LABEL} in (${buckets.join(',')})`;
}

/** The bucket a label value names, or undefined when it names none (`"7"` is 7; `"07"` is none). */
export function parseBucket(value: string | undefined): number | undefined {
  if (value === undefined || !/^(0|[1-9][0-9]{0,3})$/.test(value)) return undefined;
  const b = Number(value);
  return b < SHARD_BUCKETS ? b : undefined;
}

/**
 * A label selector for objects with no valid bucket (no label, or a value that is no bucket):
 * `notin` also selects objects without the key, so one watch finds both.
 */
export const UNROUTED_SELECTOR = `${SHARD_BUCKET_LABEL} notin (${Array.from({ length: SHARD_BUCKETS }, (_, b) => b).join(',')})`;

/** The member that owns the shard key's bucket among `members` (undefined when there are none). */
export function ownerOfShardKey(shardKey: string, members: readonly string[]): string | undefined {
  return assignBuckets(members)[bucketOf(shardKey)] || undefined;
}
