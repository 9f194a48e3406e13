import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ApiClient } from '../../../src/runtime/api/api-client.js';
import { ApiError } from '../../../src/runtime/api/api-error.js';
import { anonymousClient } from './kubeconfig-fixtures.js';

// A server that takes requests and never answers: a dead API server behind a live connection.
describe('ApiClient deadlines', () => {
  let server: Server;
  let url: string;
  const held: ServerResponse[] = [];
  before(async () => {
    server = createServer((_req: IncomingMessage, res: ServerResponse) => {
      held.push(res);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    for (const res of held) res.destroy();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  function client(requestTimeoutMs?: number): ApiClient {
    return anonymousClient(url, { requestTimeoutMs });
  }

  it('gives up on a request that gets no answer within its timeout, and says so', async () => {
    const api = client(200);
    const started = Date.now();
    await assert.rejects(api.request({ method: 'GET', path: '/api/v1/pods' }), (e: unknown) => {
      assert.ok(e instanceof ApiError);
      assert.equal(e.status, 0);
      assert.match(e.message, /no answer within 0\.2 s/);
      return true;
    });
    assert.ok(Date.now() - started < 5_000);
    api.close();
  });

  it("cancels a request when the caller's signal fires (a pass deadline or shutdown)", async () => {
    const api = client(60_000);
    const abort = new AbortController();
    const pending = api.request({ method: 'PATCH', path: '/api/v1/x', body: {}, signal: abort.signal });
    setTimeout(() => abort.abort(), 50);
    await assert.rejects(pending, (e: unknown) => e instanceof ApiError && e.status === 0);
    api.close();
  });

  it('after refuseWrites, cancels writes in flight and refuses new ones, but still reads', async () => {
    const api = client(300);
    const inFlight = api.request({ method: 'PUT', path: '/apis/x/v1/y/z', body: {} });
    api.refuseWrites(new Error('lost the leader Lease'));
    await assert.rejects(inFlight, (e: unknown) => e instanceof ApiError && e.status === 0);
    await assert.rejects(
      api.request({ method: 'POST', path: '/api/v1/namespaces/a/configmaps', body: {} }),
      /no longer writes \(lost the leader Lease\)/,
    );
    // A read is still sent (and, against this server, times out rather than being refused).
    await assert.rejects(api.request({ method: 'GET', path: '/api/v1/pods' }), /no answer within/);
    api.close();
  });

  it('bounds a stream only until its headers arrive', async () => {
    const api = client(200);
    await assert.rejects(
      api.stream({ path: '/api/v1/pods', query: { watch: true } }),
      (e: unknown) => e instanceof ApiError && /no answer within/.test(e.message),
    );
    api.close();
  });
});
