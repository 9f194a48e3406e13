import { ConfigError } from '../../errors/operon-error.js';
import { type Logger, silentLogger } from '../../observability/logger.js';
import { ApiError } from '../api/api-error.js';
import { RETRY_JITTER, type ResolvedLeaderElection, timingProblems } from './leader-election-options.js';
import { type LeaderElectionRecord, type LeaseLock, microTime } from './lease-lock.js';
import { errorMessage, pause } from './pause.js';

/** What a {@link LeaderElector} tells its owner. Each callback is optional and must not throw. */
export interface LeaderCallbacks {
  /**
   * This replica acquired the lease: start reconciling.
   *
   * @param lost - the elector's {@link LeaderElector.lostSignal}: tie the work of this term to it.
   */
  onStartedLeading?(lost: AbortSignal): void;
  /**
   * This replica lost the lease (it could not renew within the renew deadline, saw another holder,
   * or the election loop failed): stop reconciling now. Called right after
   * {@link LeaderElector.lostSignal} aborted, so the listeners of that signal have already run. Not
   * called on {@link LeaderElector.stop}.
   */
  onStoppedLeading?(): void;
  /** The observed holder changed (`''`: nobody holds it). */
  onNewLeader?(identity: string): void;
}

/**
 * Why {@link LeaderElector.lostSignal} aborted:
 * - `renew-deadline`: the leader could not renew within the renew deadline;
 * - `another-holder`: the leader read the Lease and it named someone else (or nobody);
 * - `election-failed`: the election loop failed unexpectedly (a bug), so nothing renews any more;
 * - `stopped`: {@link LeaderElector.stop} was called (after the release, when there was one).
 */
export type LeadershipEndReason = 'renew-deadline' | 'another-holder' | 'election-failed' | 'stopped';

/** The `reason` of an aborted {@link LeaderElector.lostSignal}. */
export class LeadershipLost extends Error {
  constructor(
    readonly why: LeadershipEndReason,
    message: string,
  ) {
    super(message);
    this.name = 'LeadershipLost';
  }
}

/** One round of `tryAcquireOrRenew`; `writeStart` is when the successful write was sent, on `now()`. */
type Attempt = { outcome: 'ok'; writeStart: number } | { outcome: 'held' } | { outcome: 'failed' };

