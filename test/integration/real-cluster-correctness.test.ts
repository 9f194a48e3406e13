// Operon on a realistic cluster: what admission, defaulting, webhooks and other writers do to
// children must not read as drift (DESIGN rule 4), real changes must still be corrected, a fight
// with another writer is stopped by the loop breaker, a failed pass touches only Operon's
// condition, and a fast retry reads Operon's own status write.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { V1Deployment, V1Pod, V1Secret, V1Service } from '@kubernetes/client-node';
import { Container } from 'inversify';
import { type KubeObject, Operon, type OperonHost } from '../../src/index.js';
import { ApiError } from '../../src/runtime/api/api-error.js';
import { auditedWrites, auditLogOf } from '../support/audit.js';
import { eventually, type TestCluster, useTestCluster } from '../support/cluster.js';
import {
  installMutantCrd,
  MutantOperator,
  type MutantSpec,
  mutantPath,
  SIDECAR_LABEL,
} from '../support/mutant.js';
import { localPki, SIDECAR, type SidecarWebhook, startSidecarWebhook } from '../support/sidecar-webhook.js';

type MutantObj = KubeObject & {
  status?: {
    conditions?: { type: string; status: string; reason: string; message: string }[];
    observedGeneration?: number;
    external?: string;
  };
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const auditLog = auditLogOf(process.env.OPERON_TEST_KUBECONFIG);

describe('Operon on a realistic cluster', () => {
  let c: TestCluster;
  let webhook: SidecarWebhook | undefined;
  before(async () => {
    c = await useTestCluster('real-ops');
    await installMutantCrd(c.kubeConfig);
    const pki = localPki(process.env.OPERON_TEST_KUBECONFIG ?? '');
    if (pki) webhook = await startSidecarWebhook(c.api, pki, c.namespace, SIDECAR_LABEL);
  });
  after(async () => {
    await webhook?.close();
    await c.cleanup();
  });

  const ns = () => c.namespace;
  const get = <T = KubeObject>(path: string) => c.api.request<T>({ method: 'GET', path });
  const pod = (name: string) => `/api/v1/namespaces/${ns()}/pods/${name}-pod`;
  const deployment = (name: string) => `/apis/apps/v1/namespaces/${ns()}/deployments/${name}-web`;
  const service = (name: string) => `/api/v1/namespaces/${ns()}/services/${name}-svc`;
  const merge = (path: string, body: object) =>
    c.api.request({ method: 'PATCH', path, contentType: 'application/merge-patch+json', body });

  async function run(): Promise<{ host: OperonHost; op: MutantOperator }> {
    const container = new Container({ defaultScope: 'Singleton' });
    container.bind(MutantOperator).toSelf();
    const host = await Operon.run(container, {
      kubeConfig: c.kubeConfig,
      namespaces: [ns()],
      resyncIntervalMs: 0,
    });
    return { host, op: container.get(MutantOperator) };
  }

  async function create(name: string, spec: MutantSpec): Promise<void> {
    await c.api.request({
      method: 'POST',
      path: mutantPath(ns()),
      body: { apiVersion: 'operon.test/v1', kind: 'Mutant', metadata: { name }, spec },
    });
  }

  async function synced(name: string, status = 'True', reason?: string): Promise<MutantObj> {
    return eventually(
      async () => {
        const m = await get<MutantObj>(mutantPath(ns(), name));
        const cond = m.status?.conditions?.find((x) => x.type === 'Synced');
        const ok =
          cond?.status === status &&
          (reason === undefined || cond.reason === reason) &&
          (status === 'False' || m.status?.observedGeneration === m.metadata?.generation);
        return ok ? m : undefined;
      },
      { what: `Mutant ${name} Synced=${status}${reason ? ` (${reason})` : ''}`, timeoutMs: 60_000 },
    );
  }

  /** Converged and running: Synced, the Pod Ready, the Deployment's replicas ready. */
  async function converged(name: string, replicas = 2): Promise<V1Pod> {
    await synced(name);
    return eventually(
      async () => {
        const p = await get<V1Pod>(pod(name));
        const d = await get<V1Deployment>(deployment(name));
        const ready = p.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True');
        return ready && !p.metadata?.deletionTimestamp && d.status?.readyReplicas === replicas
          ? p
          : undefined;
      },
      { what: `Mutant ${name} running`, timeoutMs: 60_000 },
    );
  }

  /** Waits until no sync call happened for `quietMs`. */
  async function quiet(op: MutantOperator, quietMs = 1500): Promise<void> {
    await eventually(
      async () => {
        const n = op.syncCalls;
        await sleep(quietMs);
        return op.syncCalls === n;
      },
      { what: 'the operator to go quiet', timeoutMs: 60_000 },
    );
  }

  async function warnings(): Promise<string[]> {
    type Event = { type: string; reason: string; message: string; involvedObject: { kind?: string } };
    const list = await c.api.request<{ items: Event[] }>({
      method: 'GET',
      path: `/api/v1/namespaces/${ns()}/events`,
    });
    // Operon's Events are about the parent; other components' (the scheduler's, ...) are not ours.
    return list.items
      .filter((e) => e.type === 'Warning' && e.involvedObject.kind === 'Mutant')
      .map((e) => `${e.reason}: ${e.message}`);
  }

  it('sees no drift in what admission, defaulting and a sidecar webhook add: one Pod, no write on resync', async () => {
    const { host, op } = await run();
    try {
      await create('calm', { sidecar: webhook !== undefined });
      const first = await converged('calm');
      // Admission and the webhook really did mutate the children.
      assert.equal(first.spec?.tolerations?.length, 3, 'own toleration + two default ones');
      assert.ok(first.spec?.volumes?.some((v) => v.name.startsWith('kube-api-access-')));
      const app = first.spec?.containers.find((x) => x.name === 'app');
      assert.equal(app?.resources?.requests?.cpu, '500m');
      assert.equal(app?.resources?.requests?.memory, '1Gi');
      assert.equal(app?.resources?.limits?.cpu, '1');
      assert.equal(app?.ports?.[0]?.protocol, 'TCP');
      if (webhook)
        assert.equal(first.spec?.containers[0]?.name, SIDECAR.name, 'sidecar injected at the front');
      const secret = await get<V1Secret>(`/api/v1/namespaces/${ns()}/secrets/calm-secret`);
      assert.deepEqual(secret.data, { password: Buffer.from('hunter2').toString('base64') });
      assert.equal((secret as { stringData?: unknown }).stringData, undefined);

      const convergedAt = op.syncCalls;
      await quiet(op);
      assert.ok(op.syncCalls - convergedAt <= 2, `${op.syncCalls - convergedAt} sync calls after converging`);

      const writes: string[] = [];
      const off = host.api.onRequest((r) => {
        if (r.method !== 'GET') writes.push(`${r.method} ${r.path} ${r.code}`);
      });
      // Five passes with nothing changed, as five resync periods would run them.
      for (let i = 0; i < 5; i++) {
        const before = op.syncCalls;
        host.trigger('mutant', `${ns()}/calm`);
        await eventually(() => op.syncCalls > before, { what: `pass ${i + 1}` });
        await sleep(300);
      }
      off();
      assert.deepEqual(writes, [], 'no write request in five passes');
      const still = await get<V1Pod>(pod('calm'));
      assert.equal(still.metadata?.uid, first.metadata?.uid, 'one Pod UID for the whole run');
      assert.deepEqual(await warnings(), []);
    } finally {
      await host.stop();
    }
  });

  it('corrects real changes: replicas and a label changed by another writer, an edited image (one recreate)', async () => {
    const { host } = await run();
    try {
      await create('fix', {});
      const first = await converged('fix');

      await merge(deployment('fix'), { spec: { replicas: 5 } });
      await eventually(async () => (await get<V1Deployment>(deployment('fix'))).spec?.replicas === 2, {
        what: 'replicas corrected back to 2',
      });
      await merge(service('fix'), { metadata: { labels: { app: null } } });
      await eventually(async () => (await get<V1Service>(service('fix'))).metadata?.labels?.app === 'fix', {
        what: 'the removed label restored',
      });

      const editedAt = Date.now();
      await merge(mutantPath(ns(), 'fix'), { spec: { image: 'registry.k8s.io/pause:3.9' } });
      const second = await eventually(
        async () => {
          try {
            const p = await get<V1Pod>(pod('fix'));
            return p.metadata?.uid !== first.metadata?.uid && !p.metadata?.deletionTimestamp ? p : undefined;
          } catch (e) {
            if (ApiError.isNotFound(e)) return undefined;
            throw e;
          }
        },
        { what: 'the Pod recreated with the new image', timeoutMs: 60_000 },
      );
      assert.equal(second.spec?.containers.find((x) => x.name === 'app')?.image, 'registry.k8s.io/pause:3.9');
      await converged('fix');
      await sleep(2000);
      // Counted at the API server (KWOK may delete a fresh Pod of a reused name; a kubelet does not).
      if (auditLog) {
        const deletes = auditedWrites(auditLog, ns(), editedAt).filter(
          (w) => w.verb === 'delete' && w.resource === 'pods' && w.userAgent === 'operon',
        );
        assert.equal(deletes.length, 1, 'recreated once, not in a loop');
      }
      const m = await synced('fix');
      assert.equal(m.status?.conditions?.find((x) => x.type === 'Synced')?.reason, 'Synced');
      assert.deepEqual(await warnings(), [], 'an ordinary edit raises no Warning');
    } finally {
      await host.stop();
    }
  });

  it('stops a write fight with another controller after a few rewrites and reports NotConverging', async () => {
    const { host } = await run();
    let fighting = true;
    try {
      await create('fight', {});
      await converged('fight');
      // Another controller that insists on its own value of a field Operon sets.
      const fighter = (async () => {
        const deadline = Date.now() + 60_000;
        while (fighting && Date.now() < deadline) {
          const s = await get<V1Service>(service('fight'));
          if (s.metadata?.labels?.app !== 'theirs')
            await merge(service('fight'), { metadata: { labels: { app: 'theirs' } } });
          await sleep(100);
        }
      })();
      const m = await synced('fight', 'False', 'NotConverging');
      const message = m.status?.conditions?.find((x) => x.type === 'Synced')?.message ?? '';
      assert.match(message, /Service "fight-svc"/);
      assert.match(message, /metadata\.labels\.app/);
      fighting = false;
      await fighter;
      // Events are written in the background, shortly after the condition.
      await eventually(async () => (await warnings()).some((w) => w.startsWith('NotConverging')), {
        what: 'a Warning Event naming the loop',
      });
    } finally {
      fighting = false;
      await host.stop();
    }
  });

  it('a failed pass changes only the Synced condition: status fields of other writers survive', async () => {
    const { host } = await run();
    try {
      await create('shared', {});
      await converged('shared');
      await c.api.request({
        method: 'PATCH',
        path: `${mutantPath(ns(), 'shared')}/status`,
        query: { fieldManager: 'someone-else', force: true },
        contentType: 'application/apply-patch+yaml',
        body: {
          apiVersion: 'operon.test/v1',
          kind: 'Mutant',
          metadata: { name: 'shared' },
          status: { external: 'x' },
        },
      });
      await merge(mutantPath(ns(), 'shared'), { spec: { fail: true } });
      await synced('shared', 'False', 'SyncFailed');
      await merge(mutantPath(ns(), 'shared'), { spec: { fail: false } });
      const m = await synced('shared');
      assert.equal(m.status?.external, 'x', 'the other writer keeps its field');
      assert.equal((m.status as { pods?: number }).pods, 1, "the author's status is back");
    } finally {
      await host.stop();
    }
  });

  it('a fast successful retry after a failed pass ends Synced=True (it reads its own status write)', async () => {
    const { host, op } = await run();
    try {
      await create('retry', {});
      await converged('retry');
      await quiet(op, 1000);
      for (let round = 0; round < 5; round++) {
        op.failNext = 1;
        const before = op.syncCalls;
        host.trigger('mutant', `${ns()}/retry`);
        await eventually(() => op.syncCalls >= before + 2, { what: 'the failure and its retry' });
        await quiet(op, 1000);
        const m = await get<MutantObj>(mutantPath(ns(), 'retry'));
        const cond = m.status?.conditions?.find((x) => x.type === 'Synced');
        assert.equal(cond?.status, 'True', `round ${round + 1}: ${cond?.reason} ${cond?.message}`);
      }
    } finally {
      await host.stop();
    }
  });
});
