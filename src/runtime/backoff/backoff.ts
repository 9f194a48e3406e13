/**
 * A capped exponential curve with jitter: the one backoff rule Operon uses, for reconcile retries
 * (per key, in the work queue) and for reconnecting (per reflector). All durations in ms.
 */
export interface BackoffCurve {
  /** Ceiling of the first retry's delay. */
  readonly initialMs: number;
  /** Upper bound of any delay; jitter never pushes a delay above it. */
  readonly maxMs: number;
  /** Growth of the ceiling per consecutive failure. Default 2. */
  readonly factor?: number;
  /**
   * Fraction of each delay that is random, in [0, 1]: a ceiling `d` becomes a delay in
   * `[d * (1 - jitter), d]`. Default 0.5 ("equal jitter"); 0 makes delays exact.
   */
  readonly jitter?: number;
}

/**
 * The delay before retrying after the `failures`-th consecutive failure (1 for the first):
 * `min(max, initial * factor^(failures-1))`, minus up to `jitter` of it.
 *
 * @remarks
 * Jitter only ever shortens a delay, so `maxMs` is a hard bound, and keys or informers that failed
 * together (say, while the API server was down) spread out instead of retrying in lock-step. Equal
 * jitter (0.5), not full jitter, by default: full jitter can draw a delay near zero, which is a hot
 * loop in all but name while the API server is down; half the ceiling is always waited.
 */
export function backoffDelay(
  curve: BackoffCurve,
  failures: number,
  random: () => number = Math.random,
): number {
  const { initialMs, maxMs, factor = 2, jitter = 0.5 } = curve;
  // Past the cap the power only overflows towards Infinity; min() keeps that harmless.
  const ceiling = Math.min(maxMs, initialMs * factor ** (Math.max(1, failures) - 1));
  return ceiling * (1 - jitter * random());
}

/** One stream of attempts (a reflector's connection): a failure streak and its next delay. */
export class Backoff {
  private streak = 0;

  constructor(
    private readonly curve: BackoffCurve,
    private readonly random: () => number = Math.random,
  ) {}

  /** Consecutive failures since the last {@link reset}. */
  get failures(): number {
    return this.streak;
  }

  /** Records a failure and returns how long to wait before the next attempt. */
  next(): number {
    this.streak++;
    return backoffDelay(this.curve, this.streak, this.random);
  }

  /** Ends the failure streak. */
  reset(): void {
    this.streak = 0;
  }
}

/**
 * Independent failure streaks per key (the work queue's parents): one key failing never lengthens
 * another key's delay.
 */
export class KeyedBackoff {
  private readonly counts = new Map<string, number>();

  constructor(
    private readonly curve: BackoffCurve,
    private readonly random: () => number = Math.random,
  ) {}

  /** Records one more failure of `key` and returns how long to wait before retrying it. */
  next(key: string): number {
    const failures = (this.counts.get(key) ?? 0) + 1;
    this.counts.set(key, failures);
    return backoffDelay(this.curve, failures, this.random);
  }

  /** Consecutive failures of `key` since it last succeeded (0 if none). */
  failures(key: string): number {
    return this.counts.get(key) ?? 0;
  }

  /** Clears `key`'s failures, so its next failure waits the initial delay again. */
  forget(key: string): void {
    this.counts.delete(key);
  }
}
