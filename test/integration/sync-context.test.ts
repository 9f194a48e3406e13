// What sync gets besides the snapshot: req.log (the pass's logger, with its reconcileId) and a
// PermanentError that is reported like any failure but not retried until the parent changes.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { V1ConfigMap } from '@kubernetes/client-node';
import { Container } from 'inversify';
import { pino } from 'pino';
import {
  Child,
  type ChildRef,
  customResource,
  type KubeObject,
  Operator,
  Operon,
  PermanentError,
  Sync,
  type SyncRequest,
  type SyncResponse,
} from '../../src/index.js';
import { installOperatorCrds } from '../../src/testkit/install.js';
import { ConfigMap } from '../../src/types/index.js';
import { eventually, type TestCluster, useTestCluster } from '../support/cluster.js';

interface BucketSpec {
  /** A name another account holds: sync gives up on it. */
  name: string;
}

const Bucket = customResource<BucketSpec>({ group: 'operon.test', version: 'v1', kind: 'Bucket' });

@Operator({ parent: Bucket, name: 'bucket' })
class BucketOperator {
  @Child(ConfigMap) configMaps!: ChildRef<V1ConfigMap>;
  readonly calls = new Map<string, number>();

  @Sync()
  sync(req: SyncRequest<BucketSpec>): SyncResponse {
    const parent = req.parent.metadata.name;
    this.calls.set(parent, (this.calls.get(parent) ?? 0) + 1);
    req.log.info({ bucket: req.parent.spec.name }, 'checking the bucket name');
    if (req.parent.spec.name === 'taken') {
      throw new PermanentError('bucket name "taken" belongs to another account; choose another name', {
        reason: 'BucketNameTaken',
      });
    }
    return {
      children: [
        this.configMaps.desired({ metadata: { name: parent }, data: { bucket: req.parent.spec.name } }),
      ],
    };
  }
}

type BucketObj = KubeObject & {
  status?: { conditions?: { type: string; status: string; reason: string; message: string }[] };
};

describe('the sync context: req.log and PermanentError', () => {
  let c: TestCluster;
  const lines: Record<string, unknown>[] = [];
  before(async () => {
    c = await useTestCluster('sync-context');
    await installOperatorCrds(c.kubeConfig, [BucketOperator]);
  });
  after(() => c.cleanup());

  const base = () => `/apis/operon.test/v1/namespaces/${c.namespace}/buckets`;
  const synced = (name: string, status: string, reason: string) =>
    eventually(
      async () => {
        const b = await c.api.request<BucketObj>({ method: 'GET', path: `${base()}/${name}` });
        const cond = b.status?.conditions?.find((x) => x.type === 'Synced');
        return cond?.status === status && cond.reason === reason ? cond : undefined;
      },
      { what: `${name} Synced=${status} ${reason}`, timeoutMs: 30_000 },
    );

  async function run() {
    const container = new Container({ defaultScope: 'Singleton' });
    container.bind(BucketOperator).toSelf();
    const logger = pino(
      { level: 'info' },
      new Writable({
        write(chunk, _enc, done) {
          for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
          done();
        },
      }),
    );
    // A short resync: a failure that were retried, or resynced, would show up within the wait below.
    const host = await Operon.run(container, {
      kubeConfig: c.kubeConfig,
      namespaces: [c.namespace],
      resyncIntervalMs: 1_000,
      logger,
    });
    return { host, op: container.get(BucketOperator) };
  }

  it('reports a PermanentError with its reason, retries nothing, and runs again once the parent changes', async () => {
    const { host, op } = await run();
    try {
      await c.api.request({
        method: 'POST',
        path: base(),
        body: {
          apiVersion: 'operon.test/v1',
          kind: 'Bucket',
          metadata: { name: 'b1' },
          spec: { name: 'taken' },
        },
      });
      const cond = await synced('b1', 'False', 'BucketNameTaken');
      assert.match(cond.message, /sync gave up: bucket name "taken" belongs to another account/);
      assert.match(cond.message, /Not retried until the Bucket or one of its children changes/);
      const calls = op.calls.get('b1');
      // Backoff would have retried within 3 s (5 ms, 10 ms, ...), and the 1 s resync three times.
      await new Promise((r) => setTimeout(r, 3_000));
      assert.equal(op.calls.get('b1'), calls, 'no retry and no resync after a PermanentError');

      await c.api.request({
        method: 'PATCH',
        path: `${base()}/b1`,
        contentType: 'application/merge-patch+json',
        body: { spec: { name: 'mine' } },
      });
      await synced('b1', 'True', 'Synced');
      assert.ok((op.calls.get('b1') ?? 0) > (calls ?? 0));

      const event = await eventually(
        async () =>
          (
            await c.api.request<{ items: { type: string; message: string }[] }>({
              method: 'GET',
              path: `/api/v1/namespaces/${c.namespace}/events`,
              query: { fieldSelector: 'involvedObject.name=b1,reason=BucketNameTaken' },
            })
          ).items[0],
        { what: 'the BucketNameTaken Event' },
      );
      assert.equal(event.type, 'Warning');
    } finally {
      await host.stop();
    }
  });

  it("gives sync the pass's logger: its lines carry the parent and the pass's reconcileId", () => {
    const mine = lines.filter((l) => l.msg === 'checking the bucket name');
    assert.ok(mine.length > 0, 'sync logged through req.log');
    for (const line of mine) {
      assert.equal(line.name, 'b1');
      assert.equal(line.namespace, c.namespace);
      assert.equal(line.operator, 'bucket');
      assert.match(String(line.reconcileId), /^[0-9a-f]{8}$/);
    }
    const ids = new Set(mine.map((l) => l.reconcileId));
    assert.equal(ids.size, mine.length, 'each pass has its own id');
  });
});
