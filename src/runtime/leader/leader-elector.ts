import { setTimeout as sleep } from 'node:timers/promises';
import { type Logger, silentLogger } from '../../observability/logger.js';
import { ApiError } from '../api/api-error.js';
import { RETRY_JITTER, type ResolvedLeaderElection } from './leader-election-options.js';
import { type LeaderElectionRecord, type LeaseLock, microTime } from './lease-lock.js';

/** What a {@link LeaderElector} tells its owner. Each callback is optional and must not throw. */
export interface LeaderCallbacks {
  /** This replica acquired the lease: start reconciling. */
  onStartedLeading?(): void;
  /**
   * This replica lost the lease (it could not renew within the renew deadline, or saw another
   * holder): stop reconciling now. Not called on {@link LeaderElector.stop}.
   */
  onStoppedLeading?(): void;
  /** The observed holder changed (`''`: nobody holds it). */
  onNewLeader?(identity: string): void;
}

type Attempt = 'ok' | 'held' | 'failed';

/**
 * Competes for a lease with the other replicas of an application, following client-go's
 * `leaderelection` algorithm, and tells its owner when this replica starts and stops leading.
 *
 * @remarks
 * Guarantees and limits (the same as client-go's):
 * - A candidate takes the lease only when nobody holds it, or when the holder's record has not
 *   changed for the lease duration as measured on the candidate's own monotonic clock (so clock
 *   skew between nodes does not matter; skew *rate* does). Writes are compare-and-swap, so two
 *   candidates never both win the same round.
 * - The leader renews every retry period; when renewals keep failing until the renew deadline, or
 *   another holder is seen, it reports the loss at once: it stops leading before anyone else may
 *   start, provided the renew deadline is shorter than the lease duration.
 * - This is not fencing: a leader paused longer than the lease (a frozen VM) can act after a
 *   successor started. Keep writes idempotent, as Operon's are.
 * - After a loss the elector does not compete again; its owner is expected to stop (Operon's host
 *   stops, and `runOperators` exits so the replica restarts as a fresh candidate, as
 *   controller-runtime does).
 *
 * @example
 * ```ts
 * const elector = new LeaderElector(new KubeLeaseLock(api, 'ops', 'my-app'), resolveLeaderElection({ leaseName: 'my-app', namespace: 'ops' }), {
 *   onStartedLeading: () => queue.start(),
 *   onStoppedLeading: () => process.exit(1),
 * });
 * elector.start();
 * // on SIGTERM, after the work stopped:
 * await elector.stop({ release: true });
 * ```
 */
export class LeaderElector {
  private observed: LeaderElectionRecord | undefined;
  private observedAt = 0;
  private reported: string | undefined;
  private leading = false;
  private loop: Promise<void> | undefined;
  private readonly abort = new AbortController();
  private readonly log: Logger;

  constructor(
    private readonly lock: LeaseLock,
    private readonly options: ResolvedLeaderElection,
    private readonly callbacks: LeaderCallbacks = {},
    log?: Logger,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.log = (log ?? silentLogger()).child({ lease: lock.describe(), identity: options.identity });
  }

  /** This replica's identity in the lease. */
  get identity(): string {
    return this.options.identity;
  }

  /** True between `onStartedLeading` and a loss or {@link stop}. */
  get isLeader(): boolean {
    return this.leading;
  }

  /** The holder last seen in the lease; undefined when nobody holds it or nothing was read yet. */
  get leader(): string | undefined {
    return this.observed?.holderIdentity || undefined;
  }

  /** Starts competing in the background. Calling it again does nothing. */
  start(): void {
    if (this.loop || this.abort.signal.aborted) return;
    this.loop = this.run(this.abort.signal).catch((err: unknown) => {
      this.log.error({ err }, 'leader election stopped unexpectedly');
      // Without renewals the lease runs out: a leader must stop as if it had lost it.
      if (!this.leading) return;
      this.leading = false;
      this.callbacks.onStoppedLeading?.();
    });
  }

  /**
   * Stops competing (or renewing) and, when `release` is true and this replica holds the lease,
   * releases it: the holder is cleared so another replica takes over at once. Resolves once done.
   */
  async stop(options: { release: boolean }): Promise<void> {
    this.abort.abort();
    await this.loop;
    const held = this.observed?.holderIdentity === this.identity;
    this.leading = false;
    if (options.release && held) await this.release();
  }

  private async run(signal: AbortSignal): Promise<void> {
    this.log.info('waiting to acquire the leader lease');
    // Acquired while stopping: stop() sees the lease is held and releases it; nothing starts.
    if (!(await this.acquire(signal)) || signal.aborted) return;
    this.leading = true;
    this.log.info('acquired the leader lease; leading');
    this.callbacks.onStartedLeading?.();
    const lost = await this.renew(signal);
    if (!lost) return;
    this.leading = false;
    this.log.error(
      { renewDeadlineMs: this.options.renewDeadlineMs, holder: this.leader },
      'lost the leader lease; stopping reconciling',
    );
    this.callbacks.onStoppedLeading?.();
  }

  /** Tries every retry period (with jitter) until acquired (true) or stopped (false). */
  private async acquire(signal: AbortSignal): Promise<boolean> {
    while (!signal.aborted) {
      if ((await this.tryAcquireOrRenew(signal)) === 'ok') return true;
      const jitter = 1 + Math.random() * RETRY_JITTER;
      if (!(await pause(this.options.retryPeriodMs * jitter, signal))) return false;
    }
    return false;
  }

