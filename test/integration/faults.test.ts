// Nothing is lost under faults and bad input: a failed write stops that pass's deletes, a response
// the API server would refuse is refused whole before any write, and a spec the spec libraries
// cannot even read is reported, never crashes, and never keeps the parent from being deleted.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KubeConfig, V1ConfigMap, V1Secret } from '@kubernetes/client-node';
import { IsObject, IsOptional } from 'class-validator';
import { Container } from 'inversify';
import {
  Child,
  type ChildRef,
  customResource,
  Finalize,
  type FinalizeResponse,
  type KubeObject,
  Operator,
  Operon,
  type OperonHost,
  Sync,
  type SyncRequest,
  type SyncResponse,
} from '../../src/index.js';
import { ApiError } from '../../src/runtime/api/api-error.js';
import { serviceAccountKubeConfig } from '../../src/testkit/control-plane.js';
import { installOperatorCrds } from '../../src/testkit/install.js';
import { ConfigMap, Secret } from '../../src/types/index.js';
import { eventually, type TestCluster, useTestCluster } from '../support/cluster.js';

/** What a Shifter's sync returns, straight from its spec (the test drives sync through it). */
class ShifterSpec {
  /** Desired ConfigMaps: name → data. */
  @IsOptional() @IsObject() configMaps?: Record<string, Record<string, string>>;
  /** Desired Secrets: name → data (plain text; Operon writes it as stringData). */
  @IsOptional() @IsObject() secrets?: Record<string, Record<string, string>>;
  /** Labels put on every child. */
  @IsOptional() @IsObject() labels?: Record<string, string>;
  /** Free-form, for inputs the spec libraries choke on. */
  @IsOptional() @IsObject() extra?: Record<string, unknown>;
}

const Shifter = customResource<ShifterSpec>({
  group: 'operon.test',
  version: 'v1',
  kind: 'Shifter',
  spec: ShifterSpec,
});

@Operator({ parent: Shifter, name: 'shifter' })
class ShifterOperator {
  @Child(ConfigMap) configMaps!: ChildRef<V1ConfigMap>;
  @Child(Secret) secrets!: ChildRef<V1Secret>;
  finalizeCalls = 0;

  @Sync()
  sync(req: SyncRequest<ShifterSpec>): SyncResponse {
    const { configMaps = {}, secrets = {}, labels } = req.parent.spec;
    return {
      children: [
        ...Object.entries(configMaps).map(([name, data]) =>
          this.configMaps.desired({ metadata: { name, labels }, data }),
        ),
        ...Object.entries(secrets).map(([name, stringData]) =>
          this.secrets.desired({ metadata: { name, labels }, stringData }),
        ),
      ],
    };
  }

  @Finalize()
  finalize(): FinalizeResponse {
    this.finalizeCalls++;
    return { finalized: true };
  }
}

type ShifterObj = KubeObject & {
  status?: { conditions?: { type: string; status: string; reason: string; message: string }[] };
};

