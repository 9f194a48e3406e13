import type { LeaderElectionRecord, LeaseLock } from '../../../src/runtime/leader/index.js';

/** One Lease in memory, shared by several {@link MemoryLeaseLock}s (one per candidate). */
export class MemoryLease {
  record: LeaderElectionRecord | undefined;
  version = 0;
  /** Every write, in order. */
  readonly writes: LeaderElectionRecord[] = [];
  /** When set, every request fails with this error (an unreachable API server). */
  failWith: Error | undefined;
}

/** A compare-and-swap {@link LeaseLock} on a {@link MemoryLease}, like the real one on the API server. */
export class MemoryLeaseLock implements LeaseLock {
  private seen = -1;

  constructor(private readonly lease: MemoryLease) {}

  async get(): Promise<LeaderElectionRecord | undefined> {
    await tick();
    this.check();
    this.seen = this.lease.version;
    return this.lease.record && { ...this.lease.record };
  }

  async create(record: LeaderElectionRecord): Promise<void> {
    await tick();
    this.check();
    if (this.lease.record) throw new Error('AlreadyExists');
    this.write(record);
  }

  async update(record: LeaderElectionRecord): Promise<void> {
    await tick();
    this.check();
    if (this.seen !== this.lease.version) throw new Error('Conflict: the lease changed');
    this.write(record);
  }

  describe(): string {
    return 'memory/lease';
  }

  private write(record: LeaderElectionRecord): void {
    this.lease.record = { ...record };
    this.lease.version++;
    this.seen = this.lease.version;
    this.lease.writes.push({ ...record });
  }

  private check(): void {
    if (this.lease.failWith) throw this.lease.failWith;
  }
}

function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
