/**
 * An exact Kubernetes quantity: `numerator / denominator` in lowest terms, `denominator > 0`.
 *
 * Rational and BigInt rather than a float, so `"0.1"` and `"100m"` are equal and `"1e18"` and
 * `"1E"` are too, without rounding surprises at either end of the range.
 */
export interface Quantity {
  readonly numerator: bigint;
  readonly denominator: bigint;
}

// The grammar of k8s.io/apimachinery/pkg/api/resource:
//   <quantity> ::= <sign>? <number> (<binarySI> | <decimalExponent> | <decimalSI>)
// The exponent alternative comes before the decimal suffixes so `1E3` is 1000 and a bare `1E` is an exa.
const QUANTITY = /^([+-]?)(\d+)?(?:\.(\d*))?(?:(Ki|Mi|Gi|Ti|Pi|Ei)|[eE]([+-]?\d+)|(n|u|m|k|M|G|T|P|E)?)$/;

const DECIMAL_EXPONENT: Readonly<Record<string, number>> = {
  n: -9,
  u: -6,
  m: -3,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
};

const BINARY_EXPONENT: Readonly<Record<string, bigint>> = {
  Ki: 10n,
  Mi: 20n,
  Gi: 30n,
  Ti: 40n,
  Pi: 50n,
  Ei: 60n,
};

// Far beyond what the API server accepts (its quantities fit in int64 with a scale of 10^-9); the cap
// keeps a hostile `1e999999999` from costing a huge BigInt.
const MAX_EXPONENT = 1000;

/**
 * Parses a Kubernetes quantity (`"500m"`, `"1Gi"`, `"1.5e3"`, or a JSON number such as `1` or `0.5`).
 *
 * @returns the exact value, or `undefined` when `value` is not a quantity (any other type, empty
 * text, whitespace, an unknown suffix, or an exponent beyond ±1000).
 */
export function parseQuantity(value: unknown): Quantity | undefined {
  let text: string;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return undefined;
    // String() gives `0.5`, `1e+21` or `1e-7`: all inside the grammar, and exact for what was written.
    text = String(value);
  } else if (typeof value === 'string') {
    text = value;
  } else {
    return undefined;
  }
  const match = QUANTITY.exec(text);
  if (!match) return undefined;
  const [, sign, whole = '', fraction = '', binary, exponent, decimal] = match;
  if (whole === '' && fraction === '') return undefined; // `.`, `m`, `Ki` alone
  const power = exponent !== undefined ? Number(exponent) : (DECIMAL_EXPONENT[decimal ?? ''] ?? 0);
  if (Math.abs(power) > MAX_EXPONENT) return undefined;
  const scale = power - fraction.length;
  let numerator = BigInt(whole + fraction) * (binary === undefined ? 1n : 1n << BINARY_EXPONENT[binary]!);
  let denominator = 1n;
  if (scale >= 0) numerator *= 10n ** BigInt(scale);
  else denominator = 10n ** BigInt(-scale);
  if (sign === '-') numerator = -numerator;
  const divisor = gcd(numerator < 0n ? -numerator : numerator, denominator);
  return { numerator: numerator / divisor, denominator: denominator / divisor };
}

/**
 * True when `a` and `b` are both quantities (see {@link parseQuantity}) of the same value: `"0.5"`
 * and `"500m"`, `"1024Mi"` and `"1Gi"`, the number `1` and the string `"1"`.
 *
 * @remarks
 * The API server also rounds a value finer than its scale allows up to the next nano unit; such a
 * value compares unequal here, which is the safe side (a write, not a missed drift).
 */
export function sameQuantity(a: unknown, b: unknown): boolean {
  const x = parseQuantity(a);
  const y = parseQuantity(b);
  return x !== undefined && y !== undefined && x.numerator * y.denominator === y.numerator * x.denominator;
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a === 0n ? 1n : a;
}
