import type { ApiRequest } from '../../../src/runtime/api/api-client.js';
import { ApiError } from '../../../src/runtime/api/api-error.js';
import type { ShardApi, ShardLeaseObject } from '../../../src/runtime/shard/index.js';

/** One write the "API server" stored. */
export interface Commit {
  readonly method: 'POST' | 'PUT' | 'DELETE';
  readonly name: string;
  /** The Lease as stored (undefined for a DELETE). */
  readonly lease: ShardLeaseObject | undefined;
  /** `Date.now()` when it was stored (the mocked clock). */
  readonly at: number;
}

/**
 * The Leases of one namespace in memory, with the API server's rules for the calls the shard
 * membership makes: LIST with a label selector, GET, POST (AlreadyExists), PUT (compare-and-swap on
 * the resourceVersion, NotFound), DELETE.
 */
export class MemoryLeases {
  readonly leases = new Map<string, ShardLeaseObject>();
  readonly commits: Commit[] = [];
  private version = 0;

  /** The last stored write of the Lease `name`. */
  lastCommit(name: string): Commit | undefined {
    for (let i = this.commits.length - 1; i >= 0; i--)
      if (this.commits[i].name === name) return this.commits[i];
    return undefined;
  }

  handle(req: ApiRequest): unknown {
    const m = /^\/apis\/coordination\.k8s\.io\/v1\/namespaces\/([^/]+)\/leases(?:\/([^/]+))?$/.exec(req.path);
    if (!m) throw new ApiError(404, req.method, req.path, { reason: 'NotFound' });
    const name = m[2] === undefined ? undefined : decodeURIComponent(m[2]);
    const fail = (status: number, reason: string): never => {
      throw new ApiError(status, req.method, req.path, { reason, code: status, message: reason });
    };
    switch (req.method) {
      case 'GET': {
        if (name === undefined) {
          const [key, value] = String(req.query?.labelSelector ?? '').split('=');
          const items = [...this.leases.values()].filter((l) => !key || l.metadata.labels?.[key] === value);
          return {
            kind: 'LeaseList',
            metadata: { resourceVersion: String(this.version) },
            items: copy(items),
          };
        }
        const lease = this.leases.get(name);
        return lease ? copy(lease) : fail(404, 'NotFound');
      }
      case 'POST': {
        const body = copy(req.body as ShardLeaseObject);
        if (this.leases.has(body.metadata.name)) fail(409, 'AlreadyExists');
        return this.store('POST', body);
      }
      case 'PUT': {
        const body = copy(req.body as ShardLeaseObject);
        const current = name === undefined ? undefined : this.leases.get(name);
        if (!current) return fail(404, 'NotFound');
        if (current.metadata.resourceVersion !== body.metadata.resourceVersion) fail(409, 'Conflict');
        return this.store('PUT', body);
      }
      case 'DELETE': {
        const expected = (req.body as { preconditions?: { resourceVersion?: string } } | undefined)
          ?.preconditions?.resourceVersion;
        const current = name === undefined ? undefined : this.leases.get(name);
        if (current && expected !== undefined && current.metadata.resourceVersion !== expected)
          fail(409, 'Conflict');
        if (name === undefined || !this.leases.delete(name)) return fail(404, 'NotFound');
        this.commits.push({ method: 'DELETE', name, lease: undefined, at: Date.now() });
        return { kind: 'Status', status: 'Success' };
      }
      default:
        return fail(405, 'MethodNotAllowed');
    }
  }

  private store(method: 'POST' | 'PUT', lease: ShardLeaseObject): ShardLeaseObject {
    lease.metadata.resourceVersion = String(++this.version);
    this.leases.set(lease.metadata.name, lease);
    this.commits.push({ method, name: lease.metadata.name, lease: copy(lease), at: Date.now() });
    return copy(lease);
  }
}

/**
 * One replica's connection to {@link MemoryLeases}: each request takes a turn of the event loop each
 * way (as a real one does), honours its abort signal, and fails while `down` (a partition).
 */
export class MemoryLeaseApi implements ShardApi {
  /** While true every request fails as if the API server were unreachable. */
  down = false;
  /** While true every write (anything but GET) fails so; reads still work. */
  writesDown = false;

  constructor(private readonly server: MemoryLeases) {}

  async request<T = unknown>(req: ApiRequest): Promise<T> {
    await turn(req.signal);
    if (this.down || (this.writesDown && req.method !== 'GET'))
      throw new ApiError(0, req.method, req.path, undefined, { cause: new Error('partitioned') });
    const answer = this.server.handle(req);
    await turn(req.signal);
    return answer as T;
  }
}

function turn(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    setImmediate(() => (signal?.aborted ? reject(signal.reason) : resolve()));
  });
}

function copy<T>(value: T): T {
  return structuredClone(value);
}
