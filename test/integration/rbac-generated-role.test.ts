// The EchoServer operator with nothing but the generated RBAC: it converges without a single 403, and
// with one permission taken away it says which one is missing.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { KubeConfig, V1Pod, V1PolicyRule, V1Service } from '@kubernetes/client-node';
import { Container, type Newable } from 'inversify';
import { pino } from 'pino';
import { EchoImage, EchoServerOperator } from '../../examples/echo-server/echo-server.js';
import { describeMissingPermissions, missingPermissions } from '../../src/generate/check-permissions.js';
import { declarationsFromClasses } from '../../src/generate/from-classes.js';
import { generateRbac, type RbacOptions } from '../../src/generate/rbac.js';
import { Operon, type OperonHost } from '../../src/index.js';
import type { RequestRecord } from '../../src/runtime/api/api-client.js';
import { ApiClient } from '../../src/runtime/api/api-client.js';
import { ApiError } from '../../src/runtime/api/api-error.js';
import { serviceAccountKubeConfig } from '../../src/testkit/control-plane.js';
import { applyObjects, installOperatorCrds } from '../../src/testkit/install.js';
import type { KubeObject } from '../../src/types/kube-object.js';
import { eventually, type TestCluster, useTestCluster } from '../support/cluster.js';
import { installTestCrds, WidgetOperator, widgetPath } from '../support/widget.js';

type Condition = { type: string; status: string; reason: string; message: string };
type EchoObject = KubeObject & {
  status?: { pods?: number; observedGeneration?: number; conditions?: Condition[] };
};
type Role = KubeObject & { rules: V1PolicyRule[] };

const declarations = declarationsFromClasses([EchoServerOperator]);

/** The rules with one verb taken away from one resource (other resources of the rule keep it). */
function withoutVerb(rules: readonly V1PolicyRule[], resource: string, verb: string): V1PolicyRule[] {
  return rules.flatMap((r) => {
    if (!r.resources?.includes(resource) || !r.verbs.includes(verb)) return [r];
    const others = r.resources.filter((x) => x !== resource);
    return [
      ...(others.length ? [{ ...r, resources: others }] : []),
      { ...r, resources: [resource], verbs: r.verbs.filter((v) => v !== verb) },
    ];
  });
}

