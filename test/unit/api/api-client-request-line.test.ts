import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { anonymousClient, type FakeApiServer, fakeApiServer } from './kubeconfig-fixtures.js';

// What reaches the API server: the request line, the body and its length, for a server with and
// without a path prefix (a proxy such as Rancher's serves clusters under /k8s/clusters/<id>).
describe('ApiClient request line and body', () => {
  let server: FakeApiServer;
  before(async () => {
    server = await fakeApiServer();
  });
  after(() => server.close());

  async function requestLine(
    serverUrl: string,
    path: string,
    query?: Record<string, string | number | boolean | undefined>,
  ) {
    const api = anonymousClient(serverUrl);
    try {
      await api.request({ method: 'GET', path, query });
      return server.seen.at(-1)?.path;
    } finally {
      api.close();
    }
  }

  it('joins the path to the server and encodes the query as URLSearchParams does, leaving out undefined values', async () => {
    const query = {
      labelSelector: 'app in (a,b),!gone',
      fieldSelector: 'metadata.name=x y',
      limit: 500,
      watch: undefined,
    };
    const expected = new URLSearchParams({
      labelSelector: 'app in (a,b),!gone',
      fieldSelector: 'metadata.name=x y',
      limit: '500',
    });
    assert.equal(
      await requestLine(server.url, '/apis/bench.example/v1/namespaces/ns/widgets', query),
      `/apis/bench.example/v1/namespaces/ns/widgets?${expected}`,
    );
    assert.equal(
      await requestLine(server.url, '/api/v1/namespaces/ns/configmaps/a.b-c'),
      '/api/v1/namespaces/ns/configmaps/a.b-c',
    );
  });

  it('keeps a server path prefix, with or without its trailing slash', async () => {
    for (const prefix of ['/k8s/clusters/c-1', '/k8s/clusters/c-1/']) {
      assert.equal(
        await requestLine(`${server.url}${prefix}`, '/api/v1/pods', { limit: 1 }),
        '/k8s/clusters/c-1/api/v1/pods?limit=1',
      );
    }
  });

  it('resolves any other path as a URL would: escapes kept, spaces escaped, dot segments removed', async () => {
    assert.equal(
      await requestLine(server.url, '/api/v1/namespaces/ns/configmaps/a%2Fb'),
      '/api/v1/namespaces/ns/configmaps/a%2Fb',
    );
    assert.equal(
      await requestLine(server.url, '/api/v1/namespaces/ns/configmaps/a b'),
      '/api/v1/namespaces/ns/configmaps/a%20b',
    );
    assert.equal(
      await requestLine(server.url, '/api/v1/namespaces/ns/../x/pods', { limit: 2 }),
      '/api/v1/namespaces/x/pods?limit=2',
    );
  });

  it('sends a body with its length in bytes, multi-byte characters included', async () => {
    const api = anonymousClient(server.url);
    try {
      const body = { metadata: { name: 'é-ü' }, data: { greeting: 'grüße 👋' } };
      await api.request({ method: 'POST', path: '/api/v1/namespaces/ns/configmaps', body });
      const last = server.seen.at(-1);
      assert.deepEqual(JSON.parse(last?.body ?? ''), body);
      assert.equal(Number(last?.contentLength), Buffer.byteLength(JSON.stringify(body)));
      assert.equal(last?.contentType, 'application/json');
      await api.request({
        method: 'PATCH',
        path: '/api/v1/namespaces/ns/configmaps/x',
        body: '{"a":"ß"}',
        contentType: 'application/merge-patch+json',
      });
      assert.equal(server.seen.at(-1)?.body, '{"a":"ß"}');
      assert.equal(server.seen.at(-1)?.contentLength, '10');
      assert.equal(server.seen.at(-1)?.contentType, 'application/merge-patch+json');
    } finally {
      api.close();
    }
  });
});
