import 'reflect-metadata';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { TLSSocket } from 'node:tls';
import { startEndpoints } from '../../../src/app/app-endpoints.js';
import { planEndpoints } from '../../../src/app/endpoint-plan.js';
import { report, serveEndpoints } from '../../../src/observability/health/index.js';
import { silentLogger } from '../../../src/observability/logger.js';
import {
  bearerToken,
  ExpiringCache,
  type KeyPair,
  KubeAuthorizer,
  type ReviewRequest,
  readKeyPair,
  selfSignedKeyPair,
  watchKeyPair,
} from '../../../src/observability/secure-serving/index.js';

/** A GET over HTTPS that trusts `ca` (or anything), with an optional bearer token. */
function get(
  url: string,
  opts: { token?: string; ca?: string } = {},
): Promise<{ status: number; body: string; headers: Record<string, unknown>; fingerprint: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        headers: opts.token ? { Authorization: `Bearer ${opts.token}` } : {},
        ...(opts.ca ? { ca: opts.ca, checkServerIdentity: () => undefined } : { rejectUnauthorized: false }),
        agent: false,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          body += d;
        });
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body,
            headers: res.headers,
            fingerprint: (res.socket as TLSSocket).getPeerX509Certificate?.()?.fingerprint256 ?? '',
          }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** An API server stand-in that answers reviews: tokens map to users, users to what they may get. */
class FakeReviews {
  readonly sent: ReviewRequest[] = [];
  users: Record<string, string> = {
    'good-token': 'system:serviceaccount:mon:prometheus',
    'nobody-token': 'nobody',
  };
  allowed = new Set(['system:serviceaccount:mon:prometheus']);
  failing: 'tokenreviews' | 'subjectaccessreviews' | undefined;

  async request<T>(req: ReviewRequest): Promise<T> {
    this.sent.push(req);
    await new Promise((r) => setImmediate(r));
    const body = req.body as { spec: { token?: string; user?: string; nonResourceAttributes?: object } };
    if (this.failing && req.path.endsWith(this.failing)) throw new Error('connect ECONNREFUSED');
    if (req.path.endsWith('/tokenreviews')) {
      const username = this.users[body.spec.token ?? ''];
      return { status: username ? { authenticated: true, user: { username, groups: ['g'] } } : {} } as T;
    }
    return { status: { allowed: this.allowed.has(body.spec.user ?? '') } } as T;
  }

  count(resource: string): number {
    return this.sent.filter((r) => r.path.endsWith(resource)).length;
  }
}

describe('ExpiringCache', () => {
  it('reuses a value until it expires, shares one load between concurrent callers, and forgets failures', async () => {
    let now = 0;
    let loads = 0;
    const cache = new ExpiringCache<number>({ ttlMs: 10_000, maxEntries: 10, now: () => now });
    const load = async () => ++loads;
    assert.deepEqual(await Promise.all([cache.get('a', load), cache.get('a', load)]), [1, 1]);
    now = 9_999;
    assert.equal(await cache.get('a', load), 1);
    now = 10_000;
    assert.equal(await cache.get('a', load), 2, 'expired: loaded again');
    await assert.rejects(
      cache.get('b', async () => Promise.reject(new Error('down'))),
      /down/,
    );
    assert.equal(await cache.get('b', load), 3, 'a failed load is not cached');
  });

  it('holds at most maxEntries, dropping the oldest', async () => {
    const cache = new ExpiringCache<string>({ ttlMs: 10_000, maxEntries: 2, now: () => 0 });
    for (const k of ['a', 'b', 'c']) await cache.get(k, async () => k);
    assert.equal(cache.size, 2);
    assert.equal(await cache.get('a', async () => 'reloaded'), 'reloaded', 'the oldest was dropped');
    assert.equal(await cache.get('c', async () => 'reloaded'), 'c');
  });
});

