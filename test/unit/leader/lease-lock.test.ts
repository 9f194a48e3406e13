// The Lease lock at its seam: what it reads and writes, against a recording API. The update is a
// compare-and-swap on the resourceVersion it last read (the PUT carries it), so two candidates can
// never both win; the API server's 409 reaches the elector unchanged.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ApiClient, ApiRequest } from '../../../src/runtime/api/api-client.js';
import { ApiError } from '../../../src/runtime/api/api-error.js';
import { KubeLeaseLock, microTime } from '../../../src/runtime/leader/lease-lock.js';

const PATH = '/apis/coordination.k8s.io/v1/namespaces/ops/leases/echo';
const record = {
  holderIdentity: 'pod-a',
  leaseDurationSeconds: 15,
  leaseTransitions: 0,
  renewTime: '2026-11-30T10:00:00.000000Z',
};

function fakeApi(answers: ((req: ApiRequest) => unknown)[]): { api: ApiClient; sent: ApiRequest[] } {
  const sent: ApiRequest[] = [];
  const api = {
    request: async (req: ApiRequest) => {
      sent.push(req);
      const answer = answers.shift();
      if (!answer) throw new Error(`unexpected request ${req.method} ${req.path}`);
      return answer(req);
    },
  } as unknown as ApiClient;
  return { api, sent };
}

describe('KubeLeaseLock', () => {
  it('reads no record when the Lease does not exist, then creates it with the record', async () => {
    const { api, sent } = fakeApi([
      (req) => {
        throw new ApiError(404, 'get', req.path, { reason: 'NotFound' });
      },
      (req) => ({
        ...(req.body as object),
        metadata: { name: 'echo', namespace: 'ops', resourceVersion: '7' },
      }),
    ]);
    const lock = new KubeLeaseLock(api, 'ops', 'echo');
    assert.equal(await lock.get(), undefined);
    await lock.create(record);
    assert.deepEqual(
      sent.map((r) => `${r.method} ${r.path}`),
      [`GET ${PATH}`, 'POST /apis/coordination.k8s.io/v1/namespaces/ops/leases'],
    );
    assert.deepEqual((sent[1]!.body as { spec: unknown }).spec, { ...record, acquireTime: null });
  });

  it('updates with the resourceVersion it read, and surfaces a lost race as the 409', async () => {
    const stored = {
      metadata: { name: 'echo', namespace: 'ops', resourceVersion: '41' },
      spec: { ...record },
    };
    const { api, sent } = fakeApi([
      () => stored,
      (req) => {
        throw new ApiError(409, 'update', req.path, { reason: 'Conflict' });
      },
    ]);
    const lock = new KubeLeaseLock(api, 'ops', 'echo');
    assert.deepEqual(await lock.get(), { ...record, acquireTime: undefined });
    await assert.rejects(lock.update({ ...record, holderIdentity: 'pod-b', leaseTransitions: 1 }), (e) =>
      ApiError.isConflict(e),
    );
    const put = sent[1]!;
    assert.equal(put.method, 'PUT');
    assert.equal((put.body as { metadata: { resourceVersion: string } }).metadata.resourceVersion, '41');
    assert.equal((put.body as { spec: { holderIdentity: string } }).spec.holderIdentity, 'pod-b');
  });

  it('refuses to update a Lease it never read, and propagates other errors from get', async () => {
    const { api } = fakeApi([
      (req) => {
        throw new ApiError(403, 'get', req.path, { reason: 'Forbidden' });
      },
    ]);
    const lock = new KubeLeaseLock(api, 'ops', 'echo');
    await assert.rejects(lock.update(record), /was not read before being updated; call get\(\) first/);
    await assert.rejects(lock.get(), (e) => e instanceof ApiError && e.status === 403);
  });

  it('writes MicroTime with exactly six fractional digits, in UTC', () => {
    assert.equal(microTime(new Date('2026-11-30T10:00:00.123Z')), '2026-11-30T10:00:00.123000Z');
  });
});
