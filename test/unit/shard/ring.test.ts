import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hash53, ownerOf, shardKeyOf, shardKeyOfObjectKey } from '../../../src/runtime/shard/index.js';

const KEYS = Array.from({ length: 4000 }, (_, i) => `ns-${i % 37}/parent-${i}`);
const MEMBERS = ['web-7d9f_1b2c', 'web-7d9f_88aa', 'web-5c1e_03ff', 'web-5c1e_9d10'];

function split(keys: readonly string[], members: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>(members.map((m) => [m, 0]));
  for (const k of keys) {
    const o = ownerOf(k, members);
    assert.ok(o !== undefined);
    counts.set(o, (counts.get(o) ?? 0) + 1);
  }
  return counts;
}

describe('ownerOf (rendezvous hashing)', () => {
  for (const n of [2, 3, 4]) {
    it(`splits 4000 keys over ${n} members within 10 % of even`, () => {
      const even = KEYS.length / n;
      for (const [m, count] of split(KEYS, MEMBERS.slice(0, n))) {
        assert.ok(Math.abs(count - even) <= even * 0.1, `${m} owns ${count} keys; even is ${even}`);
      }
    });
  }

  it('moves only the keys a joining member gains, about 1/N of them', () => {
    for (const n of [1, 2, 3]) {
      const before = MEMBERS.slice(0, n);
      const after = MEMBERS.slice(0, n + 1);
      const joined = MEMBERS[n];
      let moved = 0;
      for (const k of KEYS) {
        const was = ownerOf(k, before);
        const is = ownerOf(k, after);
        if (was === is) continue;
        moved++;
        assert.equal(is, joined, `key ${k} moved between two old members`);
      }
      const expected = KEYS.length / (n + 1);
      assert.ok(
        Math.abs(moved - expected) <= expected * 0.1,
        `${moved} keys moved; 1/${n + 1} is ${expected}`,
      );
    }
  });

  it('gives a leaving member’s keys to the others and moves nothing else', () => {
    const after = MEMBERS.filter((m) => m !== MEMBERS[1]);
    for (const k of KEYS) {
      const was = ownerOf(k, MEMBERS);
      if (was !== MEMBERS[1]) assert.equal(ownerOf(k, after), was);
    }
  });

  it('does not depend on the order of the members, and has no owner without members', () => {
    const reversed = [...MEMBERS].reverse();
    for (const k of KEYS.slice(0, 500)) assert.equal(ownerOf(k, MEMBERS), ownerOf(k, reversed));
    assert.equal(ownerOf('ns/a', []), undefined);
  });

  it('is cheap: 4000 keys over 4 members in well under 100 ms', () => {
    split(KEYS, MEMBERS); // warm up
    const started = performance.now();
    split(KEYS, MEMBERS);
    const ms = performance.now() - started;
    assert.ok(ms < 100, `took ${ms.toFixed(1)} ms`);
  });

  it('hashes the same on every run (replicas of different builds must agree)', () => {
    assert.equal(hash53(''), 3338908027751811);
    assert.equal(hash53('a\0ns/b'), hash53('a\0ns/b'));
    assert.ok(Number.isSafeInteger(hash53('web-7d9f_1b2c\0ns-1/parent-1')));
  });
});

describe('shardKeyOf', () => {
  it('places parents by namespace/name, or by namespace alone', () => {
    assert.equal(shardKeyOf('team-a', 'web', 'name'), 'team-a/web');
    assert.equal(shardKeyOf('team-a', 'web', 'namespace'), 'team-a');
    assert.equal(shardKeyOfObjectKey('team-a/web', 'namespace'), 'team-a');
    assert.equal(shardKeyOfObjectKey('team-a/web', 'name'), 'team-a/web');
  });

  it('places a cluster-scoped parent by its name either way', () => {
    assert.equal(shardKeyOf(undefined, 'global', 'namespace'), 'global');
    assert.equal(shardKeyOfObjectKey('global', 'namespace'), 'global');
    assert.equal(shardKeyOfObjectKey('global', 'name'), 'global');
  });
});
