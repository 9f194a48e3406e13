import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  assignBuckets,
  bucketOf,
  bucketsOwnedBy,
  bucketsSelector,
  hash53,
  ownerOf,
  ownerOfShardKey,
  parseBucket,
  SHARD_BUCKET_LABEL,
  SHARD_BUCKETS,
  UNROUTED_SELECTOR,
} from '../../../src/runtime/shard/index.js';

const MEMBERS = ['web-7d9f_1b2c', 'web-7d9f_88aa', 'web-5c1e_03ff', 'web-5c1e_9d10'];
const [A, B, C, D] = MEMBERS as [string, string, string, string];
const ALL = Array.from({ length: SHARD_BUCKETS }, (_, b) => b);

/** The bucket numbers inside the parentheses of a `key in (...)` / `key notin (...)` term. */
function valuesOf(term: string): number[] {
  const m = /\(([^)]*)\)$/.exec(term);
  assert.ok(m, `no value list in ${term.slice(0, 80)}`);
  return (m[1] ?? '').split(',').map((v) => {
    assert.match(v, /^\d+$/);
    return Number(v);
  });
}

describe('SHARD_BUCKETS and bucketOf', () => {
  it('has 4096 buckets', () => {
    assert.equal(SHARD_BUCKETS, 4096);
    assert.equal(SHARD_BUCKET_LABEL, 'operon.dev/shard-bucket');
  });

  it('puts a shard key in the same bucket on every run (replicas of different builds must agree)', () => {
    // Computed once from the implementation; a change here re-routes every labelled object.
    assert.equal(bucketOf('ns/a'), 2119);
    assert.equal(bucketOf('team-a/web'), 2537);
    assert.equal(bucketOf(''), 3459);
    assert.equal(bucketOf('ns/a'), hash53('ns/a') % SHARD_BUCKETS);
  });

  it('gives every key a bucket in range, spread over many buckets', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 4000; i++) {
      const b = bucketOf(`ns-${i % 37}/parent-${i}`);
      assert.ok(Number.isInteger(b) && b >= 0 && b < SHARD_BUCKETS, `bucket ${b}`);
      seen.add(b);
    }
    // 4000 draws from 4096 buckets hit about 4096 × (1 − e^(−4000/4096)) ≈ 2550 distinct ones.
    assert.ok(seen.size > 2300, `only ${seen.size} distinct buckets`);
  });
});