describe('bearerToken', () => {
  it('reads `Bearer <token>` only', () => {
    assert.equal(bearerToken('Bearer abc.def'), 'abc.def');
    assert.equal(bearerToken('bearer  abc '), 'abc');
    for (const h of [undefined, '', 'Bearer', 'Basic dXNlcjpwdw==', 'Bearer a b'])
      assert.equal(bearerToken(h), undefined);
  });
});

describe('KubeAuthorizer', () => {
  const request = (token?: string) => ({
    authorization: token === undefined ? undefined : `Bearer ${token}`,
    verb: 'get',
    path: '/metrics',
  });

  it("answers as controller-runtime's filter: 401 without or with a bad token, 403 when not allowed, else allowed", async () => {
    const reviews = new FakeReviews();
    const auth = new KubeAuthorizer(reviews);
    assert.deepEqual(await auth.check(request()), { allowed: false, status: 401, message: 'Unauthorized' });
    assert.equal(reviews.sent.length, 0, 'no token, no review');
    assert.deepEqual(await auth.check(request('forged')), {
      allowed: false,
      status: 401,
      message: 'Unauthorized',
    });
    assert.deepEqual(await auth.check(request('nobody-token')), {
      allowed: false,
      status: 403,
      message: 'Authorization denied for user nobody',
    });
    assert.deepEqual(await auth.check(request('good-token')), { allowed: true });
  });

  it('sends a TokenReview, then a SubjectAccessReview for the non-resource URL and verb', async () => {
    const reviews = new FakeReviews();
    await new KubeAuthorizer(reviews).check(request('good-token'));
    assert.deepEqual(
      reviews.sent.map((r) => ({ path: r.path, body: r.body })),
      [
        {
          path: '/apis/authentication.k8s.io/v1/tokenreviews',
          body: {
            apiVersion: 'authentication.k8s.io/v1',
            kind: 'TokenReview',
            spec: { token: 'good-token' },
          },
        },
        {
          path: '/apis/authorization.k8s.io/v1/subjectaccessreviews',
          body: {
            apiVersion: 'authorization.k8s.io/v1',
            kind: 'SubjectAccessReview',
            spec: {
              user: 'system:serviceaccount:mon:prometheus',
              groups: ['g'],
              nonResourceAttributes: { path: '/metrics', verb: 'get' },
            },
          },
        },
      ],
    );
    assert.ok(
      reviews.sent.every((r) => r.signal instanceof AbortSignal),
      'every review has a deadline',
    );
  });

  it('caches both answers for the TTL, so frequent scrapes cost two reviews per TTL', async () => {
    let now = 0;
    const reviews = new FakeReviews();
    const auth = new KubeAuthorizer(reviews, { cacheTtlMs: 10_000, now: () => now });
    for (let i = 0; i < 5; i++) assert.deepEqual(await auth.check(request('good-token')), { allowed: true });
    await Promise.all([auth.check(request('nobody-token')), auth.check(request('nobody-token'))]);
    assert.equal(reviews.count('tokenreviews'), 2);
    assert.equal(reviews.count('subjectaccessreviews'), 2);
    // A grant revoked on the API server stops working once the cached answer expires.
    reviews.allowed.clear();
    now = 5_000;
    assert.deepEqual(await auth.check(request('good-token')), { allowed: true }, 'still cached');
    now = 10_001;
    assert.equal((await auth.check(request('good-token'))).allowed, false);
    assert.equal(reviews.count('tokenreviews'), 3);
  });

  it('refuses when a review fails (401 for the TokenReview, 500 for the SubjectAccessReview), never caching it', async () => {
    const reviews = new FakeReviews();
    const auth = new KubeAuthorizer(reviews, { log: silentLogger() });
    reviews.failing = 'tokenreviews';
    assert.deepEqual(await auth.check(request('good-token')), {
      allowed: false,
      status: 401,
      message: 'Authentication failed',
    });
    reviews.failing = 'subjectaccessreviews';
    assert.deepEqual(await auth.check(request('good-token')), {
      allowed: false,
      status: 500,
      message: 'Authorization for user system:serviceaccount:mon:prometheus failed',
    });
    reviews.failing = undefined;
    assert.deepEqual(await auth.check(request('good-token')), { allowed: true });
  });
});

