// canonicalJson's text is stored on live objects (the desired-hash annotation): its hand-written form
// must give exactly the text of its definition, JSON.stringify with a key-sorting replacer, or every
// child would be rewritten once after an upgrade.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalJson, canonicalJsonByReplacer } from '../../../src/runtime/planner/json.js';

/** A small seeded generator (mulberry32), so a failure names a value that can be made again. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const KEYS = [
  'a',
  'b',
  'B',
  'z',
  '_',
  'é',
  '10',
  '9',
  '0',
  '01',
  '-1',
  '1.5',
  '4294967295',
  '4294967294',
  'a b',
  '"q"',
  '\u2028',
  '',
];
const STRINGS = ['', 'x', 'ünï✓', '"quoted"\\', '\n\t', '\ud800', '😀', '</script>'];
const NUMBERS = [0, -0, 1, -1.5, 1e21, 1e-7, 2 ** 53, Number.NaN, Number.POSITIVE_INFINITY, 0.1 + 0.2];

function value(next: () => number, depth: number): unknown {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] as T;
  const r = next();
  if (depth > 4 || r < 0.35) {
    return pick<unknown>([...STRINGS, ...NUMBERS, true, false, null, undefined, new Date(0), () => 1]);
  }
  if (r < 0.55) return Array.from({ length: Math.floor(next() * 4) }, () => value(next, depth + 1));
  const out: Record<string, unknown> = {};
  for (let i = Math.floor(next() * 6); i > 0; i--) out[pick(KEYS)] = value(next, depth + 1);
  return out;
}

describe('canonicalJson', () => {
  it('gives the text of its definition for 5000 generated values', () => {
    for (let seed = 1; seed <= 5000; seed++) {
      const v = value(random(seed), 0);
      assert.equal(
        canonicalJson(v),
        canonicalJsonByReplacer(v),
        `seed ${seed}: ${String(JSON.stringify(v))}`,
      );
    }
  });

  it('sorts keys at every depth, integer-like keys first in numeric order, as its definition does', () => {
    const text = canonicalJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: undefined }, 10: 'ten', 9: 'nine' });
    assert.equal(text, '{"9":"nine","10":"ten","a":{"d":[{"y":2,"z":1}]},"b":1}');
  });

  it('orders a large object (one sorted by Array.prototype.sort) as its definition does', () => {
    const next = random(7);
    const large: Record<string, number> = {};
    for (let i = 0; i < 60; i++) large[`${Math.floor(next() * 1000).toString(36)}${i % 3 ? '' : 'Z'}`] = i;
    for (let i = 0; i < 5; i++) large[String(Math.floor(next() * 100))] = i;
    assert.ok(Object.keys(large).length > 24);
    assert.equal(canonicalJson({ large }), canonicalJsonByReplacer({ large }));
  });

  it('takes values it was not written for to its definition: class instances, boxed values, __proto__ keys', () => {
    class Spec {
      constructor(
        readonly z = 1,
        readonly a = 2,
      ) {}
    }
    const proto = JSON.parse('{"__proto__": {"x": 1}, "b": 2}') as unknown;
    for (const v of [new Spec(), { s: new String('ab') }, { n: Object(1) }, proto, new Map([[1, 2]])]) {
      assert.equal(canonicalJson(v), canonicalJsonByReplacer(v));
    }
  });

  it('throws as its definition does on a cycle (the copies overflow the stack) and a BigInt', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = { back: cyclic };
    assert.throws(() => canonicalJsonByReplacer(cyclic), RangeError);
    assert.throws(() => canonicalJson(cyclic), RangeError);
    assert.throws(() => canonicalJsonByReplacer({ n: 1n }), TypeError);
    assert.throws(() => canonicalJson({ n: 1n }), TypeError);
  });
});
