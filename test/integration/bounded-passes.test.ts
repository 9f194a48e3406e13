// Every pass is bounded (DESIGN rule 9): a sync that never returns fails its parent with
// SyncTimeout and frees its worker, so other parents still converge; its signal fires. And a cache
// that cannot fill for lack of permission is reported on every parent, naming verb and resource.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { V1ConfigMap, V1Secret } from '@kubernetes/client-node';
import { Container } from 'inversify';
import { discoverOperators } from '../../src/di/discover-operators.js';
import {
  Child,
  type ChildRef,
  customResource,
  type HostOptions,
  type KubeObject,
  Operator,
  Operon,
  Sync,
  type SyncRequest,
  type SyncResponse,
} from '../../src/index.js';
import { OperonHost } from '../../src/runtime/host/operon-host.js';
import { serviceAccountKubeConfig } from '../../src/testkit/control-plane.js';
import { installOperatorCrds } from '../../src/testkit/install.js';
import { ConfigMap, Secret } from '../../src/types/index.js';
import { eventually, type TestCluster, useTestCluster } from '../support/cluster.js';

interface StallSpec {
  /** sync never returns while true. */
  hang?: boolean;
}

const Stall = customResource<StallSpec>({ group: 'operon.test', version: 'v1', kind: 'Stall' });

@Operator({ parent: Stall, name: 'stall' })
class StallOperator {
  @Child(ConfigMap) configMaps!: ChildRef<V1ConfigMap>;
  @Child(Secret) secrets!: ChildRef<V1Secret>;
  /** Names of parents whose hung sync started, and whose signal then fired. */
  readonly entered = new Set<string>();
  readonly aborted = new Set<string>();

  @Sync()
  async sync(req: SyncRequest<StallSpec>): Promise<SyncResponse> {
    const name = req.parent.metadata.name;
    if (req.parent.spec.hang) {
      this.entered.add(name);
      req.signal.addEventListener('abort', () => this.aborted.add(name));
      await new Promise(() => {}); // never resolves
    }
    return { children: [this.configMaps.desired({ metadata: { name: `${name}-cm` }, data: { ok: 'yes' } })] };
  }
}

type StallObj = KubeObject & {
  status?: { conditions?: { type: string; status: string; reason: string; message: string }[] };
};

describe('bounded passes and blocked caches', () => {
  let c: TestCluster;
  before(async () => {
    c = await useTestCluster('bounded');
    await installOperatorCrds(c.kubeConfig, [StallOperator]);
  });
  after(() => c.cleanup());

  const base = () => `/apis/operon.test/v1/namespaces/${c.namespace}/stalls`;
  const create = (name: string, spec: StallSpec) =>
    c.api.request({
      method: 'POST',
      path: base(),
      body: { apiVersion: 'operon.test/v1', kind: 'Stall', metadata: { name }, spec },
    });
  const condition = (name: string, status: string, reason: string) =>
    eventually(
      async () => {
        const s = await c.api.request<StallObj>({ method: 'GET', path: `${base()}/${name}` });
        const cond = s.status?.conditions?.find((x) => x.type === 'Synced');
        return cond?.status === status && cond.reason === reason ? cond : undefined;
      },
      { what: `${name} Synced=${status} ${reason}`, timeoutMs: 30_000 },
    );

  /** Runs the StallOperator on this test's namespace with these host options. */
  async function run(options: Omit<HostOptions, 'kubeConfig' | 'namespaces'>) {
    const container = new Container({ defaultScope: 'Singleton' });
    container.bind(StallOperator).toSelf();
    const host = await Operon.run(container, {
      kubeConfig: c.kubeConfig,
      namespaces: [c.namespace],
      resyncIntervalMs: 0,
      ...options,
    });
    return { host, op: container.get(StallOperator) };
  }

  it('fails a sync that never returns with SyncTimeout, fires its signal, and keeps reconciling others', async () => {
    const { host, op } = await run({ concurrency: 2, reconcileTimeoutMs: 1_500 });
    try {
      // As many hung parents as workers: without deadlines nothing else would ever run.
      await create('hung-1', { hang: true });
      await create('hung-2', { hang: true });
      await new Promise((r) => setTimeout(r, 200));
      await create('fine', {});
      await condition('fine', 'True', 'Synced');
      const hung = await condition('hung-1', 'False', 'SyncTimeout');
      assert.match(hung.message, /deadline of 1\.5 s/);
      await condition('hung-2', 'False', 'SyncTimeout');
      assert.ok(op.aborted.has('hung-1') && op.aborted.has('hung-2'), 'req.signal fired in the hung syncs');
      assert.equal(host.healthz().ok, true, 'workers are freed at the deadline, so the process is alive');
    } finally {
      await host.stop();
    }
  });

  it('on stop, cancels a pass still running when the shutdown timeout ends', async () => {
    const { host, op } = await run({ reconcileTimeoutMs: 600_000, shutdownTimeoutMs: 500 });
    await create('hung-at-stop', { hang: true });
    await eventually(() => op.entered.has('hung-at-stop'), { what: 'the hung sync to start' });
    const started = Date.now();
    await host.stop();
    assert.ok(Date.now() - started < 10_000, 'stop() does not wait for the hung pass');
    assert.ok(op.aborted.has('hung-at-stop'), 'its signal fired at the shutdown timeout');
  });

  it('reports a child type it may not list on every parent, naming verb and resource', async () => {
    await create('blocked', {});
    const limited = await serviceAccountKubeConfig(c.kubeConfig, {
      namespace: c.namespace,
      name: 'no-secret-list',
      rules: [
        { apiGroups: ['operon.test'], resources: ['stalls'], verbs: ['get', 'list', 'watch', 'patch'] },
        { apiGroups: ['operon.test'], resources: ['stalls/status'], verbs: ['patch'] },
        {
          apiGroups: [''],
          resources: ['configmaps'],
          verbs: ['get', 'list', 'watch', 'create', 'patch', 'delete'],
        },
        { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
      ],
    });
    const container = new Container({ defaultScope: 'Singleton' });
    container.bind(StallOperator).toSelf();
    // Operon.run would wait for the caches to sync, which they never do here.
    const host = new OperonHost(discoverOperators(container), {
      kubeConfig: limited,
      namespaces: [c.namespace],
      resyncIntervalMs: 0,
    });
    const starting = host.start().catch(() => undefined);
    try {
      const cond = await condition('blocked', 'False', 'MissingPermission');
      assert.match(cond.message, /list secrets in namespace/);
      const ready = host.readyz();
      assert.equal(ready.ok, false);
      // Events are written in the background, shortly after the condition.
      await eventually(
        async () => {
          const events = await c.api.request<{
            items: { reason: string; involvedObject: { name: string } }[];
          }>({
            method: 'GET',
            path: `/api/v1/namespaces/${c.namespace}/events`,
          });
          return events.items.some(
            (e) => e.reason === 'MissingPermission' && e.involvedObject.name === 'blocked',
          );
        },
        { what: 'the MissingPermission Event' },
      );
    } finally {
      await host.stop();
      await starting;
    }
  });
});
