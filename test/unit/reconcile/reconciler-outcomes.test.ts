// The reconciler at its seam: one pass against plain-object caches and a recording API, and the one
// outcome it hands the controller (converged, requeue, gaveUp, failed), with exactly the requests
// each case may send. End-to-end tests prove the same against the API server; these pin the
// decisions without one.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { childRef } from '../../../src/config/child-ref.js';
import type { OperatorConfig } from '../../../src/config/operator-config.js';
import { PermanentError } from '../../../src/errors/permanent-error.js';
import { silentLogger } from '../../../src/observability/logger.js';
import type { ApiClient, ApiRequest } from '../../../src/runtime/api/api-client.js';
import { decorateChild, type ParentObject } from '../../../src/runtime/planner/index.js';
import { resolveDeletionBudget } from '../../../src/runtime/reconcile/deletion-budget.js';
import type { EventRecorder } from '../../../src/runtime/reconcile/event-recorder.js';
import type { OperatorCache } from '../../../src/runtime/reconcile/operator-cache.js';
import { type PassOutcome, Reconciler } from '../../../src/runtime/reconcile/reconciler.js';
import { buildStatus } from '../../../src/runtime/reconcile/status.js';
import { ConfigMap, Namespace } from '../../../src/types/builtins.js';
import { customResource } from '../../../src/types/custom-resource.js';
import type { KubeObject } from '../../../src/types/kube-object.js';
import type { SyncResponse } from '../../../src/types/sync.js';

const Note = customResource({ group: 'example.com', version: 'v1', kind: 'Note' });
const pages = childRef(ConfigMap, 'apply', 'pages');
const spaces = childRef(Namespace, 'apply', 'spaces');

const parent = (extra: Partial<KubeObject['metadata']> = {}, status?: object) => ({
  apiVersion: 'example.com/v1',
  kind: 'Note',
  metadata: { name: 'n', namespace: 'demo', uid: 'uid-n', generation: 1, ...extra },
  spec: {},
  ...(status ? { status } : {}),
});
// The status Operon itself writes for a converged parent at generation 1.
const converged = buildStatus(undefined, undefined, 1, {
  ok: true,
  reason: 'Synced',
  message: 'All children are in the desired state.',
});
/** A page as Operon would have written it for the parent (owner reference, label, hash). */
const page = (name: string): KubeObject => {
  const written = decorateChild(pages.desired({ metadata: { name }, data: { page: name } }), {
    operatorName: 'notes',
    parent: parent() as ParentObject,
    parentType: Note,
  });
  return { ...written, metadata: { ...written.metadata, uid: `uid-${name}` } };
};

interface Run {
  outcome: PassOutcome;
  requests: ApiRequest[];
  events: string[];
}

async function run(
  sync: OperatorConfig<unknown>['sync'],
  options: { parent?: KubeObject; children?: KubeObject[]; budget?: boolean; cacheThrows?: boolean } = {},
): Promise<Run> {
  const requests: ApiRequest[] = [];
  const events: string[] = [];
  const api = {
    request: async (req: ApiRequest) => {
      requests.push(req);
      // A server that accepts every write and echoes it back.
      return typeof req.body === 'object' && !Array.isArray(req.body)
        ? { ...(req.body as object), metadata: { ...(req.body as KubeObject).metadata, uid: 'uid-new' } }
        : parent();
    },
  } as unknown as ApiClient;
  const children = options.children ?? [];
  const cache: OperatorCache = {
    parent: () => {
      if (options.cacheThrows) throw new TypeError('cache exploded');
      return options.parent ?? parent();
    },
    childrenOf: (type) => children.filter((c) => c.kind === type.kind),
    child: (type, _ns, name) => children.find((c) => c.kind === type.kind && c.metadata?.name === name),
  };
  const reconciler = new Reconciler({
    config: { name: 'notes', parent: { type: Note }, children: [pages, spaces], sync },
    api,
    cache,
    events: {
      record: (_p: unknown, type: string, reason: string) => events.push(`${type} ${reason}`),
    } as unknown as EventRecorder,
    log: silentLogger(),
    ...(options.budget ? { deletionBudget: resolveDeletionBudget(undefined, undefined) } : {}),
  });
  const outcome = await reconciler.reconcile('demo/n');
  return { outcome, requests, events };
}

