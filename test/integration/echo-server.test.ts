// The EchoServer example converges, follows edits per each child's strategy, and is cleaned up;
// and `npm run demo`'s script runs start to end.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { V1Pod, V1Service } from '@kubernetes/client-node';
import { Container } from 'inversify';
import { pino } from 'pino';
import { EchoImage, EchoServerOperator } from '../../examples/echo-server/echo-server.js';
import { Operon, type OperonHost } from '../../src/index.js';
import { ApiError } from '../../src/runtime/api/api-error.js';
import { installOperatorCrds } from '../../src/testkit/install.js';
import { auditedWrites, auditLogOf } from '../support/audit.js';
import { eventually, type TestCluster, useTestCluster } from '../support/cluster.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const auditLog = auditLogOf(process.env.OPERON_TEST_KUBECONFIG);

describe('the EchoServer example', () => {
  let c: TestCluster;
  let host: OperonHost;
  let finalizeCalls = 0;
  const errorLines: string[] = [];
  before(async () => {
    c = await useTestCluster('echo');
    await installOperatorCrds(c.kubeConfig, [EchoServerOperator]);
    const container = new Container({ defaultScope: 'Singleton' });
    container.bind(EchoImage).toSelf();
    container.bind(EchoServerOperator).toSelf();
    // Count finalize calls on the very instance Operon will use.
    const operator = container.get(EchoServerOperator);
    const finalize = operator.finalize.bind(operator);
    operator.finalize = (req) => {
      finalizeCalls++;
      return finalize(req);
    };
    const logs = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) {
          if ((JSON.parse(line) as { level: number }).level >= 50) errorLines.push(line);
        }
        done();
      },
    });
    host = await Operon.run(container, {
      kubeConfig: c.kubeConfig,
      namespaces: [c.namespace],
      resyncIntervalMs: 0,
      logger: pino({ level: 'info' }, logs),
    });
  });
  after(async () => {
    await host.stop();
    await c.cleanup();
  });

  const base = () => `/apis/example.com/v1alpha1/namespaces/${c.namespace}/echoservers`;
  const pods = async () =>
    (
      await c.api.request<{ items: V1Pod[] }>({
        method: 'GET',
        path: `/api/v1/namespaces/${c.namespace}/pods`,
        query: { labelSelector: 'example.com/echo-server=web' },
      })
    ).items;
  const service = () =>
    c.api.request<V1Service>({ method: 'GET', path: `/api/v1/namespaces/${c.namespace}/services/web` });
  const status = async () =>
    await c.api.request<{
      metadata: { generation: number };
      status?: {
        pods?: number;
        readyPods?: number;
        observedGeneration?: number;
        service?: string;
        conditions?: { type: string; status: string; reason: string }[];
      };
    }>({ method: 'GET', path: `${base()}/web` });
  const warnings = async () =>
    (
      await c.api.request<{ items: { type: string; reason: string; message: string }[] }>({
        method: 'GET',
        path: `/api/v1/namespaces/${c.namespace}/events`,
        query: { fieldSelector: 'involvedObject.kind=EchoServer' },
      })
    ).items
      .filter((e) => e.type === 'Warning')
      .map((e) => `${e.reason}: ${e.message}`);

  it('converges: Pods run, the Service exists, and the status counts ready Pods', async () => {
    await c.api.request({
      method: 'POST',
      path: base(),
      body: {
        apiVersion: 'example.com/v1alpha1',
        kind: 'EchoServer',
        metadata: { name: 'web' },
        spec: { message: 'one', replicas: 2 },
      },
    });
    await eventually(async () => (await pods()).length === 2 && (await status()).status?.readyPods === 2, {
      what: 'two ready Pods counted in the status',
    });
    for (const p of await pods()) assert.equal(p.status?.phase, 'Running');
    const svc = await service();
    assert.equal(svc.spec?.ports?.[0]?.targetPort, 5678);
    assert.equal((await status()).status?.service, 'web');
  });

  it('follows an edit: Pods are recreated (recreate), the Service is updated in place (replace)', async () => {
    const before = await pods();
    const svcBefore = await service();
    const editedAt = Date.now();
    await c.api.request({
      method: 'PATCH',
      path: `${base()}/web`,
      contentType: 'application/merge-patch+json',
      body: { spec: { message: 'two', replicas: 3, port: 8080 } },
    });
    await eventually(
      async () => {
        const now = await pods();
        const s = await status();
        return (
          now.length === 3 &&
          now.every((p) => p.spec?.containers[0]?.args?.[0] === '-text=two') &&
          s.status?.readyPods === 3 &&
          s.status.observedGeneration === s.metadata.generation &&
          s.status.conditions?.some(
            (x) => x.type === 'Synced' && x.status === 'True' && x.reason === 'Synced',
          )
        );
      },
      { what: 'three ready Pods with the new message, Synced=True', timeoutMs: 60_000 },
    );
    await new Promise((r) => setTimeout(r, 1500));
    // Counted at the API server: Operon deleted each old Pod exactly once, and nothing else. (KWOK,
    // the simulated kubelet, deletes without a UID precondition and may now and then remove a new
    // Pod that took an old one's name a moment before; Operon then creates it again. A kubelet
    // does not do that, so the Pods' own UIDs are not what this checks.)
    if (auditLog) {
      const deletes = auditedWrites(auditLog, c.namespace, editedAt)
        .filter((w) => w.verb === 'delete' && w.resource === 'pods' && w.userAgent === 'operon')
        .map((w) => w.uri.split('?')[0]?.split('/').pop());
      assert.deepEqual(deletes.sort(), ['web-0', 'web-1'], 'each old Pod recreated exactly once');
    }
    assert.deepEqual(await warnings(), [], 'an ordinary edit raises no Warning Event');
    const after = await pods();
    for (const old of before) {
      assert.ok(
        !after.some((p) => p.metadata?.uid === old.metadata?.uid),
        `Pod ${old.metadata?.name} should have been recreated`,
      );
    }
    const svcAfter = await service();
    assert.equal(
      svcAfter.metadata?.uid,
      svcBefore.metadata?.uid,
      'the Service is replaced in place, not recreated',
    );
    assert.equal(svcAfter.spec?.ports?.[0]?.targetPort, 8080);
    assert.equal(svcAfter.spec?.clusterIP, svcBefore.spec?.clusterIP);
  });

  it('is cleaned up on delete: finalize runs once, with no error logged', async () => {
    assert.equal(finalizeCalls, 0);
    await c.api.request({ method: 'DELETE', path: `${base()}/web` });
    await eventually(
      async () => {
        try {
          await c.api.request({ method: 'GET', path: `${base()}/web` });
          return false;
        } catch (e) {
          return ApiError.isNotFound(e) && (await pods()).length === 0;
        }
      },
      { what: 'the EchoServer and its Pods to be gone', timeoutMs: 60_000 },
    );
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(finalizeCalls, 1, 'finalize is not called again once it reported done');
    assert.deepEqual(errorLines, [], 'no error-level log line');
  });

  it('runs the demo script (`npm run demo`) from start to end', async () => {
    const out = await new Promise<{ code: number | null; text: string }>((resolve) => {
      const child = spawn(
        process.execPath,
        [join(root, 'dist', 'examples', 'echo-server', 'demo.js'), '--once'],
        {
          env: {
            ...process.env,
            OPERON_KUBECONFIG: process.env.OPERON_TEST_KUBECONFIG,
            DEMO_NAMESPACE: `${c.namespace}-demo`,
          },
        },
      );
      let text = '';
      child.stdout.on('data', (d: Buffer) => {
        text += d.toString();
      });
      child.stderr.on('data', (d: Buffer) => {
        text += d.toString();
      });
      child.on('exit', (code) => resolve({ code, text }));
    });
    assert.equal(out.code, 0, out.text);
    for (const line of [
      'create Pod hello-0',
      'recreate Pod hello-0',
      'create Pod hello-2',
      'finalized; removed finalizer',
      'EchoServer and its Pods are gone',
    ]) {
      assert.ok(out.text.includes(line), `demo output should include "${line}":\n${out.text}`);
    }
    await c.api
      .request({ method: 'DELETE', path: `/api/v1/namespaces/${c.namespace}-demo` })
      .catch(() => undefined);
  });
});
