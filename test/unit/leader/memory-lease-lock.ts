import type { LeaderElectionRecord, LeaseLock } from '../../../src/runtime/leader/index.js';

/** One write as the "API server" stored it. */
export interface Commit {
  readonly record: LeaderElectionRecord;
  /** `Date.now()` when it was stored (the mocked clock in tests that mock `Date`). */
  readonly at: number;
}

/** One Lease in memory, shared by several {@link MemoryLeaseLock}s (one per candidate). */
export class MemoryLease {
  record: LeaderElectionRecord | undefined;
  version = 0;
  /** Every write, in order. */
  readonly writes: LeaderElectionRecord[] = [];
  /** Every write with the time it was stored. */
  readonly commits: Commit[] = [];
  /** When set, every request fails with this error (an unreachable API server). */
  failWith: Error | undefined;

  /** The last write that named `identity` as the holder. */
  lastCommitBy(identity: string): Commit | undefined {
    for (let i = this.commits.length - 1; i >= 0; i--) {
      if (this.commits[i].record.holderIdentity === identity) return this.commits[i];
    }
    return undefined;
  }
}

/** How one candidate's requests reach the {@link MemoryLease}. */
export interface Link {
  /** ms before a request reaches the lease (on the global `setTimeout`, so mock timers drive it). */
  toServerMs: number;
  /** ms between the lease handling a request and the answer reaching the caller. */
  toClientMs: number;
  /** Every request of this candidate fails with this error (a partition). */
  failWith?: Error;
  /** Requests of this candidate never reach the lease, nor answer, until aborted. */
  hang?: boolean;
}

/**
 * A compare-and-swap {@link LeaseLock} on a {@link MemoryLease}, like the real one on the API
 * server, with a configurable {@link Link}: latency both ways, partitions, hung requests. Requests
 * honour their abort signal while travelling, as the real client does.
 */
export class MemoryLeaseLock implements LeaseLock {
  private seen = -1;
  readonly link: Link = { toServerMs: 0, toClientMs: 0 };
  /** Requests aborted by the caller's signal. */
  aborted = 0;
  /** Requests sent, by method. */
  readonly calls = { get: 0, create: 0, update: 0 };

  constructor(private readonly lease: MemoryLease) {}

  get(signal?: AbortSignal): Promise<LeaderElectionRecord | undefined> {
    this.calls.get++;
    return this.call(signal, () => {
      this.seen = this.lease.version;
      return this.lease.record && { ...this.lease.record };
    });
  }

  create(record: LeaderElectionRecord, signal?: AbortSignal): Promise<void> {
    this.calls.create++;
    return this.call(signal, () => {
      if (this.lease.record) throw new Error('AlreadyExists');
      this.write(record);
    });
  }

  update(record: LeaderElectionRecord, signal?: AbortSignal): Promise<void> {
    this.calls.update++;
    return this.call(signal, () => {
      if (this.seen !== this.lease.version) throw new Error('Conflict: the lease changed');
      this.write(record);
    });
  }

  describe(): string {
    return 'memory/lease';
  }

  /** Travels to the lease, runs `handle` there, travels back; an abort on the way rejects. */
  private async call<T>(signal: AbortSignal | undefined, handle: () => T): Promise<T> {
    await this.travel(this.link.hang ? Number.POSITIVE_INFINITY : this.link.toServerMs, signal);
    const failure = this.link.failWith ?? this.lease.failWith;
    if (failure) throw failure;
    let result: { ok: true; value: T } | { ok: false; error: unknown };
    try {
      result = { ok: true, value: handle() };
    } catch (error) {
      result = { ok: false, error };
    }
    // The lease has handled the request: an abort from now on loses only the answer.
    await this.travel(this.link.toClientMs, signal);
    if (!result.ok) throw result.error;
    return result.value;
  }

  private travel(ms: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      if (signal?.aborted) {
        this.aborted++;
        reject(signal.reason);
        return;
      }
      const onAbort = (): void => {
        clearTimeout(timer);
        this.aborted++;
        reject(signal?.reason);
      };
      const done = (): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      // No delay still takes a turn of the event loop, as a real request does; an infinite one
      // (a hung request) ends only by an abort.
      if (ms <= 0) setImmediate(done);
      else if (Number.isFinite(ms)) timer = setTimeout(done, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private write(record: LeaderElectionRecord): void {
    this.lease.record = { ...record };
    this.lease.version++;
    this.seen = this.lease.version;
    this.lease.writes.push({ ...record });
    this.lease.commits.push({ record: { ...record }, at: Date.now() });
  }
}