describe('certificates', () => {
  const dir = mkdtempSync(join(tmpdir(), 'operon-certs-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('generates a self-signed ECDSA certificate for the given names and addresses', async () => {
    const pair = await selfSignedKeyPair({ hosts: ['localhost', '127.0.0.1', 'operator-0'] });
    const cert = new X509Certificate(pair.cert);
    assert.equal(cert.subjectAltName, 'DNS:localhost, IP Address:127.0.0.1, DNS:operator-0');
    assert.equal(cert.publicKey.asymmetricKeyType, 'ec');
    assert.ok(cert.verify(cert.publicKey), 'self-signed');
    assert.ok(cert.checkPrivateKey((await import('node:crypto')).createPrivateKey(pair.key)));
    assert.ok(new Date(cert.validTo).getTime() > Date.now() + 300 * 86_400_000);
  });

  it('reads a pair from files, naming them when they do not match', async () => {
    const [a, b] = await Promise.all([selfSignedKeyPair(), selfSignedKeyPair()]);
    writeFileSync(join(dir, 'tls.crt'), a.cert);
    writeFileSync(join(dir, 'tls.key'), a.key);
    writeFileSync(join(dir, 'other.key'), b.key);
    assert.deepEqual(await readKeyPair({ certFile: join(dir, 'tls.crt'), keyFile: join(dir, 'tls.key') }), a);
    await assert.rejects(
      readKeyPair({ certFile: join(dir, 'tls.crt'), keyFile: join(dir, 'other.key') }),
      /tls\.crt and .*other\.key are not a usable certificate and key/,
    );
    await assert.rejects(
      readKeyPair({ certFile: join(dir, 'missing.crt'), keyFile: join(dir, 'tls.key') }),
      /Cannot read the serving certificate: ENOENT/,
    );
  });

  it('reports a rotated pair, and a half-written one as an error', async () => {
    const files = { certFile: join(dir, 'w.crt'), keyFile: join(dir, 'w.key') };
    const [a, b] = await Promise.all([selfSignedKeyPair(), selfSignedKeyPair()]);
    writeFileSync(files.certFile, a.cert);
    writeFileSync(files.keyFile, a.key);
    const changes: KeyPair[] = [];
    const errors: Error[] = [];
    const stop = watchKeyPair(files, {
      intervalMs: 20,
      onChange: (p) => changes.push(p),
      onError: (e) => errors.push(e),
    });
    try {
      await new Promise((r) => setTimeout(r, 100));
      writeFileSync(files.certFile, `${b.cert}\n`); // the key is still a's
      await until(() => errors.length > 0);
      assert.match(errors[0]?.message ?? '', /not a usable certificate and key/);
      writeFileSync(files.keyFile, b.key);
      await until(() => changes.some((p) => p.key === b.key));
    } finally {
      stop();
    }
  });
});

