/**
 * How a reflector waits between failed attempts (on the shared curve of `runtime/backoff`, with
 * equal jitter). All durations in milliseconds.
 *
 * @remarks
 * Two kinds of failure back off separately (see {@link Reflector}): the API server could not be
 * reached at all (connection refused or reset, 502/503), and the API server answered with an error.
 * Both start at `initialMs` and double; the first is capped at `unreachableMaxMs`, the second at
 * `maxMs`. A 410 Gone never waits: it relists at once.
 */
export interface BackoffOptions {
  /** Delay ceiling of the first retry. Default 800. */
  initialMs?: number;
  /** Delay ceiling for errors the API server answered (403, 500, 429, a broken stream). Default 30 000. */
  maxMs?: number;
  /**
   * Delay ceiling while the API server cannot be reached (connection refused, reset or timed out, or
   * a 502/503 from whatever stands in front of it). Default 2 000, and never above `maxMs`.
   *
   * Low on purpose: such an attempt costs the API server nothing, and the retry interval is how
   * long an informer can lag behind an API server that has come back. With 2 s, an informer has
   * listed again within about 2 s of the API server being back, whatever the outage lasted.
   */
  unreachableMaxMs?: number;
  /** Growth per consecutive failure. Default 2. */
  factor?: number;
  /**
   * A watch that stays up this long ends the failure streak: the next error waits `initialMs`
   * again and `failingSince` clears. Default 30 000.
   */
  resetAfterMs?: number;
}

/** {@link BackoffOptions} with every default filled in. */
export type ResolvedBackoff = Required<BackoffOptions>;

/**
 * Fills in the defaults: 800 ms doubling to 30 s for errors, to 2 s while the API server is
 * unreachable; streak reset after 30 s of healthy watch.
 */
export function resolveBackoff(opts: BackoffOptions = {}): ResolvedBackoff {
  const maxMs = opts.maxMs ?? 30_000;
  return {
    initialMs: opts.initialMs ?? 800,
    maxMs,
    unreachableMaxMs: Math.min(opts.unreachableMaxMs ?? 2_000, maxMs),
    factor: opts.factor ?? 2,
    resetAfterMs: opts.resetAfterMs ?? 30_000,
  };
}