/**
 * Competes for a lease with the other replicas of an application, following client-go's
 * `leaderelection` algorithm, and tells its owner when this replica starts and stops leading.
 *
 * @remarks
 * Guarantees and limits (the same as client-go's unless said otherwise):
 * - A candidate takes the lease only when nobody holds it, or when the holder's record has not
 *   changed for the duration *recorded in it* (`leaseDurationSeconds`, written by the holder), as
 *   measured on the candidate's own monotonic clock from when it saw the record change: clock skew
 *   between nodes does not matter (skew *rate* does), and replicas configured with different
 *   durations agree on when a lease expires. Writes are compare-and-swap, so two candidates never
 *   both win the same round.
 * - The leader renews every retry period. Its deadline is `renewDeadlineMs` after it *sent* its
 *   last successful write (not after the answer came back, which can be arbitrarily late): the
 *   write cannot have been stored, nor seen by anyone, before that moment, so no other replica can
 *   take over until at least `leaseDurationMs` (≤ the recorded duration) after it. When the deadline
 *   passes without a renewal, a timer aborts {@link LeaderElector.lostSignal} at once, strictly
 *   before the lease can have expired for anyone else (by `leaseDurationMs - renewDeadlineMs`,
 *   the time its owner has to act on it). The same happens as soon as it reads another holder.
 *   Stricter than client-go, whose deadline starts a retry period after the last answer.
 * - This is not fencing: a leader paused longer than the margin (a frozen VM, a blocked event loop)
 *   can act after a successor started. Keep writes idempotent, as Operon's are.
 * - After a loss the elector does not compete again; its owner is expected to stop (Operon's host
 *   stops, and `runOperators` exits so the replica restarts as a fresh candidate, as
 *   controller-runtime does).
 *
 * What the owner must do with {@link LeaderElector.lostSignal}: when it aborts, abort every
 * in-flight piece of work guarded by the lease and refuse any further write to the cluster, at
 * once (in the `abort` listener, synchronously), not after a drain.
 *
 * @example
 * ```ts
 * const elector = new LeaderElector(new KubeLeaseLock(api, 'ops', 'my-app'), resolveLeaderElection({ leaseName: 'my-app', namespace: 'ops' }), {
 *   onStartedLeading: (lost) => queue.start(lost),
 *   onStoppedLeading: () => process.exit(1),
 * });
 * elector.lostSignal.addEventListener('abort', () => { abortInFlightWork(); refuseWrites(); });
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
  private stopping = false;
  private loop: Promise<void> | undefined;
  /** Aborted by {@link stop}: ends the election loop. */
  private readonly stopped = new AbortController();
  private readonly lost = new AbortController();
  /** Fires {@link lostSignal} at the renew deadline unless a renewal re-arms it first. */
  private watchdog: ReturnType<typeof setTimeout> | undefined;
  /** While leading: the renew deadline, on `now()`. */
  private renewDeadline = 0;
  private readonly log: Logger;

  /**
   * @param now - a monotonic clock in ms (tests pass a fake one); timers use the global
   * `setTimeout`.
   * @throws ConfigError when the durations break client-go's rules (see {@link timingProblems}),
   * also when `options` did not come from `resolveLeaderElection`.
   */
  constructor(
    private readonly lock: LeaseLock,
    private readonly options: ResolvedLeaderElection,
    private readonly callbacks: LeaderCallbacks = {},
    log?: Logger,
    private readonly now: () => number = () => performance.now(),
  ) {
    const problems = timingProblems(options);
    if (problems.length > 0) throw new ConfigError(problems);
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

  /**
   * Aborted, once and for good, when this replica may no longer act as the leader; its `reason` is
   * a {@link LeadershipLost} saying why. On a loss it aborts at the renew deadline, strictly before
   * any other replica may take the lease over, and before `onStoppedLeading` is called. It also
   * aborts at the end of {@link stop} (after the release, so a release write is not refused), and
   * when the election loop fails.
   *
   * @remarks
   * The owner must, in a listener of this signal: abort every in-flight reconcile (and anything
   * else done on the leader's behalf), and make its API client refuse every further write. The
   * margin before a successor may start is only `leaseDurationMs - renewDeadlineMs`: waiting for
   * work to drain would eat it.
   */
  get lostSignal(): AbortSignal {
    return this.lost.signal;
  }

  /** Starts competing in the background. Calling it again, or after {@link stop}, does nothing. */
  start(): void {
    if (this.loop || this.stopped.signal.aborted || this.lost.signal.aborted) return;
    // The loop ends when stopped, and when the lease is lost (the watchdog may fire mid-request).
    const signal = AbortSignal.any([this.stopped.signal, this.lost.signal]);
    this.loop = this.run(signal).catch((err: unknown) => {
      this.log.error({ err }, 'leader election stopped unexpectedly');
      // Without renewals the lease runs out: a leader must stop as if it had lost it.
      this.end('election-failed', 'the leader election loop failed; nothing renews the lease any more');
    });
  }

  /**
   * Stops competing (or renewing) and, when `release` is true and this replica holds the lease,
   * releases it: the holder is cleared so another replica takes over at once. Release only once
   * every piece of work guarded by the lease has finished (client-go's `ReleaseOnCancel` rule).
   * Then aborts {@link lostSignal} (reason `stopped`, unless it had already aborted). Resolves
   * once done.
   */
  async stop(options: { release: boolean }): Promise<void> {
    this.stopping = true;
    this.stopped.abort();
    await this.loop;
    const held = this.observed?.holderIdentity === this.identity;
    this.leading = false;
    if (options.release && held && !this.lost.signal.aborted) await this.release();
    this.end('stopped', 'the leader elector was stopped');
  }

  private async run(signal: AbortSignal): Promise<void> {
    this.log.info('waiting to acquire the leader lease');
    const writeStart = await this.acquire(signal);
    // Acquired while stopping: stop() sees the lease is held and releases it; nothing starts.
    if (writeStart === undefined || signal.aborted) return;
    this.leading = true;
    this.armWatchdog(writeStart);
    this.log.info('acquired the leader lease; leading');
    this.callbacks.onStartedLeading?.(this.lost.signal);
    await this.renew(signal);
  }

  /**
   * Tries every retry period (with jitter) until acquired (resolves with when the winning write was
   * sent) or stopped (undefined).
   */
  private async acquire(signal: AbortSignal): Promise<number | undefined> {
    while (!signal.aborted) {
      const attempt = await this.tryAcquireOrRenew(signal);
      if (attempt.outcome === 'ok') {
        if (this.now() < attempt.writeStart + this.options.renewDeadlineMs) return attempt.writeStart;
        // The answer came back after the renew deadline of the write: leading now could outlast
        // the lease. The record names this replica, so the next round renews it and leads then.
        this.log.warn(
          { renewDeadlineMs: this.options.renewDeadlineMs },
          'acquired the leader lease too late to lead on it safely; renewing it first',
        );
      }
      const jitter = 1 + Math.random() * RETRY_JITTER;
      if (!(await pause(this.options.retryPeriodMs * jitter, signal))) return undefined;
    }
    return undefined;
  }

  /**
   * Renews every retry period until stopped or lost. Failed renewals are retried every retry
   * period; the watchdog, not this loop, decides when they have failed for too long.
   */
  private async renew(signal: AbortSignal): Promise<void> {
    while (await pause(this.options.retryPeriodMs, signal)) {
      const attempt = await this.tryAcquireOrRenew(signal);
      if (signal.aborted) return;
      if (attempt.outcome === 'ok') {
        // The watchdog's timer can run late on a busy event loop: judge by the clock as well.
        if (this.now() >= this.renewDeadline) {
          this.end('renew-deadline', this.deadlineMessage());
          return;
        }
        this.armWatchdog(attempt.writeStart);
      } else if (attempt.outcome === 'held') {
        this.end(
          'another-holder',
          this.observed?.holderIdentity
            ? `the lease names another holder ("${this.observed.holderIdentity}")`
            : 'the lease was released by someone else',
        );
        return;
      }
    }
  }

  /** Sets the renew deadline to `renewDeadlineMs` after `writeStart`, and a timer to enforce it. */
  private armWatchdog(writeStart: number): void {
    this.renewDeadline = writeStart + this.options.renewDeadlineMs;
    clearTimeout(this.watchdog);
    this.watchdog = setTimeout(
      () => this.end('renew-deadline', this.deadlineMessage()),
      Math.max(0, this.renewDeadline - this.now()),
    );
  }

  private deadlineMessage(): string {
    return `could not renew the lease within the renew deadline (${this.options.renewDeadlineMs} ms after the last successful renewal was sent)`;
  }

  /**
   * Ends leadership for good (the first call wins): aborts {@link lostSignal} first, so its
   * listeners stop the work at once, then reports a loss of leadership to `onStoppedLeading`.
   */
  private end(why: LeadershipEndReason, message: string): void {
    clearTimeout(this.watchdog);
    this.watchdog = undefined;
    if (this.lost.signal.aborted) return;
    const wasLeading = this.leading;
    this.leading = false;
    if (wasLeading && why !== 'stopped') {
      this.log.error(
        { why, holder: this.leader },
        `lost the leader lease (${message}); stopping reconciling`,
      );
    }
    this.lost.abort(new LeadershipLost(why, message));
    if (wasLeading && !this.stopping) this.callbacks.onStoppedLeading?.();
  }

  /** One round of client-go's `tryAcquireOrRenew`. */
  private async tryAcquireOrRenew(signal: AbortSignal): Promise<Attempt> {
    const { identity, leaseDurationMs } = this.options;
    const stamp = microTime(new Date());
    const desired = {
      holderIdentity: identity,
      // Rounded up, never down: the leader's safety margin relies on the recorded duration being at
      // least `leaseDurationMs` (client-go truncates).
      leaseDurationSeconds: Math.max(1, Math.ceil(leaseDurationMs / 1000)),
      acquireTime: stamp,
      renewTime: stamp,
      leaseTransitions: 0,
    };
    const observed = this.observed;
    if (this.leading && observed) {
      // client-go's fast path: the leader writes on top of what it last wrote, without reading
      // first. One round trip instead of two leaves more of the renew deadline for slow answers.
      const writeStart = this.now();
      const record = {
        ...desired,
        acquireTime: observed.acquireTime ?? stamp,
        leaseTransitions: observed.leaseTransitions,
      };
      try {
        await this.lock.update(record, signal);
        this.observe(record);
        return { outcome: 'ok', writeStart };
      } catch (err) {
        if (signal.aborted) return { outcome: 'failed' };
        // A conflict means someone else wrote the lease: read it below to see who. The read says
        // why if the API server is unreachable, so this needs no warning of its own.
        this.log.debug(
          { err: errorMessage(err) },
          'renewing the leader lease without reading it first failed',
        );
      }
    }
    let current: LeaderElectionRecord | undefined;
    try {
      current = await this.lock.get(signal);
      if (!current) {
        const writeStart = this.now();
        await this.lock.create(desired, signal);
        this.observe(desired);
        return { outcome: 'ok', writeStart };
      }
    } catch (err) {
      this.attemptFailed(err, signal, 'reading or creating');
      return { outcome: 'failed' };
    }
    this.observe(current);
    const holder = current.holderIdentity;
    // A leader that finds the lease naming anyone else has lost it: it never takes it back.
    if (this.leading && holder !== identity) return { outcome: 'held' };
    if (holder && holder !== identity && this.leaseValid()) return { outcome: 'held' };
    const renewing = holder === identity;
    const record: LeaderElectionRecord = renewing
      ? { ...desired, acquireTime: current.acquireTime ?? stamp, leaseTransitions: current.leaseTransitions }
      : { ...desired, leaseTransitions: current.leaseTransitions + 1 };
    // Sampled before the request leaves: the API server cannot store the write, and nobody can
    // see it, any earlier, so the renew deadline counted from here ends before the lease expires.
    const writeStart = this.now();
    try {
      await this.lock.update(record, signal);
    } catch (err) {
      this.attemptFailed(err, signal, renewing ? 'renewing' : 'acquiring');
      return { outcome: 'failed' };
    }
    this.observe(record);
    return { outcome: 'ok', writeStart };
  }

  /**
   * client-go's `isLeaseValid`: the observed record has not been unchanged, on this replica's own
   * clock, for the duration its holder recorded in it.
   */
  private leaseValid(): boolean {
    const recorded = this.observed?.leaseDurationSeconds ?? 0;
    // A record without a usable duration was not written by a leader elector (client-go would
    // treat it as expired at once); waiting this replica's own duration is the safe reading.
    const durationMs = recorded > 0 ? recorded * 1000 : this.options.leaseDurationMs;
    return this.observedAt + durationMs > this.now();
  }

  /** Clears the holder, keeping the transition count; retries once on a conflict. */
  private async release(): Promise<void> {
    for (let attempt = 0; attempt < 2; attempt++) {
      const current = this.observed;
      if (current?.holderIdentity !== this.identity) return;
      const released: LeaderElectionRecord = {
        holderIdentity: '',
        leaseDurationSeconds: current.leaseDurationSeconds,
        leaseTransitions: current.leaseTransitions,
      };
      try {
        await this.lock.update(
          released,
          AbortSignal.any([this.lost.signal, AbortSignal.timeout(this.options.renewDeadlineMs)]),
        );
        this.observe(released);
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
        this.log.info(
          { holder: record.holderIdentity, leaseDurationSeconds: record.leaseDurationSeconds },
          'observed a new leader',
        );
      }
      this.callbacks.onNewLeader?.(record.holderIdentity);
    }
  }

  private attemptFailed(err: unknown, signal: AbortSignal, what: string): void {
    if (signal.aborted) return;
    const conflict = err instanceof ApiError && (err.status === 409 || err.status === 422);
    // A conflict is the expected outcome of losing a race to another candidate: not worth a warning.
    const log = conflict ? this.log.debug.bind(this.log) : this.log.warn.bind(this.log);
    log({ err: errorMessage(err) }, `failed ${what} the leader lease`);
  }
}
