// Record real sync traffic from the EchoServer example on the cluster (the host option `record`, and
// `operon record`), then replay it without a cluster: the unchanged operator passes, a changed image
// or Service port is reported as the actions and fields that would change, `update` accepts it.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Container } from 'inversify';
import { EchoImage, EchoServerOperator } from '../../examples/echo-server/echo-server.js';
import { Operon, type OperonHost } from '../../src/index.js';
import { ApiError } from '../../src/runtime/api/api-error.js';
import { type LoadedFixture, readFixtures } from '../../src/runtime/record/index.js';
import { installOperatorCrds } from '../../src/testkit/install.js';
import { assertReplayPassed, replayFixtures } from '../../src/testkit/replay.js';
import { operatorConfigOf } from '../../src/testkit/sync-harness.js';
import type { KubeObject } from '../../src/types/kube-object.js';
import type { SyncResponse } from '../../src/types/sync.js';
import { eventually, type TestCluster, useTestCluster } from '../support/cluster.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const bin = join(root, 'bin', 'operon.js');
const example = 'dist/examples/echo-server/echo-server.js';

type Echo = KubeObject & {
  metadata: { generation: number; finalizers?: string[] };
  status?: {
    readyPods?: number;
    observedGeneration?: number;
    conditions?: { type: string; status: string }[];
  };
};

