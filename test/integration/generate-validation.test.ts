// A rule the CRD schema cannot express (a cross-field one) is still enforced: by class-validator,
// before sync, with a condition and an Event, and without touching any child.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { V1ConfigMap } from '@kubernetes/client-node';
import { IsInt, Max, Min } from 'class-validator';
import { Container } from 'inversify';
import { generateCrds } from '../../src/generate/crd.js';
import { declarationsFromClasses } from '../../src/generate/from-classes.js';
import {
  Child,
  type ChildRef,
  customResource,
  Operator,
  Operon,
  type OperonHost,
  Sync,
} from '../../src/index.js';
import { installOperatorCrds } from '../../src/testkit/install.js';
import { ConfigMap } from '../../src/types/builtins.js';
import type { KubeObject } from '../../src/types/kube-object.js';
import type { SyncRequest, SyncResponse } from '../../src/types/sync.js';
import { AtMost } from '../support/at-most.js';
import { eventually, type TestCluster, useTestCluster } from '../support/cluster.js';

class ShardSetSpec {
  @IsInt() @Min(1) @Max(5) replicas!: number;
  @IsInt() @Min(0) @AtMost('replicas') minAvailable = 0;
}

class ShardSetStatus {
  @IsInt() shards!: number;
}

const ShardSet = customResource<ShardSetSpec, ShardSetStatus>({
  group: 'gen.operon.test',
  version: 'v1',
  kind: 'ShardSet',
  spec: ShardSetSpec,
  status: ShardSetStatus,
});

@Operator({ parent: ShardSet, name: 'shard-set' })
class ShardSetOperator {
  @Child(ConfigMap) shards!: ChildRef<V1ConfigMap>;
  syncCalls = 0;

  @Sync()
  sync(req: SyncRequest<ShardSetSpec>): SyncResponse {
    this.syncCalls++;
    const { metadata, spec } = req.parent;
    return {
      status: { shards: req.children(this.shards).length },
      children: Array.from({ length: spec.replicas }, (_, i) =>
        this.shards.desired({
          metadata: { name: `${metadata.name}-${i}` },
          data: { min: String(spec.minAvailable) },
        }),
      ),
    };
  }
}

type Condition = { type: string; status: string; reason: string; message: string };
type ShardSetObject = KubeObject & {
  status?: { shards?: number; observedGeneration?: number; conditions?: Condition[] };
};

describe('a class-validator rule the schema cannot express', () => {
  let c: TestCluster;
  let host: OperonHost;
  let operator: ShardSetOperator;
  before(async () => {
    c = await useTestCluster('gen-val');
    await installOperatorCrds(c.kubeConfig, [ShardSetOperator]);
    const container = new Container();
    container.bind(ShardSetOperator).toSelf().inSingletonScope();
    operator = container.get(ShardSetOperator);
    host = await Operon.run(container, {
      kubeConfig: c.kubeConfig,
      namespaces: [c.namespace],
      resyncIntervalMs: 0,
    });
  });
  after(async () => {
    await host?.stop();
    await c.cleanup();
  });

  const path = (name = '') =>
    `/apis/gen.operon.test/v1/namespaces/${c.namespace}/shardsets${name ? `/${name}` : ''}`;
  const configMaps = async (prefix: string) =>
    (
      await c.api.request<{ items: KubeObject[] }>({
        method: 'GET',
        path: `/api/v1/namespaces/${c.namespace}/configmaps`,
      })
    ).items.filter((cm) => cm.metadata?.name?.startsWith(prefix));

  // The Synced condition of "web", once it is False.
  const syncedFalse = (what: string) =>
    eventually(
      async () => {
        const s = await c.api.request<ShardSetObject>({ method: 'GET', path: path('web') });
        const cond = s.status?.conditions?.find((x) => x.type === 'Synced');
        return cond?.status === 'False' ? cond : undefined;
      },
      { what },
    );

  it('is not in the generated schema: the API server accepts the object', () => {
    const [crd] = generateCrds(declarationsFromClasses([ShardSetOperator]));
    const spec = crd?.spec.versions[0]?.schema.openAPIV3Schema.properties?.spec;
    assert.deepEqual(spec?.properties?.minAvailable, { type: 'integer', default: 0, minimum: 0 });
  });

  it('gets Synced=False with every violation and a Warning Event, and no child; fixing it converges', async () => {
    const before = operator.syncCalls;
    await c.api.request({
      method: 'POST',
      path: path(),
      body: {
        apiVersion: 'gen.operon.test/v1',
        kind: 'ShardSet',
        metadata: { name: 'web' },
        spec: { replicas: 2, minAvailable: 3 },
      },
    });
    const invalid = await syncedFalse('Synced=False');
    assert.equal(invalid.reason, 'InvalidSpec');
    assert.match(invalid.message, /spec\.minAvailable: minAvailable \(3\) must not be greater than replicas/);

    const event = await eventually(
      async () => {
        const events = await c.api.request<{ items: { reason: string; type: string; message: string }[] }>({
          method: 'GET',
          path: `/api/v1/namespaces/${c.namespace}/events`,
          query: { fieldSelector: 'involvedObject.name=web,reason=InvalidSpec' },
        });
        return events.items[0];
      },
      { what: 'the InvalidSpec Event' },
    );
    assert.equal(event.type, 'Warning');
    assert.match(event.message, /spec\.minAvailable/);
    assert.equal(operator.syncCalls, before, 'sync never saw the invalid spec');
    assert.deepEqual(await configMaps('web-'), [], 'no child was created');

    await c.api.request({
      method: 'PATCH',
      path: path('web'),
      contentType: 'application/merge-patch+json',
      body: { spec: { minAvailable: 1 } },
    });
    const fixed = await eventually(
      async () => {
        const s = await c.api.request<ShardSetObject>({ method: 'GET', path: path('web') });
        const cond = s.status?.conditions?.find((x) => x.type === 'Synced');
        return cond?.status === 'True' && s.status?.shards === 2 ? s : undefined;
      },
      { what: 'Synced=True with both shards' },
    );
    assert.equal(fixed.status?.observedGeneration, fixed.metadata?.generation);
    assert.deepEqual((await configMaps('web-')).map((cm) => cm.metadata?.name).sort(), ['web-0', 'web-1']);
  });

  it('validates the spec again when an edit makes a valid parent invalid, and keeps its children', async () => {
    // The passes its children brought ran at the valid generation without validating it again;
    // the edit is a new generation, so it is checked.
    await c.api.request({
      method: 'PATCH',
      path: path('web'),
      contentType: 'application/merge-patch+json',
      body: { spec: { minAvailable: 4 } },
    });
    const invalid = await syncedFalse('Synced=False after the edit');
    assert.equal(invalid.reason, 'InvalidSpec');
    assert.match(invalid.message, /spec\.minAvailable: minAvailable \(4\) must not be greater than replicas/);
    // Had sync seen the invalid spec, the children would hold min "4".
    const children = await configMaps('web-');
    assert.deepEqual(children.map((cm) => [cm.metadata?.name, (cm as V1ConfigMap).data?.min]).sort(), [
      ['web-0', '1'],
      ['web-1', '1'],
    ]);
  });
});
