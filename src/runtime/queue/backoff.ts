/** Settings for {@link ExponentialBackoff}. */
export interface ExponentialBackoffOptions {
  /** Delay before the first retry, in ms. */
  readonly baseDelayMs: number;
  /** Upper bound of any delay, in ms; jitter never pushes a delay above it. */
  readonly maxDelayMs: number;
  /**
   * Fraction of each delay that is random, in [0, 1]: a nominal delay `d` becomes a value in
   * `[d * (1 - jitter), d]`. `0` makes delays exact.
   */
  readonly jitter: number;
  /** Source of randomness in [0, 1); injectable so tests can pin jitter. */
  readonly random?: () => number;
}

/**
 * Per-key exponential backoff: the n-th consecutive failure of a key waits `base * 2^(n-1)`,
 * capped at `max`, minus up to `jitter` of it.
 *
 * @remarks
 * Keys are independent: one key failing never lengthens another key's delay. Jitter only ever
 * shortens a delay, so `maxDelayMs` is a hard bound, and keys that failed together (say, while
 * the API server was down) spread out instead of retrying in lock-step.
 */
export class ExponentialBackoff {
  private readonly counts = new Map<string, number>();
  private readonly random: () => number;

  constructor(private readonly options: ExponentialBackoffOptions) {
    this.random = options.random ?? Math.random;
  }

  /** Records one more failure of `key` and returns how long to wait before retrying it, in ms. */
  next(key: string): number {
    const previous = this.counts.get(key) ?? 0;
    this.counts.set(key, previous + 1);
    const { baseDelayMs, maxDelayMs, jitter } = this.options;
    // 2 ** 1024 is Infinity, which Math.min handles, so no exponent clamp is needed.
    const nominal = Math.min(maxDelayMs, baseDelayMs * 2 ** previous);
    return nominal * (1 - jitter * this.random());
  }

  /** Consecutive failures of `key` since it last succeeded (0 if none). */
  failures(key: string): number {
    return this.counts.get(key) ?? 0;
  }

  /** Clears `key`'s failures, so its next failure waits the base delay again. */
  forget(key: string): void {
    this.counts.delete(key);
  }
}
