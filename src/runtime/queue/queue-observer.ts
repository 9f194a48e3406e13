/**
 * Hooks a {@link WorkQueue} calls so metrics can follow it (the same signals as client-go's
 * workqueue metrics). Every hook is optional.
 *
 * @remarks
 * Hooks run synchronously inside the queue's bookkeeping, so keep them cheap (increment a counter,
 * set a gauge). A hook that throws does not disturb the queue: the error is reported once per hook
 * as a process warning and otherwise ignored, because broken metrics must not stop reconciles.
 */
export interface QueueObserver {
  /** `key` became pending: it was not already waiting to run. Repeated adds of a waiting key are not counted. */
  onAdd?(key: string): void;
  /** `key` failed and will run again after `delayMs` (the larger of its backoff and the global rate limit). */
  onRetry?(key: string, delayMs: number, error: unknown): void;
  /** The number of keys ready to run (not running, not waiting on a timer) changed to `depth`. */
  onDepth?(depth: number): void;
  /** `key` starts running `waitedMs` after it became pending. */
  onLatency?(waitedMs: number, key: string): void;
  /** A run of `key` took `durationMs`, whether it succeeded or failed. */
  onWorkDuration?(durationMs: number, key: string): void;
  /** The number of handlers running changed to `active`. */
  onActive?(active: number): void;
}