  /** Renews until it fails for the renew deadline (true: lost) or stopped (false). */
  private async renew(signal: AbortSignal): Promise<boolean> {
    const { renewDeadlineMs, retryPeriodMs } = this.options;
    while (!signal.aborted) {
      const deadline = this.now() + renewDeadlineMs;
      let renewed = false;
      while (!signal.aborted) {
        const left = deadline - this.now();
        if (left <= 0) break;
        const attempt = await this.tryAcquireOrRenew(
          AbortSignal.any([signal, AbortSignal.timeout(Math.ceil(left))]),
        );
        if (attempt === 'ok') {
          renewed = true;
          break;
        }
        if (attempt === 'held') return !signal.aborted;
        if (!(await pause(Math.min(retryPeriodMs, deadline - this.now()), signal))) return false;
      }
      if (signal.aborted) return false;
      if (!renewed) return true;
      if (!(await pause(retryPeriodMs, signal))) return false;
    }
    return false;
  }

  /** One round of client-go's `tryAcquireOrRenew`. */
  private async tryAcquireOrRenew(signal: AbortSignal): Promise<Attempt> {
    const { identity, leaseDurationMs } = this.options;
    const stamp = microTime(new Date());
    const desired = {
      holderIdentity: identity,
      leaseDurationSeconds: Math.max(1, Math.ceil(leaseDurationMs / 1000)),
      acquireTime: stamp,
      renewTime: stamp,
      leaseTransitions: 0,
    };
    let current: LeaderElectionRecord | undefined;
    try {
      current = await this.lock.get(signal);
      if (!current) {
        await this.lock.create(desired, signal);
        this.observe(desired);
        return 'ok';
      }
    } catch (err) {
      this.attemptFailed(err, signal, 'reading or creating');
      return 'failed';
    }
    this.observe(current);
    const holder = current.holderIdentity;
    // Measured from when this replica saw the record change, on its own clock, never from the
    // holder's timestamps: clock skew between nodes does not matter (client-go does the same).
    if (holder && holder !== identity && this.observedAt + leaseDurationMs > this.now()) return 'held';
    const renewing = holder === identity;
    const record: LeaderElectionRecord = renewing
      ? { ...desired, acquireTime: current.acquireTime ?? stamp, leaseTransitions: current.leaseTransitions }
      : { ...desired, leaseTransitions: current.leaseTransitions + 1 };
    try {
      await this.lock.update(record, signal);
    } catch (err) {
      this.attemptFailed(err, signal, renewing ? 'renewing' : 'acquiring');
      return 'failed';
    }
    this.observe(record);
    return 'ok';
  }

  /** Clears the holder, keeping the transition count; retries once on a conflict. */
  private async release(): Promise<void> {
    for (let attempt = 0; attempt < 2; attempt++) {
      const current = this.observed;
      if (current?.holderIdentity !== this.identity) return;
      try {
        await this.lock.update(
          {
            holderIdentity: '',
            leaseDurationSeconds: current.leaseDurationSeconds,
            leaseTransitions: current.leaseTransitions,
          },
          AbortSignal.timeout(this.options.renewDeadlineMs),
        );
        this.observe({
          holderIdentity: '',
          leaseDurationSeconds: current.leaseDurationSeconds,
          leaseTransitions: current.leaseTransitions,
        });
        this.log.info('released the leader lease');
        return;
      } catch (err) {
        // A renewal cut short by stop() may have landed: read the Lease again and retry once.
        if (!(err instanceof ApiError && err.status === 409) || attempt > 0) {
          this.log.warn({ err }, 'could not release the leader lease; it will expire instead');
          return;
        }
        try {
          const fresh = await this.lock.get(AbortSignal.timeout(this.options.renewDeadlineMs));
          if (fresh) this.observe(fresh);
        } catch {
          return;
        }
      }
    }
  }

  private observe(record: LeaderElectionRecord): void {
    const o = this.observed;
    const changed =
      !o ||
      o.holderIdentity !== record.holderIdentity ||
      o.renewTime !== record.renewTime ||
      o.acquireTime !== record.acquireTime ||
      o.leaseDurationSeconds !== record.leaseDurationSeconds ||
      o.leaseTransitions !== record.leaseTransitions;
    if (changed) {
      this.observed = record;
      this.observedAt = this.now();
    }
    if (record.holderIdentity !== this.reported) {
      this.reported = record.holderIdentity;
      if (record.holderIdentity && record.holderIdentity !== this.identity) {
        this.log.info({ holder: record.holderIdentity }, 'observed a new leader');
      }
      this.callbacks.onNewLeader?.(record.holderIdentity);
    }
  }

  private attemptFailed(err: unknown, signal: AbortSignal, what: string): void {
    if (signal.aborted) return;
    const conflict = err instanceof ApiError && (err.status === 409 || err.status === 422);
    // A conflict is the expected outcome of losing a race to another candidate: not worth a warning.
    const log = conflict ? this.log.debug.bind(this.log) : this.log.warn.bind(this.log);
    log({ err: err instanceof Error ? err.message : String(err) }, `failed ${what} the leader lease`);
  }
}

/** Waits `ms`; false when `signal` aborted first. */
async function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return false;
  try {
    await sleep(Math.max(0, ms), undefined, { signal });
    return true;
  } catch {
    return false;
  }
}
