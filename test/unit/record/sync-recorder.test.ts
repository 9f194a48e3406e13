import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError } from '../../../src/errors/operon-error.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { readFixtures } from '../../../src/runtime/record/fixture.js';
import { SyncRecorder } from '../../../src/runtime/record/sync-recorder.js';
import { operatorConfigOf } from '../../../src/testkit/sync-harness.js';
import type { SyncRequest } from '../../../src/types/sync.js';
import { recordPass, ShopOperator, shopParent } from './shop-operator.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function recorder(redact?: { paths?: string[]; fields?: string[] }): { dir: string; rec: SyncRecorder } {
  const dir = mkdtempSync(join(tmpdir(), 'operon-record-'));
  dirs.push(dir);
  return { dir, rec: new SyncRecorder({ dir: join(dir, 'fixtures'), redact }, silentLogger()) };
}
const tokenSecret = {
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'src', namespace: 'demo', uid: 's1', resourceVersion: '5' },
  data: { token: 'c2VjcmV0' },
};

describe('SyncRecorder', () => {
  it('writes one file per distinct request, with parent, children, related objects and the response', async () => {
    const { dir, rec } = recorder();
    const op = new ShopOperator();
    const observe = (c: ReturnType<typeof operatorConfigOf>) => rec.forOperator(c);
    const input = { parent: shopParent({ message: 'hi', source: 'src' }), related: [tokenSecret] };
    const first = await recordPass(observe, op, input);
    await recordPass(observe, op, input); // the same request again: nothing new
    // The same request at a new resourceVersion only: still nothing new.
    await recordPass(observe, op, {
      ...input,
      parent: shopParent({ message: 'hi', source: 'src' }, 'web', '11'),
    });
    await recordPass(observe, op, { ...input, children: first.children }); // children now exist: a new request
    await rec.flush();
    assert.deepEqual(rec.stats(), { requests: 2, writes: 2, failures: 0 });
    const fixtures = readFixtures(join(dir, 'fixtures'));
    assert.equal(fixtures.length, 2);
    for (const f of fixtures) assert.match(f.file, /^shop\/demo\/web-[0-9a-f]{10}\.json$/);
    const later = fixtures.find((f) => f.fixture.request.children.length > 0)!.fixture;
    assert.deepEqual(
      later.request.children.map((c) => `${c.kind}/${c.metadata?.name}`),
      ['Pod/web-0', 'Service/web', 'ConfigMap/web-settings', 'Secret/web-creds'],
      'by declared type, as sync saw them',
    );
    assert.equal(later.request.related.length, 1);
    assert.equal(later.request.parent.metadata.uid, 'uid-web');
    assert.equal(later.response.children.length, 4);
    assert.deepEqual(later.response.status, { pods: 1, running: 0 });
  });

  it('redacts Secret data everywhere and the configured paths; the file never holds the values', async () => {
    const { dir, rec } = recorder({ paths: ['spec.password'] });
    const op = new ShopOperator();
    const observe = (c: ReturnType<typeof operatorConfigOf>) => rec.forOperator(c);
    const res = await recordPass(observe, op, {
      parent: shopParent({ message: 'hi', password: 'hunter2', source: 'src' }),
      related: [tokenSecret],
    });
    await recordPass(observe, op, {
      parent: shopParent({ message: 'hi', password: 'hunter2', source: 'src' }),
      related: [tokenSecret],
      children: res.children.map((c) =>
        c.kind === 'Secret' ? { ...c, data: { password: 'aHVudGVyMg==' }, stringData: undefined } : c,
      ),
    });
    await rec.flush();
    const files = readFixtures(join(dir, 'fixtures'));
    for (const f of files) {
      const text = readFileSync(f.path, 'utf8');
      for (const secret of ['hunter2', 'aHVudGVyMg==', 'c2VjcmV0']) {
        assert.ok(!text.includes(secret), `${f.file} holds ${secret}`);
      }
      const creds = f.fixture.response.children.find((c) => c.kind === 'Secret') as { stringData?: object };
      assert.deepEqual(creds.stringData, { password: 'REDACTED', copied: 'REDACTED' });
      assert.deepEqual(f.fixture.redact, { paths: ['spec.password'], fields: [] });
    }
  });

  it('rewrites a fixture when the same request gets another response', async () => {
    const { dir, rec } = recorder();
    const input = { parent: shopParent({ message: 'hi' }) };
    const observe = (c: ReturnType<typeof operatorConfigOf>) => rec.forOperator(c);
    await recordPass(observe, new ShopOperator(), input);
    await recordPass(observe, new ShopOperator({ image: 'shop:2' }), input);
    await rec.flush();
    assert.deepEqual(rec.stats(), { requests: 1, writes: 2, failures: 0 });
    const [only] = readFixtures(join(dir, 'fixtures'));
    assert.match(readFileSync(only!.path, 'utf8'), /"image": "shop:2"/);
    assert.deepEqual(readdirSync(join(dir, 'fixtures', 'shop', 'demo')).length, 1, 'no temporary file left');
  });

  it('never throws into the pass: a failing snapshot is counted and logged', async () => {
    const { rec } = recorder();
    const config = operatorConfigOf(new ShopOperator());
    const broken = {
      children: () => {
        throw new Error('boom');
      },
    } as unknown as SyncRequest<unknown>;
    rec.forOperator(config)(broken, { children: [] }, { metadata: { name: 'x', uid: 'u' } });
    await rec.flush();
    assert.equal(rec.stats().failures, 1);
  });

  it('refuses a missing folder name and bad redaction options', () => {
    assert.throws(() => new SyncRecorder({ dir: '' }, silentLogger()), ConfigError);
    const { dir } = recorder();
    assert.throws(() => new SyncRecorder({ dir, redact: { paths: ['a..b'] } }, silentLogger()), ConfigError);
  });
});