const writes = (r: Run) => r.requests.filter((q) => q.method !== 'GET').map((q) => `${q.method} ${q.path}`);

describe('Reconciler outcomes', () => {
  it('converges without a request when the children and the status already hold', async () => {
    const r = await run(
      () => ({ children: [pages.desired({ metadata: { name: 'p1' }, data: { page: 'p1' } })] }),
      {
        parent: parent({}, converged),
        children: [page('p1')],
      },
    );
    assert.deepEqual(r.outcome, { kind: 'converged' });
    assert.deepEqual(writes(r), []);
  });

  it("requeues after the author's resync, having written the children and the status", async () => {
    const r = await run(() => ({
      children: [pages.desired({ metadata: { name: 'p1' }, data: { page: 'p1' } })],
      resync: 30_000,
    }));
    assert.deepEqual(r.outcome, { kind: 'requeue', afterMs: 30_000 });
    assert.deepEqual(writes(r), [
      'POST /api/v1/namespaces/demo/configmaps',
      'PATCH /apis/example.com/v1/namespaces/demo/notes/n/status',
    ]);
  });

  it('gives up on a PermanentError: reported under its reason, no child written, not retried', async () => {
    const r = await run(() => {
      throw new PermanentError('the bucket is gone for good', { reason: 'BucketGone' });
    });
    assert.deepEqual(r.outcome, { kind: 'gaveUp', reason: 'BucketGone' });
    assert.deepEqual(writes(r), ['PATCH /apis/example.com/v1/namespaces/demo/notes/n/status']);
    assert.deepEqual(r.events, ['Warning BucketGone']);
  });

  it('fails, reported, when sync throws or answers wrongly, writing only the condition', async () => {
    for (const sync of [
      () => {
        throw new Error('boom');
      },
      () => ({ status: {} }) as unknown as SyncResponse,
    ]) {
      const r = await run(sync, { children: [page('p1')] });
      assert.equal(r.outcome.kind, 'failed');
      assert.equal(r.outcome.kind === 'failed' && r.outcome.reported, true);
      assert.deepEqual(writes(r), ['PATCH /apis/example.com/v1/namespaces/demo/notes/n/status']);
    }
  });

  it('fails unreported when something outside the contract throws (a defect for the controller to log)', async () => {
    const r = await run(() => ({ children: [] }), { cacheThrows: true });
    assert.equal(r.outcome.kind, 'failed');
    assert.equal(r.outcome.kind === 'failed' && r.outcome.reported, false);
  });

  it('holds unexplained mass deletions: gaveUp DeletionHeld, nothing deleted', async () => {
    const r = await run(() => ({ children: [] }), {
      parent: parent({}, converged),
      children: [page('p1'), page('p2')],
      budget: true,
    });
    assert.deepEqual(r.outcome, { kind: 'gaveUp', reason: 'DeletionHeld' });
    assert.deepEqual(writes(r), ['PATCH /apis/example.com/v1/namespaces/demo/notes/n/status']);
    assert.deepEqual(r.events, ['Warning DeletionHeld']);
  });

  it('adds its finalizer, and nothing else, before the first child no owner reference can reach', async () => {
    const r = await run(() => ({ children: [spaces.desired({ metadata: { name: 'tenant-n' } })] }));
    assert.deepEqual(r.outcome, { kind: 'converged' });
    assert.deepEqual(writes(r), ['PATCH /apis/example.com/v1/namespaces/demo/notes/n']);
    assert.deepEqual(r.requests[0]?.body, [
      { op: 'test', path: '/metadata/finalizers', value: null },
      { op: 'add', path: '/metadata/finalizers', value: ['notes.example.com/finalizer'] },
    ]);
  });
});
