// DESIGN §4's rules, each proven against the real API server.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Container, type Newable } from 'inversify';
import type { KubeObject } from '../../src/index.js';
import { Operon, type OperonHost } from '../../src/index.js';
import { ApiError } from '../../src/runtime/api/api-error.js';
import { eventually, type TestCluster, useTestCluster } from '../support/cluster.js';
import {
  GadgetOperator,
  installTestCrds,
  WidgetOperator,
  type WidgetSpec,
  widgetPath,
} from '../support/widget.js';

type Obj = KubeObject & {
  data?: Record<string, string>;
  spec?: { containers?: { image?: string }[] };
  automountServiceAccountToken?: boolean;
};
type WidgetObj = KubeObject & {
  status?: {
    conditions?: { type: string; status: string; reason: string; message: string }[];
    observedGeneration?: number;
  };
};

describe('Operon core against a real API server', () => {
  let c: TestCluster;
  before(async () => {
    c = await useTestCluster('core');
    await installTestCrds(c.kubeConfig);
  });
  after(() => c.cleanup());

  const ns = () => c.namespace;
  const get = <T = Obj>(path: string) => c.api.request<T>({ method: 'GET', path });
  const getOrNull = async <T = Obj>(path: string) => {
    try {
      return await get<T>(path);
    } catch (e) {
      if (ApiError.isNotFound(e)) return undefined;
      throw e;
    }
  };
  const cm = (name: string) => `/api/v1/namespaces/${ns()}/configmaps/${name}`;
  const secret = (name: string) => `/api/v1/namespaces/${ns()}/secrets/${name}`;
  const pod = (name: string) => `/api/v1/namespaces/${ns()}/pods/${name}`;
  const sa = (name: string) => `/api/v1/namespaces/${ns()}/serviceaccounts/${name}`;
  const merge = (path: string, body: object) =>
    c.api.request({ method: 'PATCH', path, contentType: 'application/merge-patch+json', body });

  async function createWidget(name: string, spec: WidgetSpec): Promise<void> {
    await c.api.request({
      method: 'POST',
      path: widgetPath(ns()),
      body: { apiVersion: 'operon.test/v1', kind: 'Widget', metadata: { name }, spec },
    });
  }
  async function synced(name: string, status = 'True'): Promise<WidgetObj> {
    return eventually(
      async () => {
        const w = await get<WidgetObj>(widgetPath(ns(), name));
        const cond = w.status?.conditions?.find((x) => x.type === 'Synced');
        return cond?.status === status &&
          (status === 'False' || w.status?.observedGeneration === w.metadata?.generation)
          ? w
          : undefined;
      },
      { what: `Widget ${name} Synced=${status}` },
    );
  }
  async function converged(name: string): Promise<void> {
    await synced(name);
    await eventually(
      async () =>
        Boolean(
          (await getOrNull(cm(`${name}-cm`))) &&
            (await getOrNull(pod(`${name}-pod`))) &&
            (await getOrNull(sa(`${name}-sa`))) &&
            (await getOrNull(secret(`${name}-secret`))),
        ),
      {
        what: `children of ${name}`,
      },
    );
  }
  async function run(...operators: Newable<object>[]): Promise<{ host: OperonHost; instances: object[] }> {
    const container = new Container({ defaultScope: 'Singleton' });
    for (const o of operators) container.bind(o).toSelf();
    const host = await Operon.run(container, {
      kubeConfig: c.kubeConfig,
      namespaces: [ns()],
      resyncIntervalMs: 0,
    });
    return { host, instances: operators.map((o) => container.get(o)) };
  }

  it('creates every child, with owner reference and label, and writes status with observedGeneration', async () => {
    const { host } = await run(WidgetOperator);
    try {
      await createWidget('basic', { data: { a: '1' } });
      await converged('basic');
      const w = await get<WidgetObj>(widgetPath(ns(), 'basic'));
      const child = await get(cm('basic-cm'));
      assert.equal(child.metadata?.ownerReferences?.[0]?.uid, w.metadata?.uid);
      assert.equal(child.metadata?.ownerReferences?.[0]?.controller, true);
      assert.equal(child.metadata?.labels?.['operon.dev/operator'], 'widget');
      assert.deepEqual(child.data, { a: '1' });
      assert.deepEqual(w.metadata?.finalizers, ['widgets.operon.test/finalizer']);
    } finally {
      await host.stop();
    }
  });

  it('sends zero write requests when the desired state already holds, and its own status write triggers no reconcile', async () => {
    const { host, instances } = await run(WidgetOperator);
    const op = instances[0] as WidgetOperator;
    try {
      await createWidget('idle', {});
      await converged('idle');
      // Let the children's own ADDED/MODIFIED events settle.
      await eventually(
        async () => {
          const n = op.syncCalls.length;
          await new Promise((r) => setTimeout(r, 1500));
          return op.syncCalls.length === n;
        },
        { what: 'the operator to go quiet' },
      );
      const settled = op.syncCalls.length;
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(op.syncCalls.length, settled, 'a status write must not cause another reconcile');

      const writes: string[] = [];
      const off = host.api.onRequest((r) => {
        if (r.method !== 'GET') writes.push(`${r.verb} ${r.path}`);
      });
      host.trigger('widget', `${ns()}/idle`);
      await eventually(() => op.syncCalls.length > settled, { what: 'the triggered reconcile' });
      await new Promise((r) => setTimeout(r, 500));
      off();
      assert.deepEqual(writes, []);
    } finally {
      await host.stop();
    }
  });

  it('when sync throws: changes and deletes nothing, sets Synced=False with the message, records an Event, and backs off', async () => {
    const { host, instances } = await run(WidgetOperator);
    const op = instances[0] as WidgetOperator;
    try {
      await createWidget('failing', { data: { a: '1', b: '2' } });
      await converged('failing');
      const before = await get(cm('failing-cm'));
      const beforePod = await get(pod('failing-pod'));
      // fail AND drop key b: if anything were planned, b would vanish.
      await merge(widgetPath(ns(), 'failing'), { spec: { fail: true, data: { b: null } } });
      const w = await synced('failing', 'False');
      const cond = w.status?.conditions?.find((x) => x.type === 'Synced');
      assert.equal(cond?.reason, 'SyncFailed');
      assert.match(cond?.message ?? '', /spec\.fail is set/);
      const events = await eventually(
        async () => {
          const list = await get<{
            items: { reason: string; type: string; involvedObject: { name: string } }[];
          }>(`/api/v1/namespaces/${ns()}/events`);
          const found = list.items.filter(
            (e) => e.involvedObject.name === 'failing' && e.reason === 'SyncFailed',
          );
          return found.length > 0 ? found : undefined;
        },
        { what: 'a SyncFailed Event' },
      );
      assert.equal(events[0].type, 'Warning');

      const calls = op.syncCalls.length;
      await new Promise((r) => setTimeout(r, 3000));
      const failing = op.syncCalls.slice(calls);
      assert.ok(failing.length >= 2, `sync should be retried (was called ${failing.length} times)`);
      // Exponential backoff: without it a failing key would be retried hundreds of times in 3 s.
      assert.ok(
        failing.length < 20,
        `retries must back off (sync was called ${failing.length} times in 3 s)`,
      );
      const gaps = failing.slice(1).map((t, i) => t - failing[i]);
      assert.ok(gaps[gaps.length - 1] > gaps[0], `gaps between retries should grow: ${gaps.join(', ')}`);

      const afterCm = await get(cm('failing-cm'));
      assert.equal(afterCm.metadata?.resourceVersion, before.metadata?.resourceVersion);
      assert.deepEqual(afterCm.data, { a: '1', b: '2' });
      assert.equal((await get(pod('failing-pod'))).metadata?.uid, beforePod.metadata?.uid);

      await merge(widgetPath(ns(), 'failing'), { spec: { fail: false } });
      await synced('failing');
      await eventually(async () => (await get(cm('failing-cm'))).data?.b === undefined, {
        what: 'recovery after the fix',
      });
    } finally {
      await host.stop();
    }
  });

  it('reports a name taken by an object Operon does not own, and leaves that object untouched', async () => {
    await c.api.request({
      method: 'POST',
      path: `/api/v1/namespaces/${ns()}/configmaps`,
      body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'taken' }, data: { mine: 'yes' } },
    });
    const original = await get(cm('taken'));
    const { host } = await run(WidgetOperator);
    try {
      await createWidget('clash', { configMapName: 'taken' });
      const w = await synced('clash', 'False');
      const cond = w.status?.conditions?.find((x) => x.type === 'Synced');
      assert.equal(cond?.reason, 'NameConflict');
      assert.match(
        cond?.message ?? '',
        /ConfigMap "taken" already exists and is not controlled by this parent/,
      );
      const after = await get(cm('taken'));
      assert.equal(after.metadata?.resourceVersion, original.metadata?.resourceVersion);
      assert.deepEqual(after.data, { mine: 'yes' });
      assert.equal(after.metadata?.ownerReferences, undefined);
    } finally {
      await host.stop();
    }
  });

  it('recreates a child someone else deleted', async () => {
    const { host } = await run(WidgetOperator);
    try {
      await createWidget('heal', {});
      await converged('heal');
      const old = await get(cm('heal-cm'));
      await c.api.request({ method: 'DELETE', path: cm('heal-cm') });
      await eventually(
        async () => {
          const now = await getOrNull(cm('heal-cm'));
          return now && now.metadata?.uid !== old.metadata?.uid;
        },
        { what: 'the ConfigMap to be recreated' },
      );
    } finally {
      await host.stop();
    }
  });

  it('corrects drift in fields it sets (apply, replace, recreate) and leaves on-delete children alone', async () => {
    const { host } = await run(WidgetOperator);
    try {
      await createWidget('drift', { data: { a: '1' }, automount: false });
      await converged('drift');
      const oldPod = await get(pod('drift-pod'));
      await merge(cm('drift-cm'), { data: { a: 'tampered' } });
      await merge(secret('drift-secret'), { data: { a: Buffer.from('tampered').toString('base64') } });
      // Strategic merge, as kubectl edits Pods: a merge patch would replace the containers list and
      // drop the ServiceAccount token mount, which the API server refuses.
      await c.api.request({
        method: 'PATCH',
        path: pod('drift-pod'),
        contentType: 'application/strategic-merge-patch+json',
        body: { spec: { containers: [{ name: 'main', image: 'busybox:tampered' }] } },
      });
      await merge(sa('drift-sa'), { automountServiceAccountToken: true });
      await eventually(async () => (await get(cm('drift-cm'))).data?.a === '1', {
        what: 'apply to correct the ConfigMap',
      });
      await eventually(
        async () => (await get(secret('drift-secret'))).data?.a === Buffer.from('1').toString('base64'),
        { what: 'replace to correct the Secret' },
      );
      await eventually(
        async () => {
          const p = await getOrNull(pod('drift-pod'));
          return (
            p && p.metadata?.uid !== oldPod.metadata?.uid && p.spec?.containers?.[0]?.image === 'busybox:1'
          );
        },
        { what: 'recreate to recreate the Pod' },
      );
      await new Promise((r) => setTimeout(r, 1000));
      assert.equal(
        (await get(sa('drift-sa'))).automountServiceAccountToken,
        true,
        'on-delete must leave the ServiceAccount alone',
      );
    } finally {
      await host.stop();
    }
  });

  it('removes a field dropped from the desired child, and recreates on a change (recreate strategy)', async () => {
    const { host } = await run(WidgetOperator);
    try {
      await createWidget('shrink', { data: { a: '1', b: '2' }, image: 'busybox:1' });
      await converged('shrink');
      const oldPod = await get(pod('shrink-pod'));
      await merge(widgetPath(ns(), 'shrink'), { spec: { data: { a: '1', b: null }, image: 'busybox:2' } });
      await eventually(async () => (await get(cm('shrink-cm'))).data?.b === undefined, {
        what: 'apply to remove key b',
      });
      await eventually(async () => (await get(secret('shrink-secret'))).data?.b === undefined, {
        what: 'replace to remove key b',
      });
      await eventually(
        async () => {
          const p = await getOrNull(pod('shrink-pod'));
          return (
            p && p.metadata?.uid !== oldPod.metadata?.uid && p.spec?.containers?.[0]?.image === 'busybox:2'
          );
        },
        { what: 'the Pod to be recreated with the new image' },
      );
      assert.deepEqual((await get(cm('shrink-cm'))).data, { a: '1' });
    } finally {
      await host.stop();
    }
  });

  it('creates an apply child by POST, applies value edits, and prunes a dropped key once its fields are adopted', async () => {
    type Managed = Obj & { metadata: { managedFields?: { manager: string; operation: string }[] } };
    const ours = (o: Managed) => {
      const manager = o.metadata?.labels?.['operon.dev/operator'];
      return (o.metadata.managedFields ?? []).filter((e) => e.manager === manager).map((e) => e.operation);
    };
    const { host } = await run(WidgetOperator);
    try {
      await createWidget('evolve', { data: { a: '1', b: '2' } });
      await converged('evolve');
      assert.deepEqual(ours(await get<Managed>(cm('evolve-cm'))), ['Update'], 'created by one POST');
      // A value edit sets every field the child has: one apply, the POST's entry stays beside it.
      await merge(widgetPath(ns(), 'evolve'), { spec: { data: { a: '9', b: '2' } } });
      await eventually(async () => (await get(cm('evolve-cm'))).data?.a === '9', {
        what: 'the edit applied',
      });
      assert.deepEqual(ours(await get<Managed>(cm('evolve-cm'))).sort(), ['Apply', 'Update']);
      // Dropping b: both entries are merged into the Apply entry first, so the apply prunes b.
      await merge(widgetPath(ns(), 'evolve'), { spec: { data: { a: '9', b: null } } });
      await eventually(async () => (await get(cm('evolve-cm'))).data?.b === undefined, {
        what: 'apply to remove key b',
      });
      const pruned = await get<Managed>(cm('evolve-cm'));
      assert.deepEqual(pruned.data, { a: '9' });
      assert.deepEqual(ours(pruned), ['Apply'], 'one Apply entry left');
    } finally {
      await host.stop();
    }
  });

  it('on parent deletion calls finalize until done, then removes the finalizer, and the children are garbage-collected', async () => {
    const { host, instances } = await run(WidgetOperator);
    const op = instances[0] as WidgetOperator;
    try {
      await createWidget('doomed', { finalizeAfter: 3 });
      await converged('doomed');
      await c.api.request({ method: 'DELETE', path: widgetPath(ns(), 'doomed') });
      await eventually(async () => !(await getOrNull(widgetPath(ns(), 'doomed'))), {
        what: 'the Widget to be gone',
      });
      assert.equal(op.finalizeCalls, 3);
      await eventually(
        async () => !(await getOrNull(cm('doomed-cm'))) && !(await getOrNull(pod('doomed-pod'))),
        { timeoutMs: 30_000, what: 'garbage collection of the children' },
      );
    } finally {
      await host.stop();
    }
  });

  it('opens one Pod watch for two operators that both own Pods', async () => {
    const watches: string[] = [];
    const container = new Container({ defaultScope: 'Singleton' });
    container.bind(WidgetOperator).toSelf();
    container.bind(GadgetOperator).toSelf();
    const host = Operon.create(container, {
      kubeConfig: c.kubeConfig,
      namespaces: [ns()],
      resyncIntervalMs: 0,
    });
    host.api.onRequest((r) => {
      if (r.verb === 'watch') watches.push(r.path);
    });
    await host.start();
    try {
      await c.api.request({
        method: 'POST',
        path: `/apis/operon.test/v1/namespaces/${ns()}/gadgets`,
        body: { apiVersion: 'operon.test/v1', kind: 'Gadget', metadata: { name: 'g' }, spec: {} },
      });
      await createWidget('shared', {});
      await converged('shared');
      await eventually(() => getOrNull(pod('g-gadget')), { what: 'the Gadget Pod' });
      assert.equal(host.sharedInformers().filter((i) => i.type.kind === 'Pod').length, 1);
      assert.deepEqual(
        watches.filter((p) => p.endsWith('/pods')),
        [`/api/v1/namespaces/${ns()}/pods`],
      );
    } finally {
      await host.stop();
    }
  });

  it('picks up where it left off after a restart: no duplicate, no orphan', async () => {
    const first = await run(WidgetOperator);
    await createWidget('restart', {});
    await eventually(() => getOrNull(cm('restart-cm')), { what: 'the first child' });
    await first.host.stop();
    // Changed while no operator runs.
    await merge(widgetPath(ns(), 'restart'), { spec: { data: { z: '26' } } });
    const second = await run(WidgetOperator);
    try {
      await converged('restart');
      await eventually(async () => (await get(cm('restart-cm'))).data?.z === '26', {
        what: 'the change made while down',
      });
      const w = await get<WidgetObj>(widgetPath(ns(), 'restart'));
      for (const kind of ['configmaps', 'secrets', 'pods', 'serviceaccounts']) {
        const list = await get<{ items: Obj[] }>(
          `/api/v1/namespaces/${ns()}/${kind}?labelSelector=operon.dev/operator%3Dwidget`,
        );
        const mine = list.items.filter((o) =>
          o.metadata?.ownerReferences?.some((r) => r.uid === w.metadata?.uid),
        );
        assert.equal(mine.length, 1, `exactly one ${kind} for the Widget`);
        assert.ok(
          list.items.every((o) => o.metadata?.ownerReferences?.some((r) => r.controller)),
          `no orphaned ${kind}`,
        );
      }
    } finally {
      await second.host.stop();
    }
  });
});
