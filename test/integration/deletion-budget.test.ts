// The deletion budget (issue 15, part 2) on the real API server: a new operator version whose sync
// wrongly returns no children for 50 converged parents deletes nothing and holds all 50; lowering a
// spec count deletes normally; an approval for the parent's generation releases what was held.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { V1ConfigMap } from '@kubernetes/client-node';
import { Container } from 'inversify';
import {
  ALLOW_DELETIONS_ANNOTATION,
  Child,
  type ChildRef,
  customResource,
  type KubeObject,
  Operator,
  Operon,
  type OperonHost,
  Sync,
  type SyncRequest,
  type SyncResponse,
} from '../../src/index.js';
import { OperonMetrics } from '../../src/observability/metrics/operon-metrics.js';
import { installOperatorCrds } from '../../src/testkit/install.js';
import { ConfigMap } from '../../src/types/builtins.js';
import { eventually, type TestCluster, useTestCluster } from '../support/cluster.js';

interface ShelfSpec {
  books: number;
}
const Shelf = customResource<ShelfSpec>({
  group: 'budget.operon.test',
  version: 'v1',
  kind: 'Shelf',
  plural: 'shelves',
});
const PARENTS = 50;

/** v1: one ConfigMap per book. */
@Operator({ parent: Shelf, name: 'shelf' })
class ShelfOperator {
  @Child(ConfigMap) books!: ChildRef<V1ConfigMap>;
  @Sync()
  sync(req: SyncRequest<ShelfSpec>): SyncResponse {
    const name = req.parent.metadata.name;
    return {
      children: Array.from({ length: req.parent.spec.books }, (_, i) =>
        this.books.desired({ metadata: { name: `${name}-book-${i}` }, data: { n: String(i) } }),
      ),
      status: {},
    };
  }
}

/** "v2", deployed with a bug: it returns no children at all. Same operator name, same children. */
@Operator({ parent: Shelf, name: 'shelf' })
class BuggyShelfOperator {
  @Child(ConfigMap) books!: ChildRef<V1ConfigMap>;
  @Sync()
  sync(): SyncResponse {
    return { children: [], status: {} };
  }
}

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

/** Runs the operon CLI against the test cluster. */
function operon(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [cli, ...args],
      { env: { ...process.env, KUBECONFIG: process.env.OPERON_TEST_KUBECONFIG } },
      (error, stdout, stderr) => resolve({ code: error ? (error.code as number) : 0, stdout, stderr }),
    );
  });
}

