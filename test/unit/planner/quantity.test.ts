import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseQuantity, sameQuantity } from '../../../src/runtime/planner/index.js';

const q = (numerator: bigint, denominator = 1n) => ({ numerator, denominator });

describe('parseQuantity', () => {
  const valid: [unknown, ReturnType<typeof q>][] = [
    ['1', q(1n)],
    ['0', q(0n)],
    ['500m', q(1n, 2n)],
    ['0.5', q(1n, 2n)],
    ['.5', q(1n, 2n)],
    ['+.5', q(1n, 2n)],
    ['5.', q(5n)],
    ['-1.5', q(-3n, 2n)],
    ['1n', q(1n, 1_000_000_000n)],
    ['250u', q(1n, 4000n)],
    ['2k', q(2000n)],
    ['1M', q(1_000_000n)],
    ['1G', q(1_000_000_000n)],
    ['1T', q(10n ** 12n)],
    ['1P', q(10n ** 15n)],
    ['1E', q(10n ** 18n)],
    ['1Ki', q(1024n)],
    ['1.5Gi', q(3n * 2n ** 29n)],
    ['1Mi', q(2n ** 20n)],
    ['1Ti', q(2n ** 40n)],
    ['1Pi', q(2n ** 50n)],
    ['1Ei', q(2n ** 60n)],
    ['1e3', q(1000n)],
    ['1E3', q(1000n)],
    ['12e-3', q(3n, 250n)],
    ['1e+2', q(100n)],
    ['9223372036854775807', q(9223372036854775807n)],
    [1, q(1n)],
    [0.5, q(1n, 2n)],
    [1e21, q(10n ** 21n)],
    [1e-7, q(1n, 10n ** 7n)],
  ];
  for (const [text, value] of valid) {
    it(`reads ${typeof text === 'string' ? `"${text}"` : `the number ${text}`}`, () => {
      assert.deepEqual(parseQuantity(text), value);
    });
  }

  it('rejects what is not a quantity', () => {
    const invalid: unknown[] = [
      '',
      ' 1',
      '1 ',
      'abc',
      '.',
      'm',
      'Ki',
      '1Kb',
      '1KiB',
      '1K',
      '1.2.3',
      '1e',
      '1e1.5',
      '0x10',
      '1e1001',
      Number.NaN,
      Number.POSITIVE_INFINITY,
      null,
      undefined,
      true,
      {},
      [],
    ];
    for (const value of invalid) assert.equal(parseQuantity(value), undefined, JSON.stringify(value));
  });
});

describe('sameQuantity', () => {
  const equal: [unknown, unknown][] = [
    ['0.5', '500m'],
    ['1024Mi', '1Gi'],
    [1, '1'],
    ['1e3', '1k'],
    ['1000m', '1'],
    ['1E', '1e18'],
    ['0.1', '100m'],
    ['0.3', '300m'],
    ['1Gi', '1073741824'],
    ['-0', '0'],
    ['1.50', '1500m'],
  ];
  for (const [a, b] of equal) {
    it(`${JSON.stringify(a)} equals ${JSON.stringify(b)}`, () => {
      assert.equal(sameQuantity(a, b), true);
      assert.equal(sameQuantity(b, a), true);
    });
  }

  const different: [unknown, unknown][] = [
    ['500m', '600m'],
    ['1G', '1Gi'],
    ['1Ki', '1k'],
    ['1', '-1'],
    // Exact, where a float would round both to the same value.
    ['0.30000000000000004', '0.3'],
    ['9223372036854775807', '9223372036854775808'],
    // Not quantities: equality of other strings is the caller's business.
    ['abc', 'abc'],
    ['1', undefined],
  ];
  for (const [a, b] of different) {
    it(`${JSON.stringify(a)} does not equal ${JSON.stringify(b) ?? 'undefined'}`, () => {
      assert.equal(sameQuantity(a, b), false);
    });
  }
});
