import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { OperonError } from '../../../src/errors/operon-error.js';
import {
  buildFixture,
  FIXTURE_FORMAT,
  fixturePath,
  fixtureText,
  readFixtures,
  requestHash,
} from '../../../src/runtime/record/fixture.js';
import { redactRules } from '../../../src/runtime/record/redact.js';

const parent = (spec: object, extra: object = {}) => ({
  apiVersion: 'example.com/v1',
  kind: 'Web',
  metadata: {
    name: 'web',
    namespace: 'demo',
    uid: 'uid-1',
    generation: 2,
    resourceVersion: '812',
    managedFields: [{ manager: 'kubectl' }],
    annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"spec":{}}' },
    ...extra,
  },
  spec,
});
const pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web-0', namespace: 'demo', uid: 'p1', resourceVersion: '900', selfLink: '/x' },
  spec: { containers: [{ name: 'web', image: 'nginx' }] },
};

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'operon-fixture-'));
  dirs.push(d);
  return d;
}

describe('buildFixture', () => {
  it('keeps what sync reads and drops server noise: managedFields, resourceVersion, selfLink, last-applied', () => {
    const f = buildFixture('web', parent({ image: 'nginx' }), [pod], [], { children: [], status: { ok: 1 } });
    assert.equal(f.format, FIXTURE_FORMAT);
    assert.deepEqual(f.request.parent.metadata, {
      generation: 2,
      name: 'web',
      namespace: 'demo',
      uid: 'uid-1',
    });
    assert.deepEqual(f.request.children[0]?.metadata, { name: 'web-0', namespace: 'demo', uid: 'p1' });
    assert.deepEqual(f.response, { status: { ok: 1 }, children: [] });
    assert.equal(f.redact, undefined, 'only configured redaction is stored');
  });

  it('is stable: the same request in another key order or at another resourceVersion has the same hash and text', () => {
    const a = buildFixture('web', parent({ image: 'nginx', replicas: 2 }), [pod], [], { children: [pod] });
    const b = buildFixture(
      'web',
      { ...parent({ replicas: 2, image: 'nginx' }, { resourceVersion: '999' }) },
      [{ ...pod, metadata: { ...pod.metadata, resourceVersion: '1000' } }],
      [],
      { children: [pod] },
    );
    assert.equal(requestHash(a), requestHash(b));
    assert.equal(fixtureText(a), fixtureText(b));
    const c = buildFixture('web', parent({ image: 'nginx', replicas: 3 }), [pod], [], { children: [pod] });
    assert.notEqual(requestHash(a), requestHash(c));
    assert.match(fixturePath(a), /^web[/\\]demo[/\\]web-[0-9a-f]{10}\.json$/);
    assert.ok(fixtureText(a).endsWith('\n'));
    assert.match(fixtureText(a), /\n {2}"format": "operon\.dev\/sync-fixture\/v1",\n/);
  });

  it('records the redaction it applied, and hashes the redacted request (secrets do not show in the hash)', () => {
    const rules = redactRules({ paths: ['spec.password'] });
    const a = buildFixture('web', parent({ password: 'one' }), [], [], { children: [] }, rules);
    const b = buildFixture('web', parent({ password: 'two' }), [], [], { children: [] }, rules);
    assert.deepEqual(a.redact, { paths: ['spec.password'], fields: [] });
    assert.equal((a.request.parent as { spec?: { password?: string } }).spec?.password, 'REDACTED');
    assert.equal(requestHash(a), requestHash(b));
  });

  it('puts a cluster-scoped parent under _cluster', () => {
    const p = { apiVersion: 'example.com/v1', kind: 'Web', metadata: { name: 'w', uid: 'u' } };
    assert.match(fixturePath(buildFixture('web', p, [], [], { children: [] })), /^web[/\\]_cluster[/\\]w-/);
  });
});

describe('readFixtures', () => {
  it('reads fixtures recursively, sorted, and skips other JSON files', () => {
    const dir = tempDir();
    const f = buildFixture('web', parent({ image: 'nginx' }), [], [], { children: [] });
    mkdirSync(join(dir, 'web', 'demo'), { recursive: true });
    writeFileSync(join(dir, fixturePath(f)), fixtureText(f));
    writeFileSync(join(dir, 'package.json'), '{"name":"x"}');
    const read = readFixtures(dir);
    assert.equal(read.length, 1);
    assert.equal(read[0]?.file, fixturePath(f).split(/[/\\]/).join('/'));
    assert.deepEqual(read[0]?.fixture, JSON.parse(fixtureText(f)));
  });

  it('refuses another format version, a damaged fixture, invalid JSON and a missing folder, naming the file', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'a.json'), JSON.stringify({ format: 'operon.dev/sync-fixture/v9' }));
    assert.throws(() => readFixtures(dir), /a\.json has format "operon\.dev\/sync-fixture\/v9"/);
    writeFileSync(join(dir, 'a.json'), JSON.stringify({ format: FIXTURE_FORMAT, operator: 'web' }));
    assert.throws(() => readFixtures(dir), /a\.json is damaged: it has no request/);
    writeFileSync(join(dir, 'a.json'), '{');
    assert.throws(() => readFixtures(dir), /a\.json is not valid JSON/);
    assert.throws(
      () => readFixtures(join(dir, 'nope')),
      (e: unknown) => OperonError.hasCode(e, 'CONFIG_INVALID') && /does not exist/.test(e.message),
    );
  });
});
