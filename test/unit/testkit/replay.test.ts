// replayFixtures: recorded sync traffic replayed against the same operator (all unchanged) and
// against "version 2" variants (each change reported as the plan's action with field diffs).

import { AssertionError } from 'node:assert';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { OperonError } from '../../../src/errors/operon-error.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { SyncRecorder } from '../../../src/runtime/record/sync-recorder.js';
import { assertReplayPassed, type ReplayResult, replayFixtures } from '../../../src/testkit/replay.js';
import { operatorConfigOf } from '../../../src/testkit/sync-harness.js';
import type { KubeObject } from '../../../src/types/kube-object.js';
import { recordPass, ShopOperator, type ShopVariant, shopParent } from '../record/shop-operator.js';

const root = mkdtempSync(join(tmpdir(), 'operon-replay-'));
const recorded = join(root, 'recorded');
after(() => rmSync(root, { recursive: true, force: true }));

const tokenSecret = {
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'src', namespace: 'demo', uid: 's1' },
  data: { token: 'c2VjcmV0' },
};

/** Records what version 1 sees over a parent's life: first pass, children created, Pods running. */
before(async () => {
  const rec = new SyncRecorder({ dir: recorded }, silentLogger());
  const observe = (c: ReturnType<typeof operatorConfigOf>) => rec.forOperator(c);
  const v1 = new ShopOperator();
  for (const [name, spec] of [
    ['web', { message: 'hi', password: 'hunter2' }],
    ['api', { message: 'yo', replicas: 2, source: 'src' }],
  ] as const) {
    const input = { parent: shopParent(spec, name), related: [tokenSecret] };
    const first = await recordPass(observe, v1, input);
    await recordPass(observe, v1, { ...input, children: first.children });
    const running = first.children.map((c: KubeObject) =>
      c.kind === 'Pod' ? { ...c, status: { phase: 'Running' } } : c,
    );
    await recordPass(observe, v1, { ...input, children: running });
  }
  await rec.flush();
  assert.equal(rec.stats().requests, 6);
});

function copy(): string {
  const dir = mkdtempSync(join(root, 'copy-'));
  cpSync(recorded, dir, { recursive: true });
  return dir;
}
const replay = (variant: ShopVariant, options = {}) =>
  replayFixtures(new ShopOperator(variant), recorded, { update: false, ...options });
const webCases = (r: ReplayResult) => r.cases.filter((c) => c.parent === 'Shop demo/web');