describe('the deletion budget', () => {
  let c: TestCluster;
  let host: OperonHost | undefined;
  const shelves = () => `/apis/budget.operon.test/v1/namespaces/${c.namespace}/shelves`;
  const configMaps = async () =>
    (
      await c.api.request<{ items: KubeObject[] }>({
        method: 'GET',
        path: `/api/v1/namespaces/${c.namespace}/configmaps`,
        query: { labelSelector: 'operon.dev/operator=shelf' },
      })
    ).items;
  const conditions = async () =>
    (
      await c.api.request<{ items: { metadata: { name: string }; status?: { conditions?: Condition[] } }[] }>(
        {
          method: 'GET',
          path: shelves(),
        },
      )
    ).items.map((s) => ({
      name: s.metadata.name,
      synced: s.status?.conditions?.find((x) => x.type === 'Synced'),
    }));
  const run = async (operator: new () => object, metrics?: OperonMetrics) => {
    const container = new Container({ defaultScope: 'Singleton' });
    container.bind(operator).toSelf();
    host = await Operon.run(container, { kubeConfig: c.kubeConfig, resyncIntervalMs: 0, metrics });
  };
  const stop = async () => {
    await host?.stop();
    host = undefined;
  };

  before(async () => {
    c = await useTestCluster('budget');
    await installOperatorCrds(c.kubeConfig, [ShelfOperator]);
  });
  after(async () => {
    await stop();
    await c.cleanup();
  });

  it('holds every deletion of a buggy new version, then deletes what a spec change or an approval explains', async () => {
    await run(ShelfOperator);
    // The API server serves a new CRD's path a moment after it reports it Established.
    await eventually(async () => (await c.find(shelves())) !== undefined, {
      what: 'the shelves path served',
    });
    for (let i = 0; i < PARENTS; i++) {
      await c.api.request({
        method: 'POST',
        path: shelves(),
        body: {
          apiVersion: 'budget.operon.test/v1',
          kind: 'Shelf',
          metadata: { name: `s${i}` },
          spec: { books: 2 },
        },
      });
    }
    await eventually(
      async () => (await conditions()).filter((s) => s.synced?.status === 'True').length === PARENTS,
      { what: `${PARENTS} Shelves Synced`, timeoutMs: 60_000 },
    );
    assert.equal((await configMaps()).length, PARENTS * 2);
    await stop();

    // "Deploy" v2: every parent is unchanged, and every sync now returns nothing.
    const metrics = new OperonMetrics();
    await run(BuggyShelfOperator, metrics);
    const held = await eventually(
      async () => {
        const all = await conditions();
        const h = all.filter((s) => s.synced?.reason === 'DeletionHeld');
        return h.length === PARENTS ? h : undefined;
      },
      { what: `all ${PARENTS} Shelves DeletionHeld`, timeoutMs: 60_000 },
    );
    assert.equal((await configMaps()).length, PARENTS * 2, 'nothing was deleted');
    assert.match(
      held[0]?.synced?.message ?? '',
      /^Held 2 deletion\(s\) \(ConfigMap s\d+-book-0, ConfigMap s\d+-book-1\): sync no longer returns 2 of the 2 children .*kubectl annotate shelves s\d+ -n \S+ operon\.dev\/allow-deletions=1/,
    );
    assert.match(await metrics.text(), /operon_deletions_held_total\{controller="shelf"\} 100/);

    // An approval for the parent's generation releases its deletions (and only its).
    await c.api.request({
      method: 'PATCH',
      path: `${shelves()}/s0`,
      contentType: 'application/merge-patch+json',
      body: { metadata: { annotations: { [ALLOW_DELETIONS_ANNOTATION]: '1' } } },
    });
    await eventually(async () => (await configMaps()).length === PARENTS * 2 - 2, {
      what: "s0's ConfigMaps deleted once approved",
    });
    // The same through the CLI, which looks the generation up.
    const approved = await operon(['approve', 'shelf/s2', '-n', c.namespace]);
    assert.equal(approved.code, 0, approved.stderr);
    assert.match(approved.stdout, /approved the held deletions of Shelf s2 for generation 1/);
    await eventually(async () => (await configMaps()).length === PARENTS * 2 - 4, {
      what: "s2's ConfigMaps deleted once approved with operon approve",
    });
    const unknown = await operon(['approve', 'nosuchkind/x']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /no resource type named "nosuchkind"/);
    await stop();

    // Back to v1: a spec change explains its deletions, which go ahead at once.
    await run(ShelfOperator);
    await c.api.request({
      method: 'PATCH',
      path: `${shelves()}/s1`,
      contentType: 'application/merge-patch+json',
      body: { spec: { books: 5 } },
    });
    await eventually(
      async () => (await configMaps()).filter((m) => m.metadata?.name?.startsWith('s1-')).length === 5,
      {
        what: 's1 with 5 books',
      },
    );
    await c.api.request({
      method: 'PATCH',
      path: `${shelves()}/s1`,
      contentType: 'application/merge-patch+json',
      body: { spec: { books: 1 } },
    });
    await eventually(
      async () => (await configMaps()).filter((m) => m.metadata?.name?.startsWith('s1-')).length === 1,
      {
        what: 's1 lowered to 1 book: 4 deleted',
      },
    );
    const s1 = (await conditions()).find((s) => s.name === 's1');
    assert.equal(s1?.synced?.status, 'True');
  });
});
