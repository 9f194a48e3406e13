// The API client derives TLS and auth headers once per credential change, not per request, and
// answers a 401 by renewing the credentials and sending the request once more.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import type { RequestOptions } from 'node:https';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { KubeConfig } from '@kubernetes/client-node';
import { selfSignedKeyPair } from '../../../src/observability/secure-serving/certificate.js';
import { ApiClient, type KubeConfigLike, type RequestRecord } from '../../../src/runtime/api/api-client.js';
import { ApiError } from '../../../src/runtime/api/api-error.js';
import { AppliedOptionsSource } from '../../../src/runtime/api/kubeconfig/applied-options.js';
import { OperonKubeConfig } from '../../../src/runtime/api/kubeconfig/operon-kube-config.js';
import {
  execPlugin,
  type FakeApiServer,
  fakeApiServer,
  kubeconfigYaml,
  tempFolder,
} from './kubeconfig-fixtures.js';

// Compile-time: client-node's KubeConfig is still accepted wherever Operon takes a kubeconfig.
export const acceptsClientNode = (kc: KubeConfig): KubeConfigLike => kc;

const get = { method: 'GET', path: '/api/v1/namespaces/default/configmaps/x' } as const;

describe('ApiClient credentials', () => {
  let dir: ReturnType<typeof tempFolder>;
  let server: FakeApiServer;
  let api: ApiClient | undefined;
  beforeEach(async () => {
    dir = tempFolder();
    server = await fakeApiServer();
  });
  afterEach(async () => {
    api?.close();
    api = undefined;
    await server.close();
    dir.remove();
  });

  function client(user: Record<string, unknown>): ApiClient {
    const kc = new OperonKubeConfig();
    kc.loadFromString(kubeconfigYaml(server.url, user), dir.path);
    api = new ApiClient(kc, 'test');
    return api;
  }

  it('sends the credentials, on kept-alive connections', async () => {
    const c = client({ token: 'abc' });
    for (let i = 0; i < 3; i++) await c.request(get);
    assert.deepEqual(
      server.seen.map((s) => s.authorization),
      ['Bearer abc', 'Bearer abc', 'Bearer abc'],
    );
    assert.equal(new Set(server.seen.map((s) => s.port)).size, 1, 'one connection for all');
  });

  it('calls a foreign kubeconfig’s applyToHTTPSOptions once, not per request', async () => {
    let calls = 0;
    const foreign: KubeConfigLike = {
      getCurrentCluster: () => ({ name: 'c', server: server.url, skipTLSVerify: false }),
      getCurrentContext: () => 'ctx',
      applyToHTTPSOptions: async (opts: RequestOptions) => {
        calls++;
        opts.headers = { Authorization: `Bearer foreign-${calls}` };
      },
    };
    api = new ApiClient(foreign, 'test');
    for (let i = 0; i < 5; i++) await api.request(get);
    assert.equal(calls, 1);
    assert.ok(server.seen.every((s) => s.authorization === 'Bearer foreign-1'));
  });

  it('a foreign kubeconfig: applied again after a minute, or after a 401', async () => {
    let t = 0;
    let calls = 0;
    const source = new AppliedOptionsSource(
      {
        getCurrentCluster: () => null,
        getCurrentContext: () => '',
        applyToHTTPSOptions: async (opts: RequestOptions) => {
          opts.auth = `user:${++calls}`;
        },
      },
      () => t,
    );
    const first = await source.connectionSettings();
    assert.equal(first.headers.Authorization, `Basic ${Buffer.from('user:1').toString('base64')}`);
    t = 59_999;
    assert.equal(await source.connectionSettings(), first);
    t = 60_000;
    const second = await source.connectionSettings();
    assert.notEqual(second, first);
    source.invalidateConnectionSettings(first); // stale: ignored
    assert.equal(await source.connectionSettings(), second);
    source.invalidateConnectionSettings(second);
    await source.connectionSettings();
    assert.equal(calls, 3);
  });

  it('on a 401, re-reads the token file and sends the request once more', async () => {
    const token = dir.file('token', 'old');
    const c = client({ tokenFile: 'token' });
    const records: RequestRecord[] = [];
    c.onRequest((r) => records.push(r));
    await c.request(get);
    // The token rotates; the server no longer takes the old one. Within the minute the client
    // would still send it: the 401 makes it read the file at once.
    writeFileSync(token, 'new');
    server.accept = (s) => s.authorization === 'Bearer new';
    assert.deepEqual(await c.request(get), { kind: 'Status', status: 'Success' });
    assert.deepEqual(
      server.seen.map((s) => s.authorization),
      ['Bearer old', 'Bearer old', 'Bearer new'],
    );
    assert.deepEqual(
      records.map((r) => r.code),
      [200, 401, 200],
      'each attempt is recorded',
    );
  });

  it('on a 401, runs an exec plugin without expiry again, and retries with its new token', async () => {
    const plugin = execPlugin(dir.path);
    const c = client({
      exec: { apiVersion: 'client.authentication.k8s.io/v1', command: plugin.command, args: plugin.args },
    });
    server.accept = (s) => s.authorization === 'Bearer tok-2';
    await c.request({ method: 'POST', path: '/api/v1/namespaces/default/configmaps', body: { a: 1 } });
    assert.deepEqual(
      server.seen.map((s) => s.authorization),
      ['Bearer tok-1', 'Bearer tok-2'],
    );
    assert.equal(plugin.runs(), 2);
    // Cached from then on.
    await c.request(get);
    assert.equal(plugin.runs(), 2);
  });

  it('retries once only: a second 401 is the answer', async () => {
    const plugin = execPlugin(dir.path);
    const c = client({
      exec: { apiVersion: 'client.authentication.k8s.io/v1', command: plugin.command, args: plugin.args },
    });
    server.accept = () => false;
    await assert.rejects(c.request(get), (e: unknown) => e instanceof ApiError && e.status === 401);
    assert.equal(server.seen.length, 2);
  });

  it('does not resend when renewing changes nothing (a static token)', async () => {
    const c = client({ token: 'wrong' });
    server.accept = () => false;
    await assert.rejects(c.request(get), (e: unknown) => e instanceof ApiError && e.status === 401);
    assert.equal(server.seen.length, 1);
  });

  it('a watch that gets a 401 is opened again with renewed credentials', async () => {
    const token = dir.file('token', 'old');
    const c = client({ tokenFile: 'token' });
    await c.request(get);
    writeFileSync(token, 'new');
    server.accept = (s) => s.authorization === 'Bearer new';
    const res = await c.stream({ path: '/api/v1/pods', query: { watch: true } });
    assert.equal(res.statusCode, 200);
    res.resume();
    assert.deepEqual(
      server.seen.map((s) => s.authorization),
      ['Bearer old', 'Bearer old', 'Bearer new'],
    );
  });

  it('a request cancelled while its credentials are being got fails as cancelled, and leaves nothing unhandled', async () => {
    const c = client({
      exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'operon-no-such-plugin' },
    });
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      await assert.rejects(
        c.request({ ...get, signal: AbortSignal.abort(new Error('shutting down')) }),
        (e: unknown) => e instanceof ApiError && e.status === 0,
      );
      await new Promise((r) => setTimeout(r, 300)); // the plugin fails meanwhile
      assert.deepEqual(unhandled, []);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('a credential failure fails the request with the plugin’s message', async () => {
    const c = client({
      exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'operon-no-such-plugin' },
    });
    await assert.rejects(c.request(get), /cannot run "operon-no-such-plugin"/);
    assert.equal(server.seen.length, 0);
  });
});