describe('assignBuckets', () => {
  it('assigns every bucket by rendezvous hashing of its number, the same on every call', () => {
    const owners = [...assignBuckets(MEMBERS)];
    assert.equal(owners.length, SHARD_BUCKETS);
    for (let b = 0; b < SHARD_BUCKETS; b++) assert.equal(owners[b], ownerOf(String(b), MEMBERS));
    // Push the memo past its size, so the next call computes the assignment again.
    for (let i = 0; i < 10; i++) assignBuckets([`other-${i}`, A]);
    assert.deepEqual([...assignBuckets(MEMBERS)], owners);
  });

  it('does not depend on the order of the members (nor on duplicates)', () => {
    const owners = [...assignBuckets(MEMBERS)];
    assert.deepEqual([...assignBuckets([...MEMBERS].reverse())], owners);
    assert.deepEqual([...assignBuckets([C, A, D, B])], owners);
    assert.deepEqual([...assignBuckets([C, A, D, B, A])], owners);
  });

  it('has no owners without members', () => {
    assert.deepEqual([...assignBuckets([])], []);
    assert.deepEqual(bucketsOwnedBy(A, []), []);
    assert.equal(ownerOfShardKey('ns/a', []), undefined);
  });

  it('gives a bucket to the winner of each pair in every view that holds both', () => {
    const views = [[A, B], [A, B, C], MEMBERS];
    for (const [x, y] of [
      [A, B],
      [A, C],
      [B, C],
      [A, D],
      [C, D],
    ] as const) {
      const pair = assignBuckets([x, y]);
      for (const view of views) {
        if (!view.includes(x) || !view.includes(y)) continue;
        const owners = assignBuckets(view);
        let checked = 0;
        for (let b = 0; b < SHARD_BUCKETS; b++) {
          const loser = pair[b] === x ? y : x;
          assert.notEqual(
            owners[b],
            loser,
            `bucket ${b}: ${loser} lost it to ${pair[b]} alone, not in ${view}`,
          );
          if (owners[b] === pair[b]) checked++;
        }
        // The pair's winner keeps a share of the buckets in the bigger view (not vacuously true).
        assert.ok(checked > SHARD_BUCKETS / view.length / 2, `${checked} buckets kept in ${view}`);
      }
    }
  });

  it('moves to a joining member only the buckets it then owns, about 1/N of them', () => {
    for (const n of [1, 2, 3]) {
      const before = assignBuckets(MEMBERS.slice(0, n));
      const after = assignBuckets(MEMBERS.slice(0, n + 1));
      const joined = MEMBERS[n];
      let moved = 0;
      for (let b = 0; b < SHARD_BUCKETS; b++) {
        if (before[b] === after[b]) continue;
        moved++;
        assert.equal(after[b], joined, `bucket ${b} moved from ${before[b]} to ${after[b]}`);
      }
      const expected = SHARD_BUCKETS / (n + 1);
      assert.ok(Math.abs(moved - expected) <= expected * 0.1, `${moved} moved; 1/${n + 1} is ${expected}`);
    }
  });

  it('gives a leaving member’s buckets to the others and moves nothing else', () => {
    const before = assignBuckets(MEMBERS);
    const after = assignBuckets(MEMBERS.filter((m) => m !== B));
    let gone = 0;
    for (let b = 0; b < SHARD_BUCKETS; b++) {
      if (before[b] === B) {
        gone++;
        assert.notEqual(after[b], B);
      } else assert.equal(after[b], before[b], `bucket ${b}`);
    }
    assert.ok(gone > 0);
  });

  it('gives each of 4 members about 1024 buckets', () => {
    // Binomial(4096, 1/4): σ ≈ 28; ±150 is more than 5σ.
    const counts = MEMBERS.map((m) => bucketsOwnedBy(m, MEMBERS).length);
    assert.equal(
      counts.reduce((a, b) => a + b, 0),
      SHARD_BUCKETS,
    );
    for (const [i, c] of counts.entries()) {
      assert.ok(Math.abs(c - 1024) <= 150, `${MEMBERS[i]} owns ${c} buckets`);
    }
  });
});

describe('bucketsOwnedBy and ownerOfShardKey', () => {
  it('lists a member’s buckets ascending, and the members’ lists partition all buckets', () => {
    const seen = new Set<number>();
    for (const m of MEMBERS) {
      const mine = bucketsOwnedBy(m, MEMBERS);
      assert.ok(mine.length > 0);
      for (let i = 1; i < mine.length; i++) assert.ok((mine[i - 1] ?? -1) < (mine[i] ?? -1));
      for (const b of mine) {
        assert.equal(assignBuckets(MEMBERS)[b], m);
        assert.ok(!seen.has(b), `bucket ${b} owned twice`);
        seen.add(b);
      }
    }
    assert.equal(seen.size, SHARD_BUCKETS);
    assert.deepEqual(bucketsOwnedBy('not-a-member', MEMBERS), []);
  });

  it('owns a shard key by its bucket’s owner', () => {
    for (let i = 0; i < 200; i++) {
      const key = `ns-${i % 7}/parent-${i}`;
      const owner = ownerOfShardKey(key, MEMBERS);
      assert.equal(owner, assignBuckets(MEMBERS)[bucketOf(key)]);
      assert.ok(bucketsOwnedBy(owner ?? '', MEMBERS).includes(bucketOf(key)));
    }
  });
});

