import { ConfigError } from '../../errors/index.js';
import type { QueueObserver } from './queue-observer.js';

/** Settings of one {@link WorkQueue}; everything but `name` and `concurrency` has a default. */
export interface WorkQueueOptions {
  /** The operator's name; appears in messages and labels metrics. */
  readonly name: string;
  /** Most handlers running at once (each on a different key). A whole number ≥ 1. */
  readonly concurrency: number;
  /** Delay before a failed key's first retry, in ms. Default {@link WORK_QUEUE_DEFAULTS}.baseDelayMs. */
  readonly baseDelayMs?: number;
  /** Longest delay between retries of one failing key, in ms. Default {@link WORK_QUEUE_DEFAULTS}.maxDelayMs. */
  readonly maxDelayMs?: number;
  /** Fraction of each backoff delay that is random, in [0, 1]. Default {@link WORK_QUEUE_DEFAULTS}.jitter. */
  readonly jitter?: number;
  /** Steady rate of retries across all keys, per second; `Infinity` disables the limit. */
  readonly qps?: number;
  /** Retries allowed at once above `qps` before the rate limit applies. */
  readonly burst?: number;
  /** Metric hooks. */
  readonly observer?: QueueObserver;
  /** Monotonic clock in ms, for the rate limit and latency metrics; injectable for tests. */
  readonly now?: () => number;
  /** Random numbers in [0, 1) for backoff jitter; injectable for tests. */
  readonly random?: () => number;
}

/**
 * Defaults of {@link WorkQueueOptions}.
 *
 * @remarks
 * - `baseDelayMs: 5`, `qps: 10`, `burst: 100`: client-go's default controller rate limiter, which
 *   controller-runtime uses too; they are well tried on real clusters.
 * - `maxDelayMs: 300_000` (5 min), where client-go caps at 1000 s: the cap is how late a key notices
 *   that an outside cause (API server down, missing RBAC, an external system) went away, since
 *   nothing in the cluster wakes it. 5 min keeps that bounded, and 1000 keys failing at the cap
 *   still retry only ~3.3 times a second, under the 10 qps limit.
 * - `jitter: 0.5`: delays land in [d/2, d] ("equal jitter"), enough to break lock-step retries.
 * - `shutdownTimeoutMs: 30_000`: Kubernetes' default termination grace period and
 *   controller-runtime's graceful shutdown timeout.
 */
export const WORK_QUEUE_DEFAULTS = Object.freeze({
  baseDelayMs: 5,
  maxDelayMs: 300_000,
  jitter: 0.5,
  qps: 10,
  burst: 100,
  shutdownTimeoutMs: 30_000,
});

/** Options with every default applied. */
export type ResolvedWorkQueueOptions = Required<Omit<WorkQueueOptions, 'observer'>> &
  Pick<WorkQueueOptions, 'observer'>;

/**
 * Applies defaults and checks every value, reporting all problems at once.
 *
 * @throws ConfigError listing each invalid option, what it must be, and what was given.
 */
export function resolveWorkQueueOptions(options: WorkQueueOptions): ResolvedWorkQueueOptions {
  const resolved: ResolvedWorkQueueOptions = {
    baseDelayMs: WORK_QUEUE_DEFAULTS.baseDelayMs,
    maxDelayMs: WORK_QUEUE_DEFAULTS.maxDelayMs,
    jitter: WORK_QUEUE_DEFAULTS.jitter,
    qps: WORK_QUEUE_DEFAULTS.qps,
    burst: WORK_QUEUE_DEFAULTS.burst,
    now: () => performance.now(),
    random: Math.random,
    ...withoutUndefined(options),
  };
  const problems: string[] = [];
  const check = (ok: boolean, option: string, rule: string, value: unknown): void => {
    if (!ok) {
      problems.push(
        `work queue "${resolved.name}": option ${option} must be ${rule} (got ${String(value)}).`,
      );
    }
  };
  check(
    typeof resolved.name === 'string' && resolved.name !== '',
    'name',
    'the operator name',
    resolved.name,
  );
  const { concurrency, baseDelayMs, maxDelayMs, jitter, qps, burst } = resolved;
  check(Number.isInteger(concurrency) && concurrency >= 1, 'concurrency', 'a whole number ≥ 1', concurrency);
  check(Number.isFinite(baseDelayMs) && baseDelayMs > 0, 'baseDelayMs', 'a number of ms > 0', baseDelayMs);
  check(
    Number.isFinite(maxDelayMs) && maxDelayMs >= baseDelayMs,
    'maxDelayMs',
    `a number of ms ≥ baseDelayMs (${baseDelayMs})`,
    maxDelayMs,
  );
  check(jitter >= 0 && jitter <= 1, 'jitter', 'a fraction in [0, 1]', jitter);
  check(qps > 0, 'qps', 'a rate > 0 (Infinity for no limit)', qps);
  check(Number.isInteger(burst) && burst >= 1, 'burst', 'a whole number ≥ 1', burst);
  if (problems.length > 0) throw new ConfigError(problems);
  return resolved;
}

/** Lets `{ qps: undefined }` mean "use the default", as it reads, instead of overriding it. */
function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