describe('serveEndpoints over HTTPS with a guard', () => {
  it('guards /metrics only, answers 401 with WWW-Authenticate, and serves a rotated certificate', async () => {
    const [first, second] = await Promise.all([
      selfSignedKeyPair({ hosts: ['127.0.0.1'] }),
      selfSignedKeyPair({ hosts: ['127.0.0.1'] }),
    ]);
    const auth = new KubeAuthorizer(new FakeReviews());
    const server = await serveEndpoints(
      { port: 0, host: '127.0.0.1' },
      {
        healthz: () => report([]),
        metrics: { contentType: 'text/plain; version=0.0.4; charset=utf-8', text: async () => 'up 1\n' },
      },
      { tls: first, metricsGuard: auth.guard },
    );
    try {
      assert.equal(server.secure, true);
      assert.equal(server.address, '127.0.0.1');
      assert.equal(server.url, `https://127.0.0.1:${server.port}`);
      const url = `${server.url}/metrics`;
      const anonymous = await get(url, { ca: first.cert });
      assert.equal(anonymous.status, 401);
      assert.equal(anonymous.headers['www-authenticate'], 'Bearer');
      assert.equal(anonymous.body, 'Unauthorized\n');
      assert.equal((await get(url, { token: 'nobody-token', ca: first.cert })).status, 403);
      const ok = await get(url, { token: 'good-token', ca: first.cert });
      assert.deepEqual([ok.status, ok.body], [200, 'up 1\n']);
      assert.equal(
        (await get(`${server.url}/healthz`, { ca: first.cert })).status,
        200,
        'probes need no token',
      );

      server.setCertificate(second);
      const rotated = await get(`${server.url}/healthz`, { ca: second.cert });
      assert.equal(rotated.fingerprint, new X509Certificate(second.cert).fingerprint256);
      assert.throws(() => server.setCertificate({ cert: first.cert, key: second.key }), /not a usable/);
    } finally {
      await server.close();
    }
  });

  it('refuses to start with a certificate and a key that do not match', async () => {
    const [a, b] = await Promise.all([selfSignedKeyPair(), selfSignedKeyPair()]);
    await assert.rejects(
      serveEndpoints({ port: 0, host: '127.0.0.1' }, {}, { tls: { cert: a.cert, key: b.key } }),
      /The serving certificate and key are not a usable certificate and key/,
    );
  });
});

describe('startEndpoints', () => {
  const sources = (reviews: FakeReviews) => ({
    healthz: () => report([]),
    readyz: () => report([]),
    metrics: { contentType: 'text/plain', text: async () => 'up 1\n' },
    reviews,
    log: silentLogger(),
  });

  it('serves probes over HTTP and secure metrics over HTTPS with a generated certificate by default', async () => {
    const plan = planEndpoints({
      healthServer: { host: '127.0.0.1', port: 0 },
      metricsServer: { host: '127.0.0.1', port: 0 },
    });
    const endpoints = await startEndpoints(plan, sources(new FakeReviews()));
    try {
      assert.match(endpoints.health?.url ?? '', /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.match(endpoints.metrics?.url ?? '', /^https:\/\/127\.0\.0\.1:\d+$/);
      assert.equal((await fetch(`${endpoints.health?.url}/readyz`)).status, 200);
      assert.equal((await get(`${endpoints.metrics?.url}/metrics`)).status, 401);
      assert.equal((await get(`${endpoints.metrics?.url}/metrics`, { token: 'good-token' })).status, 200);
    } finally {
      await endpoints.close();
    }
  });

  it('shares one HTTPS server on one port, guarding only /metrics; plain HTTP with secure: false', async () => {
    const port = await freePort();
    const shared = await startEndpoints(
      planEndpoints({
        healthServer: { host: '127.0.0.1', port },
        metricsServer: { host: '127.0.0.1', port },
      }),
      sources(new FakeReviews()),
    );
    try {
      assert.equal(shared.health, shared.metrics);
      assert.equal((await get(`${shared.health?.url}/healthz`)).status, 200);
      assert.equal((await get(`${shared.health?.url}/metrics`)).status, 401);
    } finally {
      await shared.close();
    }
    const plain = await startEndpoints(
      planEndpoints({ healthServer: false, metricsServer: { host: '127.0.0.1', port: 0, secure: false } }),
      sources(new FakeReviews()),
    );
    try {
      const res = await fetch(`${plain.metrics?.url}/metrics`);
      assert.deepEqual([res.status, await res.text()], [200, 'up 1\n']);
    } finally {
      await plain.close();
    }
  });
});

async function until(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as { port: number };
  await new Promise((r) => s.close(r));
  return port;
}