describe('bucketsSelector', () => {
  it('selects all buckets by the label’s presence alone', () => {
    assert.equal(bucketsSelector(ALL), SHARD_BUCKET_LABEL);
  });

  it('lists a few buckets with `in`', () => {
    assert.equal(bucketsSelector([1, 2, 3]), `${SHARD_BUCKET_LABEL} in (1,2,3)`);
    assert.equal(bucketsSelector([4095]), `${SHARD_BUCKET_LABEL} in (4095)`);
  });

  it('uses `in` up to exactly half the buckets, and `notin` the others past half', () => {
    const half = ALL.slice(0, SHARD_BUCKETS / 2);
    const atHalf = bucketsSelector(half);
    assert.ok(atHalf.startsWith(`${SHARD_BUCKET_LABEL} in (`), atHalf.slice(0, 60));
    assert.deepEqual(valuesOf(atHalf), half);
    const pastHalf = bucketsSelector(ALL.slice(0, SHARD_BUCKETS / 2 + 1));
    assert.ok(
      pastHalf.startsWith(`${SHARD_BUCKET_LABEL},${SHARD_BUCKET_LABEL} notin (`),
      pastHalf.slice(0, 60),
    );
    assert.deepEqual(valuesOf(pastHalf), ALL.slice(SHARD_BUCKETS / 2 + 1));
  });

  it('selects all but a few buckets by requiring the label and excluding the few', () => {
    const few = new Set([5, 100, 4095]);
    assert.equal(
      bucketsSelector(ALL.filter((b) => !few.has(b))),
      `${SHARD_BUCKET_LABEL},${SHARD_BUCKET_LABEL} notin (5,100,4095)`,
    );
  });

  it('excludes exactly the complement of three members’ buckets', () => {
    const mine = new Set([A, B, C].flatMap((m) => bucketsOwnedBy(m, MEMBERS)));
    const buckets = ALL.filter((b) => mine.has(b));
    assert.ok(buckets.length > SHARD_BUCKETS / 2);
    const selector = bucketsSelector(buckets);
    const [presence, excluded, ...rest] = selector.split(/,(?![^(]*\))/);
    assert.equal(presence, SHARD_BUCKET_LABEL);
    assert.ok(excluded?.startsWith(`${SHARD_BUCKET_LABEL} notin (`));
    assert.deepEqual(rest, []);
    const others = valuesOf(excluded ?? '');
    assert.deepEqual(others, bucketsOwnedBy(D, MEMBERS));
    assert.equal(others.length + buckets.length, SHARD_BUCKETS);
    for (const b of others) assert.ok(!mine.has(b), `bucket ${b} is selected and excluded`);
  });

  it('matches one member’s buckets with `in` them', () => {
    const mine = bucketsOwnedBy(A, MEMBERS);
    const selector = bucketsSelector(mine);
    assert.ok(selector.startsWith(`${SHARD_BUCKET_LABEL} in (`));
    assert.deepEqual(valuesOf(selector), mine);
  });
});

describe('parseBucket', () => {
  it('reads a bucket number', () => {
    assert.equal(parseBucket('0'), 0);
    assert.equal(parseBucket('7'), 7);
    assert.equal(parseBucket('4095'), 4095);
  });

  it('rejects what names no bucket', () => {
    for (const v of ['4096', '9999', '10000', '07', '00', '-1', 'x', '', ' 1', '1 ', '1e3', '0x1', '1.0']) {
      assert.equal(parseBucket(v), undefined, JSON.stringify(v));
    }
    assert.equal(parseBucket(undefined), undefined);
  });
});

describe('UNROUTED_SELECTOR', () => {
  it('selects objects with no valid bucket: `notin` every bucket, in order', () => {
    const prefix = `${SHARD_BUCKET_LABEL} notin (`;
    assert.ok(UNROUTED_SELECTOR.startsWith(prefix));
    assert.ok(UNROUTED_SELECTOR.endsWith(')'));
    assert.equal(UNROUTED_SELECTOR.split(/,(?![^(]*\))/).length, 1, 'one term only');
    assert.deepEqual(valuesOf(UNROUTED_SELECTOR), ALL);
  });
});
