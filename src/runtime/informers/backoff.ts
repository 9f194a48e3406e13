/** How a reflector waits between failed attempts. All durations in milliseconds. */
export interface BackoffOptions {
  /** Delay ceiling of the first retry. Default 800. */
  initialMs?: number;
  /** Delay ceiling never exceeded. Default 30 000. */
  maxMs?: number;
  /** Growth per consecutive failure. Default 2. */
  factor?: number;
  /**
   * A watch that stays up this long ends the failure streak: the next failure waits `initialMs`
   * again and `failingSince` clears. Default 30 000.
   */
  resetAfterMs?: number;
}

/** {@link BackoffOptions} with every default filled in. */
export type ResolvedBackoff = Required<BackoffOptions>;

/** Fills in the defaults (800 ms doubling to 30 s, streak reset after 30 s of healthy watch). */
export function resolveBackoff(opts: BackoffOptions = {}): ResolvedBackoff {
  return {
    initialMs: opts.initialMs ?? 800,
    maxMs: opts.maxMs ?? 30_000,
    factor: opts.factor ?? 2,
    resetAfterMs: opts.resetAfterMs ?? 30_000,
  };
}

/**
 * Capped exponential backoff with "equal jitter": attempt n waits between half and all of
 * `min(max, initial * factor^(n-1))`.
 *
 * @remarks
 * Equal rather than full jitter: full jitter can draw a delay near zero, which is a hot loop in all
 * but name when the API server is down; half the ceiling is always waited. The jitter still spreads
 * many informers (and many replicas) that failed at the same moment.
 */
export class Backoff {
  private streak = 0;

  constructor(
    private readonly opts: ResolvedBackoff,
    private readonly random: () => number = Math.random,
  ) {}

  /** Consecutive failures since the last {@link reset}. */
  get failures(): number {
    return this.streak;
  }

  /** Records a failure and returns how long to wait before the next attempt. */
  next(): number {
    this.streak++;
    const ceiling = Math.min(this.opts.maxMs, this.opts.initialMs * this.opts.factor ** (this.streak - 1));
    return Math.round(ceiling / 2 + (this.random() * ceiling) / 2);
  }

  /** Ends the failure streak. */
  reset(): void {
    this.streak = 0;
  }
}