describe('replayFixtures', () => {
  it('passes every fixture for the unchanged operator (Secret values compare redacted)', async () => {
    const r = await replay({});
    assert.equal(r.cases.length, 6);
    assert.equal(r.unchanged, 6, r.report);
    assert.ok(r.ok);
    assert.equal(
      r.report,
      `Replayed 6 fixtures of operator "shop" from ${recorded}: 6 unchanged, 0 changed.`,
    );
    assert.doesNotThrow(() => assertReplayPassed(r));
    // A hand-written config of the same operator replays the same way.
    assert.ok((await replayFixtures(operatorConfigOf(new ShopOperator()), recorded, { update: false })).ok);
  });

  it('reports a changed image as a recreate of each Pod, with the field that changed', async () => {
    const r = await replay({ image: 'shop:2' });
    assert.equal(r.changed, 6);
    assert.equal(r.ok, false);
    const web = webCases(r)[0]!;
    assert.equal(web.outcome, 'changed');
    assert.deepEqual(web.plan, ['recreate Pod/web-0']);
    assert.deepEqual(web.children[0]?.fields, [
      { path: 'spec.containers[name=web].image', op: 'change', from: 'shop:1', to: 'shop:2' },
    ]);
    assert.match(
      web.diff,
      /^✗ Shop demo\/web \(shop\/demo\/web-[0-9a-f]{10}\.json\)\n {4}recreate Pod\/web-0\n {6}~ spec\.containers\[name=web\]\.image: "shop:1" → "shop:2"$/,
    );
    const api = r.cases.find((c) => c.parent === 'Shop demo/api')!;
    assert.deepEqual(api.plan, ['recreate Pod/api-0', 'recreate Pod/api-1']);
    assert.throws(
      () => assertReplayPassed(r),
      (e: unknown) =>
        e instanceof AssertionError &&
        e.message.includes('0 unchanged, 6 changed') &&
        e.message.includes('recreate Pod/api-1') &&
        e.message.includes('{ update: true }'),
    );
  });

  it('reports a port change on the Pod and the Service per strategy', async () => {
    const web = webCases(await replay({ port: 9090 }))[0]!;
    assert.deepEqual(web.plan, ['recreate Pod/web-0', 'replace Service/web']);
    assert.deepEqual(
      web.children[1]?.fields.map((f) => f.path),
      ['spec.ports[port=80,protocol=TCP].targetPort'],
    );
    assert.match(web.diff, /~ spec\.ports\[port=80,protocol=TCP\]\.targetPort: 8080 → 9090/);
    assert.match(web.diff, /- spec\.containers\[name=web\]\.ports\[containerPort=8080,protocol=TCP\]: \{/);
    assert.match(web.diff, /\+ spec\.containers\[name=web\]\.ports\[containerPort=9090,protocol=TCP\]: \{/);
  });

  it('reports created and deleted children, and a change its strategy never writes', async () => {
    const web = webCases(await replay({ extraConfigMap: true, noService: true, settings: 'b' }))[0]!;
    assert.deepEqual(web.plan, ['create ConfigMap/web-extra', 'delete Service/web']);
    assert.deepEqual(
      web.children.map((c) => `${c.action} ${c.kind}/${c.name}`),
      ['create ConfigMap/web-extra', 'delete Service/web', 'none ConfigMap/web-settings'],
    );
    assert.match(web.diff, /none ConfigMap\/web-settings \(its update strategy \(on-delete\) never updates/);
    assert.match(web.diff, /~ data\.mode: "a" → "b"/);
  });

  it('reports status and resync differences', async () => {
    const r = await replay({ statusExtra: true, resync: 5000 });
    const web = webCases(r)[0]!;
    assert.deepEqual(web.plan, []);
    assert.deepEqual(web.status, [{ path: 'version', op: 'add', to: 2 }]);
    assert.deepEqual(web.resync, { before: undefined, after: 5000 });
    assert.match(web.diff, /status\n {6}\+ version: 2\n {4}resync: none → 5000/);
  });

  it('fails a fixture whose request no longer gets a valid response, with the reason', async () => {
    const r = await replay({ throws: true });
    assert.equal(r.failed, 6);
    assert.match(r.cases[0]!.error!, /version 2 cannot handle this/);
    assert.match(r.report, /error: version 2 cannot handle this/);
  });

  it('rewrites changed fixtures with update, after which the new version passes', async () => {
    const dir = copy();
    const first = await replayFixtures(new ShopOperator({ image: 'shop:2' }), dir, { update: true });
    assert.equal(first.updated, 6);
    assert.ok(first.ok, 'rewritten fixtures are not failures');
    assert.match(first.report, /6 changed, 6 rewritten/);
    assert.match(first.cases[0]!.diff, /^✎ .* — rewritten\n/);
    const again = await replayFixtures(new ShopOperator({ image: 'shop:2' }), dir, { update: false });
    assert.equal(again.unchanged, 6, again.report);
    const old = await replayFixtures(new ShopOperator(), dir, { update: false });
    assert.equal(old.changed, 6);
    // The request is kept byte for byte; the hash in the name still matches it.
    const f = first.cases[0]!.file;
    const before = JSON.parse(readFileSync(join(recorded, f), 'utf8')) as { request: unknown };
    const afterUpdate = JSON.parse(readFileSync(join(dir, f), 'utf8')) as { request: unknown };
    assert.deepEqual(afterUpdate.request, before.request);
  });

  it('replays fixtures recorded with configured redaction, redacting the new response alike', async () => {
    const record = async (redact: { paths?: string[]; fields?: string[] }) => {
      const dir = mkdtempSync(join(root, 'redacted-'));
      const rec = new SyncRecorder({ dir, redact }, silentLogger());
      const parent = shopParent({ message: 'hi', password: 'hunter2' });
      await recordPass((c) => rec.forOperator(c), new ShopOperator(), { parent });
      await rec.flush();
      return dir;
    };
    const dir = await record({ paths: ['spec.password'], fields: ['mode'] });
    const same = await replayFixtures(new ShopOperator(), dir, { update: false });
    assert.equal(same.unchanged, 1, same.report);
    // A change inside a redacted field cannot show; one outside it does.
    assert.equal(
      (await replayFixtures(new ShopOperator({ settings: 'b' }), dir, { update: false })).unchanged,
      1,
    );
    assert.equal((await replayFixtures(new ShopOperator({ image: 'x' }), dir, { update: false })).changed, 1);
    // sync gets the placeholder: a redacted input that it copies into an unredacted field shows as a change.
    const copied = await replayFixtures(new ShopOperator(), await record({ paths: ['spec.message'] }), {
      update: false,
    });
    assert.match(
      copied.report,
      /~ spec\.containers\[name=web\]\.args\[0\]: "--message=hi" → "--message=REDACTED"/,
    );
  });

  it('replays against a version that no longer declares a child type: those children are left alone', async () => {
    const base = operatorConfigOf(new ShopOperator());
    const v2 = {
      ...base,
      children: base.children.filter((c) => c.type.kind !== 'ConfigMap'),
      sync: async (req: Parameters<typeof base.sync>[0]) => {
        const res = await base.sync(req);
        return { ...res, children: res.children.filter((c) => c.kind !== 'ConfigMap') };
      },
    };
    const r = await replayFixtures(v2, recorded, { update: false });
    assert.equal(r.failed, 0, r.report);
    const web = webCases(r)[0]!;
    assert.deepEqual(web.plan, []);
    assert.match(
      web.diff,
      /none ConfigMap\/web-settings \(the operator no longer declares ConfigMap \(v1\); such a child is left alone\)/,
    );
  });

  it('says when the folder holds no fixture of this operator', async () => {
    const config = { ...operatorConfigOf(new ShopOperator()), name: 'other' };
    await assert.rejects(
      replayFixtures(config, recorded),
      (e: unknown) =>
        OperonError.hasCode(e, 'CONFIG_INVALID') &&
        /No fixture of operator "other" .* holds fixtures of "shop"; pass \{ operatorName \}/.test(e.message),
    );
    assert.ok((await replayFixtures(config, recorded, { operatorName: 'shop', update: false })).ok);
  });
});
