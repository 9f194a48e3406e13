import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { ApiClient } from '../../../src/runtime/api/api-client.js';

// What reaches the API server: the request line, the body and its length, for a server with and
// without a path prefix (a proxy such as Rancher's serves clusters under /k8s/clusters/<id>).
describe('ApiClient request line and body', () => {
  let server: Server;
  let origin: string;
  const seen: { url: string; body: string; length: string | undefined; type: string | undefined }[] = [];
  before(async () => {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({
          url: req.url ?? '',
          body: Buffer.concat(chunks).toString('utf8'),
          length: req.headers['content-length'],
          type: req.headers['content-type'],
        });
        res.setHeader('Content-Type', 'application/json');
        res.end('{}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  function client(serverUrl: string): ApiClient {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: serverUrl, skipTLSVerify: true }],
      users: [{ name: 'u' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    return new ApiClient(kc, 'test');
  }

  async function requestLine(
    serverUrl: string,
    path: string,
    query?: Record<string, string | number | boolean | undefined>,
  ) {
    const api = client(serverUrl);
    try {
      await api.request({ method: 'GET', path, query });
      return seen.at(-1)?.url;
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
      await requestLine(origin, '/apis/bench.example/v1/namespaces/ns/widgets', query),
      `/apis/bench.example/v1/namespaces/ns/widgets?${expected}`,
    );
    assert.equal(
      await requestLine(origin, '/api/v1/namespaces/ns/configmaps/a.b-c'),
      '/api/v1/namespaces/ns/configmaps/a.b-c',
    );
  });

  it('keeps a server path prefix, with or without its trailing slash', async () => {
    for (const prefix of ['/k8s/clusters/c-1', '/k8s/clusters/c-1/']) {
      assert.equal(
        await requestLine(`${origin}${prefix}`, '/api/v1/pods', { limit: 1 }),
        '/k8s/clusters/c-1/api/v1/pods?limit=1',
      );
    }
  });

  it('resolves any other path as a URL would: escapes kept, spaces escaped, dot segments removed', async () => {
    assert.equal(
      await requestLine(origin, '/api/v1/namespaces/ns/configmaps/a%2Fb'),
      '/api/v1/namespaces/ns/configmaps/a%2Fb',
    );
    assert.equal(
      await requestLine(origin, '/api/v1/namespaces/ns/configmaps/a b'),
      '/api/v1/namespaces/ns/configmaps/a%20b',
    );
    assert.equal(
      await requestLine(origin, '/api/v1/namespaces/ns/../x/pods', { limit: 2 }),
      '/api/v1/namespaces/x/pods?limit=2',
    );
  });

  it('sends a body with its length in bytes, multi-byte characters included', async () => {
    const api = client(origin);
    try {
      const body = { metadata: { name: 'é-ü' }, data: { greeting: 'grüße 👋' } };
      await api.request({ method: 'POST', path: '/api/v1/namespaces/ns/configmaps', body });
      const last = seen.at(-1);
      assert.deepEqual(JSON.parse(last?.body ?? ''), body);
      assert.equal(Number(last?.length), Buffer.byteLength(JSON.stringify(body)));
      assert.equal(last?.type, 'application/json');
      await api.request({
        method: 'PATCH',
        path: '/api/v1/namespaces/ns/configmaps/x',
        body: '{"a":"ß"}',
        contentType: 'application/merge-patch+json',
      });
      assert.equal(seen.at(-1)?.body, '{"a":"ß"}');
      assert.equal(seen.at(-1)?.length, '10');
      assert.equal(seen.at(-1)?.type, 'application/merge-patch+json');
    } finally {
      api.close();
    }
  });
});
