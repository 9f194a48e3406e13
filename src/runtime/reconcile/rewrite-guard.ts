/** Rewrites (apply, replace, recreate) of one child for one desired state allowed within the window. */
export const MAX_REWRITES = 3;
/** How long a rewrite counts against the limit. */
export const REWRITE_WINDOW_MS = 10 * 60_000;

/**
 * The loop breaker (DESIGN rule 4): a child is never rewritten or recreated in a loop.
 *
 * @remarks
 * When what the server makes of a write never matches the desired object (a mutating webhook or
 * defaulting that Operon's comparison does not know, or another controller fighting over a field),
 * every pass would write again, and with `recreate` make a new object every pass. Rewrites are
 * counted per child and desired hash: after {@link MAX_REWRITES} within {@link REWRITE_WINDOW_MS}
 * the writer stops and the parent reports `NotConverging`. A new desired state starts a new count,
 * and old rewrites age out, so a person correcting a child now and then is never mistaken for a loop.
 */
export class RewriteGuard {
  private readonly counts = new Map<string, { hash: string; at: number[] }>();

  constructor(private readonly now: () => number = Date.now) {}

  /** True when `child` may be rewritten once more for the desired state `hash`. */
  allows(child: string, hash: string): boolean {
    return this.recent(child, hash).length < MAX_REWRITES;
  }

  /** Counts one rewrite of `child` for `hash`. */
  record(child: string, hash: string): void {
    const at = this.recent(child, hash);
    at.push(this.now());
    this.counts.set(child, { hash, at });
  }

  private recent(child: string, hash: string): number[] {
    const entry = this.counts.get(child);
    if (!entry || entry.hash !== hash) return [];
    const since = this.now() - REWRITE_WINDOW_MS;
    return entry.at.filter((t) => t > since);
  }
}