describe('EchoServer with only the generated RBAC', () => {
  let c: TestCluster;
  const clusterScoped: string[] = [];
  before(async () => {
    c = await useTestCluster('rbac');
    await installOperatorCrds(c.kubeConfig, [EchoServerOperator]);
    await installTestCrds(c.kubeConfig);
  });
  after(async () => {
    for (const path of clusterScoped) await c.api.request({ method: 'DELETE', path }).catch(() => undefined);
    await c.cleanup();
  });

  const ns = () => c.namespace;
  const echoes = (name = '') =>
    `/apis/example.com/v1alpha1/namespaces/${ns()}/echoservers${name ? `/${name}` : ''}`;
  const getOrNull = async <T>(path: string) => {
    try {
      return await c.api.request<T>({ method: 'GET', path });
    } catch (e) {
      if (ApiError.isNotFound(e)) return undefined;
      throw e;
    }
  };
  const pods = async (echo: string) =>
    (
      await c.api.request<{ items: V1Pod[] }>({
        method: 'GET',
        path: `/api/v1/namespaces/${ns()}/pods`,
        query: { labelSelector: `example.com/echo-server=${echo}` },
      })
    ).items;
  const createEcho = (name: string, spec: object) =>
    c.api.request({
      method: 'POST',
      path: echoes(),
      body: { apiVersion: 'example.com/v1alpha1', kind: 'EchoServer', metadata: { name }, spec },
    });
  const merge = (name: string, spec: object) =>
    c.api.request({
      method: 'PATCH',
      path: echoes(name),
      contentType: 'application/merge-patch+json',
      body: { spec },
    });

  /** Applies the RBAC objects as generated (or edited), and returns a kubeconfig of their ServiceAccount. */
  async function account(objects: KubeObject[], name: string): Promise<KubeConfig> {
    for (const o of objects) {
      if (o.kind === 'ClusterRole')
        clusterScoped.push(`/apis/rbac.authorization.k8s.io/v1/clusterroles/${name}`);
      if (o.kind === 'ClusterRoleBinding')
        clusterScoped.push(`/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/${name}`);
    }
    await applyObjects(c.kubeConfig, objects);
    // No rules here: the ServiceAccount has exactly what the objects above grant.
    return serviceAccountKubeConfig(c.kubeConfig, { namespace: ns(), name });
  }

  function rbac(name: string, extra: Partial<RbacOptions> = {}): KubeObject[] {
    return generateRbac(declarations, { name, namespace: ns(), ...extra });
  }

  /** Starts the operator as the ServiceAccount, recording every request the API server refused with 403. */
  function operator(
    kubeConfig: KubeConfig,
    logs?: string[],
    cls: Newable<object> = EchoServerOperator,
  ): { host: OperonHost; forbidden: RequestRecord[] } {
    const container = new Container();
    container.bind(EchoImage).toSelf();
    container.bind(cls).toSelf();
    const logger = pino(
      { level: 'warn' },
      new Writable({
        write(chunk: Buffer, _enc, done) {
          logs?.push(chunk.toString());
          done();
        },
      }),
    );
    const host = Operon.create(container, { kubeConfig, namespaces: [ns()], resyncIntervalMs: 0, logger });
    const forbidden: RequestRecord[] = [];
    host.api.onRequest((r) => {
      if (r.code === 403) forbidden.push(r);
    });
    return { host, forbidden };
  }

  async function synced(name: string, status: 'True' | 'False'): Promise<EchoObject & { cond: Condition }> {
    return eventually(
      async () => {
        const e = await c.api.request<EchoObject>({ method: 'GET', path: echoes(name) });
        const cond = e.status?.conditions?.find((x) => x.type === 'Synced');
        return cond?.status === status &&
          (status === 'False' || e.status?.observedGeneration === e.metadata?.generation)
          ? { ...e, cond }
          : undefined;
      },
      { what: `EchoServer ${name} Synced=${status}`, timeoutMs: 60_000 },
    );
  }

  async function lifecycle(host: OperonHost, name: string): Promise<void> {
    await createEcho(name, { message: 'one', replicas: 2 });
    await synced(name, 'True');
    await eventually(async () => (await pods(name)).length === 2, { what: 'two Pods' });
    const svc = await getOrNull(`/api/v1/namespaces/${ns()}/services/${name}`);
    assert.ok(svc, 'the Service exists');
    const live = await c.api.request<EchoObject>({ method: 'GET', path: echoes(name) });
    assert.ok(live.metadata?.finalizers?.length, 'the finalizer was added (patch on the parent)');

    // Pods are recreated (delete + create), the Service replaced (update), the extra Pod deleted.
    await merge(name, { message: 'two', replicas: 1, port: 6000 });
    await eventually(
      async () => {
        const p = await pods(name);
        return p.length === 1 && p[0]?.spec?.containers[0]?.args?.[0] === '-text=two';
      },
      { what: 'one recreated Pod', timeoutMs: 60_000 },
    );
    await eventually(
      async () =>
        (await getOrNull<V1Service>(`/api/v1/namespaces/${ns()}/services/${name}`))?.spec?.ports?.[0]
          ?.targetPort === 6000,
      { what: 'the replaced Service' },
    );
    await synced(name, 'True');

    await c.api.request({ method: 'DELETE', path: echoes(name) });
    await eventually(async () => !(await getOrNull(echoes(name))), {
      what: 'finalized and gone',
      timeoutMs: 60_000,
    });
    assert.ok(host.ready);
  }

  it('converges with the generated ClusterRole alone, with no request refused', async () => {
    const name = `${ns()}-full`;
    const objects = rbac(name);
    assert.deepEqual(
      objects.map((o) => o.kind),
      ['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding'],
    );
    const kc = await account(objects, name);
    assert.deepEqual(await missingPermissions(kc, declarations, { namespaces: [ns()] }), []);
    // Bound only to that role: anything else is refused.
    const asAccount = new ApiClient(kc);
    await assert.rejects(
      asAccount.request({ method: 'GET', path: `/api/v1/namespaces/${ns()}/secrets` }),
      (e) => e instanceof ApiError && e.status === 403,
    );
    asAccount.close();

    const { host, forbidden } = operator(kc);
    await host.start();
    try {
      await lifecycle(host, 'full');
    } finally {
      await host.stop();
    }
    assert.deepEqual(forbidden, []);
  });

  it('converges with Roles in the watched namespace alone (--watch-namespace)', async () => {
    const name = 'echo-roles';
    const objects = rbac(name, { watchNamespaces: [ns()] });
    assert.deepEqual(
      objects.map((o) => o.kind),
      // The token and access reviews of secure metrics are cluster-wide: a ClusterRole for them.
      ['ServiceAccount', 'Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding'],
    );
    const kc = await account(objects, name);
    const { host, forbidden } = operator(kc);
    await host.start();
    try {
      await lifecycle(host, 'roles');
    } finally {
      await host.stop();
    }
    assert.deepEqual(forbidden, []);
  });

  const widgets = declarationsFromClasses([WidgetOperator]);
  const widgetRbac = (name: string) =>
    generateRbac(widgets, { name, namespace: ns(), watchNamespaces: [ns()] });
  const widgetSynced = (name: string, status: 'True' | 'False') =>
    eventually(
      async () => {
        const w = await c.api.request<EchoObject>({ method: 'GET', path: widgetPath(ns(), name) });
        const cond = w.status?.conditions?.find((x) => x.type === 'Synced');
        return cond?.status === status &&
          (status === 'False' || w.status?.observedGeneration === w.metadata?.generation)
          ? cond
          : undefined;
      },
      { what: `Widget ${name} Synced=${status}`, timeoutMs: 60_000 },
    );

  it('runs an operator with all four strategies on its generated role, with no request refused', async () => {
    const kc = await account(widgetRbac('widget-full'), 'widget-full');
    const { host, forbidden } = operator(kc, undefined, WidgetOperator);
    await host.start();
    try {
      const create = { apiVersion: 'operon.test/v1', kind: 'Widget', metadata: { name: 'all' } };
      await c.api.request({
        method: 'POST',
        path: widgetPath(ns()),
        body: { ...create, spec: { data: { a: '1' } } },
      });
      await widgetSynced('all', 'True');
      // apply (patch), replace (update), recreate (delete + create); on-delete leaves its child alone.
      await c.api.request({
        method: 'PATCH',
        path: widgetPath(ns(), 'all'),
        contentType: 'application/merge-patch+json',
        body: { spec: { data: { a: null, b: '2' }, image: 'busybox:2', automount: true } },
      });
      await eventually(
        async () => {
          const pod = await getOrNull<V1Pod>(`/api/v1/namespaces/${ns()}/pods/all-pod`);
          const cm = await getOrNull<{ data?: Record<string, string> }>(
            `/api/v1/namespaces/${ns()}/configmaps/all-cm`,
          );
          return pod?.spec?.containers[0]?.image === 'busybox:2' && cm?.data?.b === '2' && !cm.data.a;
        },
        { what: 'the Widget children updated', timeoutMs: 60_000 },
      );
      await widgetSynced('all', 'True');
      await c.api.request({ method: 'DELETE', path: widgetPath(ns(), 'all') });
      await eventually(async () => !(await getOrNull(widgetPath(ns(), 'all'))), { what: 'the Widget gone' });
    } finally {
      await host.stop();
    }
    assert.deepEqual(forbidden, []);
  });

  it('apply needs create: an apply child is created with a POST, refused without it', async () => {
    const objects = widgetRbac('widget-noapplycreate').map((o) =>
      o.kind === 'Role' ? { ...o, rules: withoutVerb((o as Role).rules, 'configmaps', 'create') } : o,
    );
    const kc = await account(objects, 'widget-noapplycreate');
    const { host } = operator(kc, undefined, WidgetOperator);
    await host.start();
    try {
      await c.api.request({
        method: 'POST',
        path: widgetPath(ns()),
        body: { apiVersion: 'operon.test/v1', kind: 'Widget', metadata: { name: 'noapply' }, spec: {} },
      });
      const cond = await widgetSynced('noapply', 'False');
      assert.match(cond.message, /Forbidden: create \/api\/v1\/namespaces\/[^ ]+\/configmaps:/);
      assert.match(cond.message, /cannot create resource "configmaps"/);
    } finally {
      await host.stop();
    }
  });

  it('without create on pods: names the verb and resource in the condition and an Event', async () => {
    const name = `${ns()}-nocreate`;
    const objects = rbac(name).map((o) =>
      o.kind === 'ClusterRole' ? { ...o, rules: withoutVerb((o as Role).rules, 'pods', 'create') } : o,
    );
    const kc = await account(objects, name);
    const missing = await missingPermissions(kc, declarations, { namespaces: [ns()] });
    assert.deepEqual(missing, [
      { verb: 'create', group: '', resource: 'pods', subresource: undefined, namespace: ns() },
    ]);
    assert.match(describeMissingPermissions(missing), /create pods \(API group ""\) in namespace/);

    const { host } = operator(kc);
    await host.start();
    try {
      await createEcho('nocreate', { message: 'hi', replicas: 1 });
      const failed = await synced('nocreate', 'False');
      assert.equal(failed.cond.reason, 'WriteFailed');
      assert.match(failed.cond.message, /Forbidden: create \/api\/v1\/namespaces\/[^ ]+\/pods/);
      assert.match(failed.cond.message, /cannot create resource "pods"/);
      assert.match(failed.cond.message, /operon rbac/);
      const event = await eventually(
        async () =>
          (
            await c.api.request<{ items: { type: string; message: string }[] }>({
              method: 'GET',
              path: `/api/v1/namespaces/${ns()}/events`,
              query: { fieldSelector: 'involvedObject.name=nocreate,reason=WriteFailed' },
            })
          ).items[0],
        { what: 'the WriteFailed Event' },
      );
      assert.equal(event.type, 'Warning');
      assert.match(event.message, /cannot create resource "pods"/);
      assert.deepEqual(await pods('nocreate'), []);
    } finally {
      await host.stop();
    }
  });

  it('without list on services: never writes, and the informer reports the verb and resource', async () => {
    const name = `${ns()}-nolist`;
    const objects = rbac(name).map((o) =>
      o.kind === 'ClusterRole' ? { ...o, rules: withoutVerb((o as Role).rules, 'services', 'list') } : o,
    );
    const kc = await account(objects, name);
    const missing = await missingPermissions(kc, declarations, { namespaces: [ns()] });
    assert.deepEqual(
      missing.map((m) => `${m.verb} ${m.resource}`),
      ['list services'],
    );

    const logs: string[] = [];
    const { host } = operator(kc, logs);
    const started = host.start().then(
      () => 'started',
      () => 'aborted',
    );
    try {
      const services = () => host.sharedInformers().find((i) => i.type.plural === 'services');
      const error = await eventually(() => services()?.health().lastError, {
        what: 'the services informer error',
      });
      assert.match(error.message, /Forbidden: list \/api\/v1\/namespaces\/[^ ]+\/services/);
      assert.match(error.message, /cannot list resource "services"/);
      assert.ok(
        logs.some((l) => /"level":40/.test(l) && /cannot list resource \\"services\\"/.test(l)),
        'logged as a warning',
      );
      await createEcho('nolist', { message: 'hi', replicas: 1 });
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(host.ready, false, 'not reconciling before every informer synced');
      assert.deepEqual(await pods('nolist'), [], 'nothing written with an incomplete cache');
    } finally {
      await host.stop();
    }
    assert.equal(await started, 'aborted');
  });
});