describe('ApiClient over TLS', () => {
  let dir: ReturnType<typeof tempFolder>;
  let server: FakeApiServer;
  let api: ApiClient | undefined;
  let serving: { cert: string; key: string };
  beforeEach(async () => {
    dir = tempFolder();
    serving = await selfSignedKeyPair({ hosts: ['127.0.0.1'] });
    server = await fakeApiServer(serving);
  });
  afterEach(async () => {
    api?.close();
    api = undefined;
    await server.close();
    dir.remove();
  });

  it('verifies the server with the CA file the kubeconfig names (relative to its folder)', async () => {
    dir.file('ca.crt', serving.cert);
    const file = dir.file(
      'config',
      kubeconfigYaml(server.url, { token: 't' }, { 'certificate-authority': 'ca.crt' }),
    );
    const kc = new OperonKubeConfig();
    kc.loadFromFile(file);
    api = new ApiClient(kc, 'test');
    await api.request(get);
    await api.request(get);
    assert.equal(server.seen.length, 2);

    // Without that CA, the connection is refused.
    const other = new OperonKubeConfig();
    other.loadFromString(kubeconfigYaml(server.url, { token: 't' }));
    const unverified = new ApiClient(other, 'test');
    await assert.rejects(unverified.request(get), (e: unknown) => e instanceof ApiError && e.status === 0);
    unverified.close();
  });

  it('uses a new client certificate from an exec plugin after a 401 (a new agent)', async () => {
    const [one, two] = await Promise.all([
      selfSignedKeyPair({ hosts: ['one'] }),
      selfSignedKeyPair({ hosts: ['two'] }),
    ]);
    const plugin = execPlugin(dir.path, { certs: [one, two] });
    const kc = new OperonKubeConfig();
    kc.loadFromString(
      kubeconfigYaml(
        server.url,
        {
          exec: { apiVersion: 'client.authentication.k8s.io/v1', command: plugin.command, args: plugin.args },
        },
        { 'certificate-authority-data': Buffer.from(serving.cert).toString('base64') },
      ),
    );
    api = new ApiClient(kc, 'test');
    let first: string | undefined;
    server.accept = (s) => {
      first ??= s.clientCert;
      return s.clientCert !== first;
    };
    await api.request(get);
    const [a, b] = server.seen.map((s) => s.clientCert);
    assert.ok(a && b && a !== b, 'the retry presented the second certificate');
    assert.notEqual(server.seen[0]?.port, server.seen[1]?.port, 'on a new connection');
  });
});
