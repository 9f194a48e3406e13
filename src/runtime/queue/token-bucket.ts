/**
 * A token bucket that hands out delays instead of refusals: each {@link TokenBucket.reserve} takes
 * one token and says how long the caller must wait for it.
 *
 * @remarks
 * Up to `burst` reservations are immediate; after that they are spaced `1000 / qps` ms apart.
 * Reservations queue up (the token count goes negative), so a burst of 300 calls at 10 qps gets
 * delays spread out to 20 s, instead of all retrying at the same instant. Same model as
 * `golang.org/x/time/rate`'s `Reserve().Delay()`, which client-go's controller rate limiter uses.
 * `qps: Infinity` disables the bucket.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly qps: number,
    private readonly burst: number,
    private readonly now: () => number,
  ) {
    this.tokens = burst;
    this.last = now();
  }

  /** Takes one token and returns the wait before it is really available, in ms (0 when one is spare). */
  reserve(): number {
    if (this.qps === Number.POSITIVE_INFINITY) return 0;
    const now = this.now();
    // A clock that goes backwards (an injected one) must not drain the bucket.
    const elapsed = Math.max(0, now - this.last);
    this.last = now;
    this.tokens = Math.min(this.burst, this.tokens + (elapsed * this.qps) / 1000);
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : (-this.tokens * 1000) / this.qps;
  }
}
