/** setTimeout's delay is a signed 32-bit ms count; anything longer fires after 1 ms instead. */
const MAX_TIMER_MS = 2 ** 31 - 1;

interface Pending {
  readonly dueAt: number;
  readonly timer: NodeJS.Timeout;
}

/**
 * At most one timer per key, always the one due soonest; when it fires, the key is handed to
 * `fire` and forgotten.
 *
 * @remarks
 * Timers are deliberately not `unref`'d: a pending retry is work the process still owes, so it
 * keeps the event loop alive until the owner calls {@link DelayedKeys.clear}.
 */
export class DelayedKeys {
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly fire: (key: string) => void,
    private readonly now: () => number,
  ) {}

  /** Keys waiting on a timer. */
  get size(): number {
    return this.pending.size;
  }

  /**
   * Fires `key` after `delayMs` unless it is already due sooner. Delays above ~24.8 days are
   * clamped to that, the longest a Node timer can wait.
   */
  schedule(key: string, delayMs: number): void {
    const wait = Math.min(delayMs, MAX_TIMER_MS);
    const dueAt = this.now() + wait;
    const current = this.pending.get(key);
    if (current !== undefined) {
      if (current.dueAt <= dueAt) return;
      clearTimeout(current.timer);
    }
    const timer = setTimeout(() => {
      this.pending.delete(key);
      this.fire(key);
    }, wait);
    this.pending.set(key, { dueAt, timer });
  }

  /** Drops `key`'s timer, if any. */
  cancel(key: string): void {
    const current = this.pending.get(key);
    if (current === undefined) return;
    clearTimeout(current.timer);
    this.pending.delete(key);
  }

  /** Drops every timer, so none can keep the process alive or fire later. */
  clear(): void {
    for (const { timer } of this.pending.values()) clearTimeout(timer);
    this.pending.clear();
  }
}