describe('record and replay with the EchoServer example', () => {
  let c: TestCluster;
  let host: OperonHost | undefined;
  const work = mkdtempSync(join(tmpdir(), 'operon-record-replay-'));
  const recorded = join(work, 'fixtures');
  const image = new EchoImage().image; // what the recorded operator used (ECHO_IMAGE or the default)

  before(async () => {
    c = await useTestCluster('record');
    await installOperatorCrds(c.kubeConfig, [EchoServerOperator]);
  });
  after(async () => {
    await host?.stop();
    // No operator runs any more: drop the finalizers so the namespace can go.
    for (const name of ['web', 'solo', 'cli']) {
      try {
        await c.api.request({
          method: 'PATCH',
          path: `${base()}/${name}`,
          contentType: 'application/merge-patch+json',
          body: { metadata: { finalizers: null } },
        });
      } catch (e) {
        if (!ApiError.isNotFound(e)) throw e;
      }
    }
    await c.cleanup();
    rmSync(work, { recursive: true, force: true });
  });

  const base = () => `/apis/example.com/v1alpha1/namespaces/${c.namespace}/echoservers`;
  const create = (name: string, spec: object) =>
    c.api.request({
      method: 'POST',
      path: base(),
      body: { apiVersion: 'example.com/v1alpha1', kind: 'EchoServer', metadata: { name }, spec },
    });
  const converged = (name: string, replicas: number, message: string) =>
    eventually(
      async () => {
        const e = await c.api.request<Echo>({ method: 'GET', path: `${base()}/${name}` });
        const pods = await c.api.request<{ items: { spec?: { containers: { args?: string[] }[] } }[] }>({
          method: 'GET',
          path: `/api/v1/namespaces/${c.namespace}/pods`,
          query: { labelSelector: `example.com/echo-server=${name}` },
        });
        return (
          e.status?.readyPods === replicas &&
          e.status.observedGeneration === e.metadata.generation &&
          e.status.conditions?.some((x) => x.type === 'Synced' && x.status === 'True') === true &&
          pods.items.length === replicas &&
          pods.items.every((p) => p.spec?.containers[0]?.args?.[0] === `-text=${message}`)
        );
      },
      { what: `${name}: ${replicas} ready Pods saying "${message}", Synced`, timeoutMs: 60_000 },
    );

  it('records every distinct request of a running operator (host option record)', async () => {
    const container = new Container({ defaultScope: 'Singleton' });
    container.bind(EchoImage).toSelf();
    container.bind(EchoServerOperator).toSelf();
    host = await Operon.run(container, {
      kubeConfig: c.kubeConfig,
      namespaces: [c.namespace],
      resyncIntervalMs: 0,
      logger: false,
      record: { dir: recorded },
    });
    await create('web', { message: 'one', replicas: 2 });
    await create('solo', { message: 'solo' });
    await converged('web', 2, 'one');
    await converged('solo', 1, 'solo');
    // An edit: the Pods are recreated, so passes see them terminating, gone and new again.
    await c.api.request({
      method: 'PATCH',
      path: `${base()}/web`,
      contentType: 'application/merge-patch+json',
      body: { spec: { message: 'two' } },
    });
    await converged('web', 2, 'two');
    await host.stop(); // waits for the fixtures to be written
    host = undefined;

    const fixtures = readFixtures(recorded);
    const of = (name: string) => fixtures.filter((f) => f.fixture.request.parent.metadata.name === name);
    assert.ok(of('web').length >= 4, `web: ${of('web').length} fixtures`);
    assert.ok(of('solo').length >= 2, `solo: ${of('solo').length} fixtures`);
    for (const f of fixtures) {
      assert.equal(f.file.split('/').slice(0, 2).join('/'), `echo-server/${c.namespace}`);
      const text = readFileSync(f.path, 'utf8');
      assert.ok(!text.includes('"managedFields"') && !text.includes('"resourceVersion"'), f.file);
    }
    // Real traffic: Pods as the cluster reported them, ready, and the status that counted them.
    const ready = of('web').filter(
      (f) => (f.fixture.response.status as { readyPods?: number })?.readyPods === 2,
    );
    assert.ok(ready.length > 0, 'a pass saw both Pods ready');
    const pod = ready[0]!.fixture.request.children.find((x) => x.kind === 'Pod') as {
      status?: { phase?: string; podIP?: string };
    };
    assert.equal(pod.status?.phase, 'Running');
    assert.ok(
      of('web').some((f) => f.fixture.request.children.some((x) => x.metadata?.deletionTimestamp)),
      'a pass saw Pods terminating',
    );
  });

  it('replays them all against the unchanged operator, without a cluster, in milliseconds', async () => {
    const started = performance.now();
    const result = await replayFixtures(new EchoServerOperator(new EchoImage()), recorded, { update: false });
    const ms = performance.now() - started;
    assertReplayPassed(result);
    assert.equal(result.unchanged, readFixtures(recorded).length);
    assert.ok(ms < 5_000, `replay took ${ms} ms`);
  });

  it('reports a changed image as a recreate of every Pod, with the image diff', async () => {
    const v2 = new EchoServerOperator({ image: 'hashicorp/http-echo:1.1' } as EchoImage);
    const result = await replayFixtures(v2, recorded, { update: false });
    assert.equal(result.ok, false);
    const withPods = result.cases.filter((k) => k.children.length > 0);
    assert.equal(result.changed, withPods.length);
    assert.ok(withPods.length === result.cases.length, 'every response holds Pods');
    for (const k of withPods) {
      assert.ok(
        k.plan.every((line) => /^recreate Pod\/(web-[01]|solo-0)$/.test(line)),
        k.plan.join(', '),
      );
    }
    const web = withPods.find((k) => k.parent === `EchoServer ${c.namespace}/web`)!;
    assert.deepEqual(web.plan, ['recreate Pod/web-0', 'recreate Pod/web-1']);
    assert.ok(
      web.diff.includes(`~ spec.containers[name=echo].image: "${image}" → "hashicorp/http-echo:1.1"`),
      web.diff,
    );
    assert.throws(() => assertReplayPassed(result), /recreate Pod\/web-1/);
  });

  it('reports a changed Service port (a config variant) as a replace, with the port diff', async () => {
    const v1 = operatorConfigOf(new EchoServerOperator(new EchoImage()));
    const v2 = {
      ...v1,
      sync: async (req: Parameters<typeof v1.sync>[0]): Promise<SyncResponse> => {
        const res = await v1.sync(req);
        return {
          ...res,
          children: res.children.map((child) =>
            child.kind === 'Service'
              ? {
                  ...child,
                  spec: {
                    ...(child as { spec: object }).spec,
                    ports: [{ name: 'http', port: 80, targetPort: 9090 }],
                  },
                }
              : child,
          ),
        } as SyncResponse;
      },
    };
    const result = await replayFixtures(v2, recorded, { update: false });
    const changed = result.cases.filter((k) => k.outcome === 'changed');
    assert.ok(changed.length > 0);
    for (const k of changed) assert.deepEqual(k.plan, [`replace Service/${k.parent.split('/')[1]}`]);
    assert.match(
      result.report,
      /replace Service\/web\n {6}~ spec\.ports\[port=80,protocol=TCP\]\.targetPort: 5678 → 9090/,
    );
  });

  it('rewrites the changed fixtures with update, after which the new version passes', async () => {
    const dir = join(work, 'updated');
    cpSync(recorded, dir, { recursive: true });
    const v2 = new EchoServerOperator({ image: 'hashicorp/http-echo:1.1' } as EchoImage);
    const first = await replayFixtures(v2, dir, { update: true });
    assert.ok(first.ok, first.report);
    assert.equal(first.updated, first.cases.length);
    assertReplayPassed(await replayFixtures(v2, dir, { update: false }));
    const old = await replayFixtures(new EchoServerOperator(new EchoImage()), dir, { update: false });
    assert.equal(old.changed, old.cases.length, 'the old version now differs');
  });

  it('`operon record` records until SIGTERM, and `operon replay` replays what it wrote', async () => {
    const out = join(work, 'cli');
    const env = { ...process.env, KUBECONFIG: process.env.OPERON_TEST_KUBECONFIG, LOG_LEVEL: 'info' };
    const child = spawn(process.execPath, [bin, 'record', example, '--out', out, '-w', c.namespace], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    child.stdout?.on('data', (d: Buffer) => {
      log += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      log += d.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await eventually(() => log.includes('recording'), {
        what: `operon record to start:\n${log}`,
      });
      await create('cli', { message: 'cli' });
      await converged('cli', 1, 'cli');
      child.kill('SIGTERM');
      assert.equal(await exited, 0, log);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    assert.match(log, /operon record: \d+ new fixture file\(s\) in /);
    const fixtures = readFixtures(out);
    const names = new Set(fixtures.map((f: LoadedFixture) => f.fixture.request.parent.metadata.name));
    // The parents that already existed were synced once more; the new one from its first pass.
    assert.deepEqual([...names].sort(), ['cli', 'solo', 'web']);
    const replay = spawnSync(process.execPath, [bin, 'replay', example, out], {
      cwd: root,
      encoding: 'utf8',
      env,
    });
    assert.equal(replay.status, 0, replay.stdout + replay.stderr);
    assert.match(
      replay.stdout,
      new RegExp(
        `Replayed ${fixtures.length} fixtures of operator "echo-server" .*: ${fixtures.length} unchanged, 0 changed`,
      ),
    );
  });
});
