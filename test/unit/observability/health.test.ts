import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import {
  type CheckedInformer,
  type EndpointServer,
  formatReport,
  informerReadiness,
  report,
  serveEndpoints,
  watchLiveness,
} from '../../../src/observability/health/index.js';

const now = new Date('2026-01-01T00:10:00Z');

function informer(
  plural: string,
  state: { synced?: boolean; watching?: boolean; failingForMs?: number; error?: string },
): CheckedInformer {
  return {
    type: { plural, group: '' },
    scope: { namespace: 'demo' },
    hasSynced: () => state.synced ?? true,
    health: () => ({
      watching: state.watching ?? true,
      failingSince:
        state.failingForMs === undefined ? undefined : new Date(now.getTime() - state.failingForMs),
      consecutiveFailures: state.failingForMs === undefined ? 0 : 7,
      lastError: state.error ? new Error(state.error) : undefined,
    }),
  };
}

describe('watchLiveness', () => {
  it('fails only for a watch that has been failing, with no watch open, past the threshold', () => {
    const checks = watchLiveness(
      [
        informer('healthy', {}),
        informer('brief', { watching: false, failingForMs: 5_000, error: 'ECONNREFUSED' }),
        informer('recovered', { watching: true, failingForMs: 120_000 }),
        informer('down', {
          watching: false,
          failingForMs: 90_000,
          error: 'connect ECONNREFUSED 127.0.0.1:6443',
        }),
      ],
      60_000,
      now,
    );
    assert.deepEqual(
      checks.map((c) => [c.name, c.ok]),
      [
        ['watch:healthy/demo', true],
        ['watch:brief/demo', true],
        ['watch:recovered/demo', true],
        ['watch:down/demo', false],
      ],
    );
    assert.match(
      checks[3].message ?? '',
      /failing for 90 s \(7 attempts, threshold 60 s\): connect ECONNREFUSED/,
    );
  });
});

describe('informerReadiness', () => {
  it('is ready once every informer synced, and says why one is not', () => {
    const checks = informerReadiness([
      informer('pods', {}),
      informer('echoservers', { synced: false, error: 'echoservers is forbidden' }),
    ]);
    assert.equal(report(checks).ok, false);
    assert.equal(checks[1].message, 'not synced yet (last error: echoservers is forbidden)');
    assert.equal(report([checks[0]]).ok, true);
  });
});

describe('formatReport', () => {
  it('answers ok, or lists every check like Kubernetes components do', () => {
    const ok = report([{ name: 'a', ok: true }]);
    assert.equal(formatReport('healthz', ok, false), 'ok\n');
    assert.equal(formatReport('healthz', ok, true), '[+]a ok\nhealthz check passed\n');
    const bad = report([
      { name: 'a', ok: true },
      { name: 'b', ok: false, message: 'down' },
    ]);
    assert.equal(formatReport('readyz', bad, false), '[+]a ok\n[-]b failed: down\nreadyz check failed\n');
  });
});

describe('serveEndpoints', () => {
  let healthy = true;
  let server: EndpointServer;
  after(() => server?.close());

  it('serves the probes and metrics on a free port, with the right status codes', async () => {
    server = await serveEndpoints(
      { port: 0, host: '127.0.0.1' },
      {
        healthz: () => report([{ name: 'watch', ok: healthy, message: healthy ? undefined : 'failing' }]),
        readyz: () => report([{ name: 'informer', ok: true }]),
        metrics: { contentType: 'text/plain; version=0.0.4; charset=utf-8', text: async () => 'up 1\n' },
      },
    );
    assert.ok(server.port > 0);
    const get = async (path: string, method = 'GET') => {
      const res = await fetch(`http://127.0.0.1:${server.port}${path}`, { method });
      return { status: res.status, body: await res.text(), type: res.headers.get('content-type') };
    };
    assert.deepEqual(await get('/healthz'), { status: 200, body: 'ok\n', type: 'text/plain; charset=utf-8' });
    assert.equal((await get('/livez')).status, 200);
    assert.equal((await get('/readyz?verbose')).body, '[+]informer ok\nreadyz check passed\n');
    healthy = false;
    assert.deepEqual((await get('/healthz')).status, 500);
    assert.match((await get('/healthz')).body, /\[-\]watch failed: failing/);
    const metrics = await get('/metrics');
    assert.equal(metrics.status, 200);
    assert.equal(metrics.body, 'up 1\n');
    assert.equal(metrics.type, 'text/plain; version=0.0.4; charset=utf-8');
    assert.equal((await get('/nope')).status, 404);
    assert.equal((await get('/healthz', 'POST')).status, 405);
    assert.equal((await get('/readyz', 'HEAD')).body, '');
  });

  it('closes promptly, even with a kept-alive connection', async () => {
    const s = await serveEndpoints({ port: 0, host: '127.0.0.1' }, { healthz: () => report([]) });
    await fetch(`http://127.0.0.1:${s.port}/healthz`);
    const started = performance.now();
    await s.close();
    assert.ok(performance.now() - started < 1000);
    await assert.rejects(fetch(`http://127.0.0.1:${s.port}/healthz`));
  });
});
