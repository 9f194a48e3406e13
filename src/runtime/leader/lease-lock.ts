import type { ApiClient } from '../api/api-client.js';
import { ApiError } from '../api/api-error.js';

/**
 * Who holds a leader lease and until when, as stored in a `coordination.k8s.io/v1` Lease's spec.
 * `holderIdentity` is `''` when nobody holds it (after a release).
 */
export interface LeaderElectionRecord {
  readonly holderIdentity: string;
  readonly leaseDurationSeconds: number;
  /** MicroTime (RFC 3339 with microseconds). */
  readonly acquireTime?: string;
  readonly renewTime?: string;
  readonly leaseTransitions: number;
}

/**
 * Knows how to read and write the one object a leader election competes for.
 *
 * @remarks
 * `update` must be a compare-and-swap on what the last `get`, `create` or `update` returned, so two
 * candidates that both saw an expired lease cannot both win: the second write fails.
 */
export interface LeaseLock {
  /** The record, or undefined when the object does not exist. */
  get(signal?: AbortSignal): Promise<LeaderElectionRecord | undefined>;
  /** Creates the object; fails if it exists. */
  create(record: LeaderElectionRecord, signal?: AbortSignal): Promise<void>;
  /** Replaces the record; fails if the object changed since this lock last read or wrote it. */
  update(record: LeaderElectionRecord, signal?: AbortSignal): Promise<void>;
  /** `namespace/name`, for messages. */
  describe(): string;
}

interface LeaseObject {
  apiVersion: 'coordination.k8s.io/v1';
  kind: 'Lease';
  metadata: { name: string; namespace: string; resourceVersion?: string; [k: string]: unknown };
  spec?: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string | null;
    renewTime?: string | null;
    leaseTransitions?: number;
  };
}

/**
 * A {@link LeaseLock} on a `coordination.k8s.io/v1` Lease, written with PUT and the resourceVersion
 * last seen (optimistic concurrency), as client-go's `LeaseLock` does.
 *
 * @remarks
 * Needs `get`, `create` and `update` on `leases` in the lock's namespace.
 */
export class KubeLeaseLock implements LeaseLock {
  private lease: LeaseObject | undefined;

  constructor(
    private readonly api: ApiClient,
    readonly namespace: string,
    readonly name: string,
  ) {}

  async get(signal?: AbortSignal): Promise<LeaderElectionRecord | undefined> {
    try {
      this.lease = await this.api.request<LeaseObject>({ method: 'GET', path: this.path(), signal });
    } catch (e) {
      if (!ApiError.isNotFound(e)) throw e;
      this.lease = undefined;
      return undefined;
    }
    return fromSpec(this.lease.spec);
  }

  async create(record: LeaderElectionRecord, signal?: AbortSignal): Promise<void> {
    this.lease = await this.api.request<LeaseObject>({
      method: 'POST',
      path: this.path(false),
      body: {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: this.name, namespace: this.namespace },
        spec: toSpec(record),
      } satisfies LeaseObject,
      signal,
    });
  }

  async update(record: LeaderElectionRecord, signal?: AbortSignal): Promise<void> {
    if (!this.lease) {
      throw new Error(`Lease ${this.describe()} was not read before being updated; call get() first.`);
    }
    this.lease = await this.api.request<LeaseObject>({
      method: 'PUT',
      path: this.path(),
      body: { ...this.lease, spec: toSpec(record) },
      signal,
    });
  }

  describe(): string {
    return `${this.namespace}/${this.name}`;
  }

  private path(withName = true): string {
    const base = `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(this.namespace)}/leases`;
    return withName ? `${base}/${encodeURIComponent(this.name)}` : base;
  }
}

/** A Date as a Kubernetes MicroTime: RFC 3339 with exactly six fractional digits, in UTC. */
export function microTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

function toSpec(r: LeaderElectionRecord): NonNullable<LeaseObject['spec']> {
  return {
    holderIdentity: r.holderIdentity,
    leaseDurationSeconds: r.leaseDurationSeconds,
    acquireTime: r.acquireTime ?? null,
    renewTime: r.renewTime ?? null,
    leaseTransitions: r.leaseTransitions,
  };
}

function fromSpec(spec: LeaseObject['spec']): LeaderElectionRecord {
  return {
    holderIdentity: spec?.holderIdentity ?? '',
    leaseDurationSeconds: spec?.leaseDurationSeconds ?? 0,
    acquireTime: spec?.acquireTime ?? undefined,
    renewTime: spec?.renewTime ?? undefined,
    leaseTransitions: spec?.leaseTransitions ?? 0,
  };
}