describe('faults and bad input', () => {
  let c: TestCluster;
  before(async () => {
    c = await useTestCluster('faults');
    await installOperatorCrds(c.kubeConfig, [ShifterOperator]);
  });
  after(() => c.cleanup());

  const ns = () => c.namespace;
  const base = () => `/apis/operon.test/v1/namespaces/${ns()}/shifters`;
  const cmPath = (name: string) => `/api/v1/namespaces/${ns()}/configmaps/${name}`;
  const exists = async (path: string) => {
    try {
      await c.api.request({ method: 'GET', path });
      return true;
    } catch (e) {
      if (ApiError.isNotFound(e)) return false;
      throw e;
    }
  };
  const patchSpec = (name: string, spec: object) =>
    c.api.request({
      method: 'PATCH',
      path: `${base()}/${name}`,
      contentType: 'application/merge-patch+json',
      body: { spec },
    });

  async function run(
    kubeConfig: KubeConfig = c.kubeConfig,
  ): Promise<{ host: OperonHost; op: ShifterOperator }> {
    const container = new Container({ defaultScope: 'Singleton' });
    container.bind(ShifterOperator).toSelf();
    const host = await Operon.run(container, { kubeConfig, namespaces: [ns()], resyncIntervalMs: 0 });
    return { host, op: container.get(ShifterOperator) };
  }

  async function create(name: string, spec: ShifterSpec): Promise<void> {
    await c.api.request({
      method: 'POST',
      path: base(),
      body: { apiVersion: 'operon.test/v1', kind: 'Shifter', metadata: { name }, spec },
    });
  }

  async function condition(name: string, status: string, reason?: string) {
    return eventually(
      async () => {
        const s = await c.api.request<ShifterObj>({ method: 'GET', path: `${base()}/${name}` });
        const cond = s.status?.conditions?.find((x) => x.type === 'Synced');
        return cond?.status === status && (reason === undefined || cond.reason === reason) ? cond : undefined;
      },
      { what: `Shifter ${name} Synced=${status} ${reason ?? ''}` },
    );
  }

  /** Creates `name` with one ConfigMap, then renames it in sync: the new name cannot be written. */
  async function renameFails(
    name: string,
    renamed: ShifterSpec,
    prepare: () => Promise<void> = async () => {},
    kubeConfig?: KubeConfig,
  ): Promise<string> {
    const { host } = await run(kubeConfig);
    try {
      await create(name, { configMaps: { [`${name}-cm`]: { a: '1' } } });
      await condition(name, 'True');
      assert.ok(await exists(cmPath(`${name}-cm`)));
      await prepare();
      // A merge patch merges maps: drop the old name explicitly.
      await patchSpec(name, { ...renamed, configMaps: { [`${name}-cm`]: null, ...renamed.configMaps } });
      const failed = await condition(name, 'False');
      await new Promise((r) => setTimeout(r, 1000));
      assert.ok(await exists(cmPath(`${name}-cm`)), 'the working child is kept while its successor fails');
      assert.match(failed.message, /deletion\(s\) postponed/);
      return failed.message;
    } finally {
      await host.stop();
    }
  }

  it('keeps the old child when the new name is held by a foreign object', async () => {
    const message = await renameFails('foreign', { configMaps: { 'foreign-cm2': { a: '1' } } }, async () => {
      await c.api.request({
        method: 'POST',
        path: `/api/v1/namespaces/${ns()}/configmaps`,
        body: {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'foreign-cm2' },
          data: { mine: 'yes' },
        },
      });
    });
    assert.match(message, /not controlled by this/);
  });

  it('keeps the old child when the API server refuses the new one (422)', async () => {
    // A ConfigMap key with a space passes Operon's checks of metadata; the API server refuses it.
    const message = await renameFails('invalid', { configMaps: { 'invalid-cm2': { 'bad key': '1' } } });
    assert.match(message, /422|Invalid/);
  });

  it('keeps the old child when the operator may not create the new one (403)', async () => {
    const limited = await serviceAccountKubeConfig(c.kubeConfig, {
      namespace: ns(),
      name: 'no-secret-create',
      rules: [
        { apiGroups: ['operon.test'], resources: ['shifters'], verbs: ['get', 'list', 'watch', 'patch'] },
        { apiGroups: ['operon.test'], resources: ['shifters/status'], verbs: ['patch'] },
        { apiGroups: ['operon.test'], resources: ['shifters/finalizers'], verbs: ['update'] },
        {
          apiGroups: [''],
          resources: ['configmaps'],
          verbs: ['get', 'list', 'watch', 'create', 'patch', 'delete'],
        },
        { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'watch', 'delete'] },
        { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
      ],
    });
    const message = await renameFails(
      'forbidden',
      { secrets: { 'forbidden-secret': { a: '1' } } },
      undefined,
      limited,
    );
    assert.match(message, /403|forbidden/i);
  });

  it('refuses a response with one bad label value whole: no child is written', async () => {
    const { host } = await run();
    try {
      await create('labels', {
        configMaps: { 'labels-a': { a: '1' }, 'labels-b': { b: '1' } },
        secrets: { 'labels-c': { c: '1' } },
        labels: { tier: 'bad value!' },
      });
      const failed = await condition('labels', 'False', 'InvalidSyncResponse');
      assert.match(failed.message, /metadata\.labels\["?tier"?\]/);
      assert.match(failed.message, /bad value!/);
      for (const name of ['labels-a', 'labels-b']) assert.equal(await exists(cmPath(name)), false);
    } finally {
      await host.stop();
    }
  });

  it('reports a spec nested too deep to transform as InvalidSpec, and still lets the parent be deleted', async () => {
    const { host, op } = await run();
    try {
      let deep: Record<string, unknown> = { leaf: true };
      for (let i = 0; i < 3000; i++) deep = { n: deep };
      await create('deep', { configMaps: { 'deep-cm': { a: '1' } }, extra: deep });
      const failed = await condition('deep', 'False', 'InvalidSpec');
      assert.match(failed.message, /spec/);
      await c.api.request({ method: 'DELETE', path: `${base()}/deep` });
      await eventually(async () => !(await exists(`${base()}/deep`)), {
        what: 'the deep parent to be deleted',
      });
      assert.equal(op.finalizeCalls, 1);
    } finally {
      await host.stop();
    }
  });
});
