// A cluster-scoped parent (issue 14, part 3): its namespaced children live in any namespace it
// names, its cluster-scoped children beside it, all owned through owner references (a cluster-scoped
// owner may own namespaced dependents), so the garbage collector removes them with the parent.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { V1ClusterRole, V1ConfigMap } from '@kubernetes/client-node';
import { Container } from 'inversify';
import {
  Child,
  type ChildRef,
  customResource,
  type KubeObject,
  Operator,
  Operon,
  Sync,
  type SyncRequest,
  type SyncResponse,
} from '../../src/index.js';
import { ApiError } from '../../src/runtime/api/api-error.js';
import { installOperatorCrds } from '../../src/testkit/install.js';
import { ClusterRole, ConfigMap } from '../../src/types/index.js';
import { eventually, type TestCluster, useTestCluster } from '../support/cluster.js';

interface TeamSpec {
  /** Namespaces that get the team's settings ConfigMap. */
  namespaces: string[];
}

const Team = customResource<TeamSpec>({
  group: 'operon.test',
  version: 'v1',
  kind: 'Team',
  namespaced: false,
});

@Operator({ parent: Team, name: 'team' })
class TeamOperator {
  @Child(ConfigMap) settings!: ChildRef<V1ConfigMap>;
  @Child(ClusterRole) role!: ChildRef<V1ClusterRole>;

  @Sync()
  sync(req: SyncRequest<TeamSpec>): SyncResponse {
    const team = req.parent.metadata.name;
    return {
      children: [
        ...req.parent.spec.namespaces.map((namespace) =>
          this.settings.desired({ metadata: { name: `${team}-settings`, namespace }, data: { team } }),
        ),
        this.role.desired({
          metadata: { name: `${team}-view` },
          rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }],
        }),
      ],
      status: { namespaces: req.parent.spec.namespaces.length },
    };
  }
}

describe('a cluster-scoped parent', () => {
  let c: TestCluster;
  let other: string;
  const team = `team-${randomBytes(3).toString('hex')}`;
  before(async () => {
    c = await useTestCluster('cluster-parent');
    other = `${c.namespace}-b`;
    await c.api.request({
      method: 'POST',
      path: '/api/v1/namespaces',
      body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: other } },
    });
    await installOperatorCrds(c.kubeConfig, [TeamOperator]);
  });
  after(async () => {
    for (const path of [
      `/apis/operon.test/v1/teams/${team}`,
      `/apis/rbac.authorization.k8s.io/v1/clusterroles/${team}-view`,
      `/api/v1/namespaces/${other}`,
    ]) {
      await c.api.request({ method: 'DELETE', path }).catch((e) => {
        if (!ApiError.isNotFound(e)) throw e;
      });
    }
    await c.cleanup();
  });

  const get = (path: string) => c.find(path);
  const settingsIn = (namespace: string) =>
    get(`/api/v1/namespaces/${namespace}/configmaps/${team}-settings`);
  const role = () => get(`/apis/rbac.authorization.k8s.io/v1/clusterroles/${team}-view`);

  it('writes namespaced children in the namespaces it names and a cluster-scoped one, and the garbage collector removes them with it', async () => {
    const container = new Container({ defaultScope: 'Singleton' });
    container.bind(TeamOperator).toSelf();
    const host = await Operon.run(container, { kubeConfig: c.kubeConfig, resyncIntervalMs: 0 });
    try {
      const created = await c.api.request<KubeObject>({
        method: 'POST',
        path: '/apis/operon.test/v1/teams',
        body: {
          apiVersion: 'operon.test/v1',
          kind: 'Team',
          metadata: { name: team },
          spec: { namespaces: [c.namespace, other] },
        },
      });
      const uid = created.metadata?.uid;
      await eventually(
        async () => (await settingsIn(c.namespace)) && (await settingsIn(other)) && (await role()),
        {
          what: 'the ConfigMaps in both namespaces and the ClusterRole',
        },
      );
      for (const child of [await settingsIn(c.namespace), await settingsIn(other), await role()]) {
        const owner = child?.metadata?.ownerReferences?.[0];
        assert.equal(owner?.uid, uid, `${child?.kind} ${child?.metadata?.name} is owned by the Team`);
        assert.equal(owner?.controller, true);
      }
      const synced = await eventually(
        async () => {
          const t = await get(`/apis/operon.test/v1/teams/${team}`);
          const s = (t as { status?: { conditions?: { type: string; status: string }[] } }).status;
          return s?.conditions?.find((x) => x.type === 'Synced' && x.status === 'True') ? t : undefined;
        },
        { what: 'the Team Synced' },
      );
      assert.equal((synced as { status?: { namespaces?: number } }).status?.namespaces, 2);

      // A namespace dropped from the spec loses its ConfigMap; the others stay.
      await c.api.request({
        method: 'PATCH',
        path: `/apis/operon.test/v1/teams/${team}`,
        contentType: 'application/merge-patch+json',
        body: { spec: { namespaces: [c.namespace] } },
      });
      await eventually(async () => (await settingsIn(other)) === undefined, {
        what: `the ConfigMap in ${other} deleted`,
      });
      assert.ok(await settingsIn(c.namespace));
      assert.ok(await role());
    } finally {
      await host.stop();
    }

    // With the operator stopped, only the garbage collector can remove the children.
    await c.api.request({ method: 'DELETE', path: `/apis/operon.test/v1/teams/${team}` });
    await eventually(
      async () => (await settingsIn(c.namespace)) === undefined && (await role()) === undefined,
      {
        what: 'the garbage collector to remove the children with the Team',
        // The garbage collector learns a new CRD on its 30 s discovery resync.
        timeoutMs: 120_000,
      },
    );
  });
});
