import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1ConfigMap, V1Namespace, V1Pod, V1Secret } from '@kubernetes/client-node';
import { IsString } from 'class-validator';
import { childRef } from '../../../src/config/child-ref.js';
import type { OperatorConfig } from '../../../src/config/operator-config.js';
import { PermanentError } from '../../../src/errors/permanent-error.js';
import { type ParentPlanContext, planParent } from '../../../src/plan/plan-parent.js';
import type { PlannedDelete, PlannedUpdate } from '../../../src/plan/types.js';
import {
  decorateChild,
  type Ownership,
  type ParentObject,
  parentUidOf,
} from '../../../src/runtime/planner/ownership.js';
import type { OperatorCache } from '../../../src/runtime/reconcile/operator-cache.js';
import { buildStatus } from '../../../src/runtime/reconcile/status.js';
import { ConfigMap, Namespace, Pod, Secret } from '../../../src/types/builtins.js';
import { customResource } from '../../../src/types/custom-resource.js';
import type { KubeObject } from '../../../src/types/kube-object.js';
import type { JsonObject, SyncRequest, SyncResponse } from '../../../src/types/sync.js';

class GreeterSpec {
  @IsString() message!: string;
}

const Greeter = customResource({ group: 'example.com', version: 'v1', kind: 'Greeter', spec: GreeterSpec });
const configMaps = childRef<V1ConfigMap>(ConfigMap);
const pods = childRef<V1Pod>(Pod, 'recreate');
const namespaces = childRef<V1Namespace>(Namespace);

type Sync = (req: SyncRequest<GreeterSpec>) => SyncResponse | Promise<SyncResponse>;

function operator(sync: Sync, extra: Partial<OperatorConfig<unknown>> = {}): OperatorConfig<unknown> {
  return {
    name: 'greeter',
    parent: { type: Greeter, spec: GreeterSpec },
    children: [configMaps, pods, namespaces],
    sync: sync as OperatorConfig<unknown>['sync'],
    ...extra,
  };
}

const SYNCED = { ok: true, reason: 'Synced', message: 'All children are in the desired state.' };

function parentWith(status?: JsonObject, metadata: Partial<ParentObject['metadata']> = {}): ParentObject {
  return {
    apiVersion: 'example.com/v1',
    kind: 'Greeter',
    metadata: { name: 'web', namespace: 'shop', uid: 'p-uid', generation: 1, ...metadata },
    spec: { message: 'hi' },
    ...(status ? { status } : {}),
  } as ParentObject;
}

/** A child as Operon would have written it for `parent`, as the cache would hold it. */
function written(parent: ParentObject, desired: KubeObject, uid: string): KubeObject {
  const ownership: Ownership = { operatorName: 'greeter', parent, parentType: Greeter };
  const type = [ConfigMap, Pod, Namespace, Secret].find((t) => t.kind === desired.kind);
  const obj = decorateChild(desired, ownership, type);
  return { ...obj, metadata: { ...obj.metadata, uid, resourceVersion: '1' } };
}

function cacheOf(parent: ParentObject, objects: readonly KubeObject[]): OperatorCache {
  const ofType = (t: { apiVersion: string; kind: string }) =>
    objects.filter((o) => o.apiVersion === t.apiVersion && o.kind === t.kind);
  return {
    parent: () => parent,
    childrenOf: (type, uid) => ofType(type).filter((o) => parentUidOf(o) === uid),
    child: (type, namespace, name) =>
      ofType(type).find((o) => o.metadata?.name === name && o.metadata?.namespace === namespace),
  };
}

const greeting = (text: string) =>
  configMaps.desired({ metadata: { name: 'web' }, data: { greeting: text } });

describe('planParent', () => {
  it('finds nothing to do when the children and status already hold', async () => {
    const parent = parentWith(buildStatus({ greeting: 'hi' }, undefined, 1, SYNCED));
    const config = operator(() => ({ children: [greeting('hi')], status: { greeting: 'hi' } }));
    const plan = await planParent(
      { config, cache: cacheOf(parent, [written(parent, greeting('hi'), 'c1')]) },
      parent,
    );
    assert.equal(plan.outcome, 'unchanged');
    assert.deepEqual([plan.children, plan.status, plan.finalizer], [[], [], undefined]);
  });

  it('plans creates, updates with their fields, recreates, conflicts and deletes, and the status', async () => {
    const parent = parentWith(buildStatus({ greeting: 'hello' }, undefined, 1, SYNCED));
    const pod = (image: string) =>
      pods.desired({ metadata: { name: 'web-0' }, spec: { containers: [{ name: 'app', image }] } });
    const foreign = {
      ...configMaps.desired({ metadata: { name: 'taken', namespace: 'shop' } }),
      metadata: {
        name: 'taken',
        namespace: 'shop',
        uid: 'f1',
        ownerReferences: [{ apiVersion: 'v1', kind: 'Thing', name: 'x', uid: 'other', controller: true }],
      },
    };
    const live = [
      written(parent, greeting('hello'), 'c1'),
      written(parent, pod('nginx:1'), 'p1'),
      written(parent, configMaps.desired({ metadata: { name: 'old' } }), 'c2'),
      foreign,
    ];
    const config = operator(() => ({
      children: [
        greeting('hi'),
        configMaps.desired({ metadata: { name: 'new' } }),
        configMaps.desired({ metadata: { name: 'taken' } }),
        pod('nginx:2'),
      ],
      status: { greeting: 'hi' },
    }));
    const plan = await planParent({ config, cache: cacheOf(parent, live) }, parent);
    assert.equal(plan.outcome, 'changes');
    assert.deepEqual(
      plan.children.map((c) => `${c.action} ${c.kind}/${c.name}`),
      [
        'create ConfigMap/new',
        'conflict ConfigMap/taken',
        'apply ConfigMap/web',
        'recreate Pod/web-0',
        'delete ConfigMap/old',
      ],
    );
    assert.deepEqual((plan.children[2] as PlannedUpdate).fields, [
      { path: 'data.greeting', op: 'change', from: 'hello', to: 'hi' },
    ]);
    assert.deepEqual((plan.children[3] as PlannedUpdate).fields, [
      { path: 'spec.containers[name=app].image', op: 'change', from: 'nginx:1', to: 'nginx:2' },
    ]);
    assert.match(
      (plan.children[1] as { message: string }).message,
      /already exists and is not controlled by this Greeter/,
    );
    // A recreate leaves the parent waiting, as the runtime reports it.
    assert.deepEqual(
      plan.status.map((f) => f.path),
      ['status.greeting', 'status.conditions[type=Synced].reason', 'status.conditions[type=Synced].message'],
    );
  });

  it('lists the fields an apply would remove, read from managedFields, or says why it cannot', async () => {
    const parent = parentWith(buildStatus({}, undefined, 1, SYNCED));
    const config = operator(() => ({
      children: [configMaps.desired({ metadata: { name: 'web' }, data: { greeting: 'hi' } })],
    }));
    const live = written(
      parent,
      configMaps.desired({ metadata: { name: 'web' }, data: { greeting: 'hi', mode: 'v1' } }),
      'c1',
    );
    const withManaged = {
      ...live,
      metadata: {
        ...live.metadata,
        managedFields: [
          {
            manager: 'greeter',
            operation: 'Apply',
            fieldsType: 'FieldsV1',
            fieldsV1: { 'f:data': { 'f:greeting': {}, 'f:mode': {} } },
          },
        ],
      },
    } as KubeObject;
    const ctx: ParentPlanContext = {
      config,
      cache: cacheOf(parent, [live]),
      readObject: async () => withManaged,
    };
    const plan = await planParent(ctx, parent);
    assert.deepEqual(plan.children, [
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        namespace: 'shop',
        name: 'web',
        action: 'apply',
        fields: [{ path: 'data.mode', op: 'remove', from: 'v1' }],
      },
    ]);

    const failing = await planParent(
      { ...ctx, readObject: async () => Promise.reject(new Error('Forbidden: get configmaps')) },
      parent,
    );
    const update = failing.children[0] as PlannedUpdate;
    assert.deepEqual(update.fields, []);
    assert.match(update.note ?? '', /reading the child's managedFields failed \(Forbidden: get configmaps\)/);
  });

  it('reports a parent it cannot plan with the reason the runtime would give, and never plans its children', async () => {
    let calls = 0;
    const counting =
      (res: () => SyncResponse): Sync =>
      () => {
        calls++;
        return res();
      };
    const invalid = parentWith(undefined);
    (invalid as unknown as { spec: unknown }).spec = { message: 42 };
    const ok = () => ({ children: [] });
    const specPlan = await planParent(
      { config: operator(counting(ok)), cache: cacheOf(invalid, []) },
      invalid,
    );
    assert.equal(specPlan.outcome, 'error');
    assert.equal(specPlan.error?.reason, 'InvalidSpec');
    assert.match(specPlan.error?.message ?? '', /spec\.message: message must be a string/);
    assert.equal(calls, 0, 'sync is not called with an invalid spec');

    const parent = parentWith();
    const cases: [Sync, string, RegExp][] = [
      [
        () => {
          throw new Error('boom');
        },
        'SyncFailed',
        /sync threw: boom/,
      ],
      [
        () => {
          throw new PermanentError('never', { reason: 'BucketTaken' });
        },
        'BucketTaken',
        /sync gave up: never/,
      ],
      [
        () => ({ children: [{ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' } }] }),
        'InvalidSyncResponse',
        /Secret/,
      ],
      [() => new Promise<SyncResponse>(() => undefined), 'SyncTimeout', /did not return within 0.02 s/],
    ];
    for (const [sync, reason, message] of cases) {
      const plan = await planParent(
        { config: operator(sync), cache: cacheOf(parent, []), syncTimeoutMs: 20 },
        parent,
      );
      assert.equal(plan.outcome, 'error', reason);
      assert.equal(plan.error?.reason, reason);
      assert.match(plan.error?.message ?? '', message);
      assert.deepEqual(plan.children, []);
    }
  });

  it("adds Operon's finalizer before children it must delete itself, and before any child with @Finalize", async () => {
    const parent = parentWith();
    const tracked = operator(() => ({
      children: [namespaces.desired({ metadata: { name: 'tenant-web' } })],
    }));
    const plan = await planParent({ config: tracked, cache: cacheOf(parent, []) }, parent);
    assert.deepEqual(plan.finalizer?.op, 'add');
    assert.equal(plan.finalizer?.name, 'greeters.example.com/finalizer');
    assert.match(plan.finalizer?.why ?? '', /another namespace or a cluster-scoped one/);
    assert.deepEqual(
      plan.children.map((c) => `${c.action} ${c.kind}/${c.name}`),
      ['create Namespace/tenant-web'],
    );

    const finalizing = operator(() => ({ children: [] }), { finalize: () => ({ finalized: true }) });
    const withFinalize = await planParent({ config: finalizing, cache: cacheOf(parent, []) }, parent);
    assert.match(withFinalize.finalizer?.why ?? '', /@Finalize/);
    assert.equal(withFinalize.outcome, 'changes');
  });

  it("never shows a Secret's values, only which keys would change", async () => {
    const secrets = childRef<V1Secret>(Secret);
    const parent = parentWith(buildStatus({}, undefined, 1, SYNCED));
    const secret = (password: string, name = 'creds') =>
      secrets.desired({ metadata: { name }, stringData: { password, user: 'admin' } });
    const config = {
      ...operator(() => ({ children: [secret('new'), secret('x', 'other')] })),
      children: [secrets],
    };
    const live = written(parent, secret('old'), 's1');
    const plan = await planParent({ config, cache: cacheOf(parent, [live]) }, parent);
    assert.deepEqual(
      plan.children.map((c) => c.action),
      ['apply', 'create'],
    );
    assert.deepEqual((plan.children[0] as PlannedUpdate).fields, [
      { path: 'data.password', op: 'change', from: '[REDACTED]', to: '[REDACTED]' },
    ]);
    assert.doesNotMatch(JSON.stringify(plan), /eA==|bmV3|b2xk|YWRtaW4=/, 'no base64 value of any key');
  });

  it('plans a deletion without calling finalize: tracked children deleted, finalizer removed', async () => {
    let finalized = false;
    const parent = parentWith(undefined, {
      deletionTimestamp: '2026-01-01T00:00:00Z' as unknown as Date,
      finalizers: ['greeters.example.com/finalizer'],
    });
    const config = operator(() => assert.fail('sync must not run for a parent being deleted'), {
      finalize: () => {
        finalized = true;
        return { finalized: true };
      },
    });
    const live = [
      written(parent, namespaces.desired({ metadata: { name: 'tenant-web' } }), 'n1'),
      written(parent, greeting('hi'), 'c1'),
    ];
    const plan = await planParent({ config, cache: cacheOf(parent, live) }, parent);
    assert.equal(finalized, false);
    assert.deepEqual(
      plan.children.map((c) => `${c.action} ${c.kind}/${c.name}`),
      ['delete Namespace/tenant-web'],
    );
    assert.equal(plan.finalizer?.op, 'remove');
    assert.match(plan.notes.join(), /would call finalize first \(operon plan does not\)/);

    const gone = await planParent(
      { config, cache: cacheOf(parent, live) },
      parentWith(undefined, { deletionTimestamp: '2026-01-01T00:00:00Z' as unknown as Date }),
    );
    assert.equal(gone.outcome, 'unchanged');
  });

  describe('with the deletion budget', () => {
    const named = (name: string) => configMaps.desired({ metadata: { name }, data: { greeting: 'hi' } });
    /** A converged parent with children a, b, c whose sync now returns `keep` only. */
    async function shrink(
      keep: readonly string[],
      metadata: Partial<ParentObject['metadata']> = {},
      extra: Partial<ParentPlanContext> = {},
      budget?: OperatorConfig<unknown>['deletionBudget'],
    ) {
      const parent = parentWith(buildStatus({}, undefined, 1, SYNCED), metadata);
      const live = ['a', 'b', 'c'].map((n, i) => written(parent, named(n), `c${i}`));
      const config = operator(() => ({ children: keep.map(named), status: {} }), {
        ...(budget !== undefined ? { deletionBudget: budget } : {}),
      });
      return planParent({ config, cache: cacheOf(parent, live), now: () => 'NOW', ...extra }, parent);
    }

    it("holds the deletes of most of an unchanged parent's children, as the runtime would", async () => {
      const plan = await shrink(['a']);
      assert.equal(plan.outcome, 'changes');
      assert.deepEqual(
        plan.children.map((c) => [c.action, c.name, (c as PlannedDelete).held]),
        [
          ['delete', 'b', true],
          ['delete', 'c', true],
        ],
      );
      assert.equal(plan.deletionsHeld?.rule, 'share');
      assert.match(
        plan.deletionsHeld?.message ?? '',
        /no longer returns 2 of the 3 children of this parent \(more than 50 %\)/,
      );
      assert.equal(plan.deletionsHeld?.approve, 'operon approve greeter/web -n shop');
      // The status a held pass writes: only Synced, now False with reason DeletionHeld.
      assert.deepEqual(
        plan.status.map((f) => [f.path, f.to]),
        [
          ['status.conditions[type=Synced].status', 'False'],
          ['status.conditions[type=Synced].reason', 'DeletionHeld'],
          ['status.conditions[type=Synced].message', plan.status[2]?.to],
          ['status.conditions[type=Synced].lastTransitionTime', 'NOW'],
        ],
      );
      assert.match(
        String(plan.status[2]?.to),
        /^Held 2 deletion\(s\) \(ConfigMap b, ConfigMap c\): sync no longer returns .* kubectl annotate greeters web -n shop operon\.dev\/allow-deletions=1 /,
      );
    });

    it('says the same, without a status write, when the parent already reports it', async () => {
      const first = await shrink(['a']);
      const message = String(first.status[2]?.to);
      const parent = parentWith(
        buildStatus(undefined, buildStatus({}, undefined, 1, SYNCED), 1, {
          ok: false,
          reason: 'DeletionHeld',
          message,
        }),
      );
      const live = ['a', 'b', 'c'].map((n, i) => written(parent, named(n), `c${i}`));
      const config = operator(() => ({ children: [named('a')], status: {} }));
      const again = await planParent({ config, cache: cacheOf(parent, live) }, parent);
      assert.deepEqual(again.status, []);
      assert.equal(again.outcome, 'changes', 'held deletes still need someone to act');
      assert.ok(again.deletionsHeld);
    });

    it('lets deletes go that a spec change or an approval explains, a smaller share, or a budget turned off', async () => {
      const cases: [string, Awaited<ReturnType<typeof shrink>>][] = [
        ['spec changed', await shrink(['a'], { generation: 2 })],
        ['approved', await shrink(['a'], { annotations: { 'operon.dev/allow-deletions': '1' } })],
        ['one of three', await shrink(['a', 'b'])],
        ['host budget off', await shrink(['a'], {}, { deletionBudget: false })],
        ['operator budget wider', await shrink(['a'], {}, {}, { maxShare: 0.8 })],
        ['operator budget off', await shrink(['a'], {}, {}, false)],
      ];
      for (const [why, plan] of cases) {
        assert.equal(plan.deletionsHeld, undefined, why);
        assert.ok(
          plan.children.every((c) => c.action === 'delete' && c.held === undefined),
          why,
        );
      }
      // The host's budget applies where the operator sets none.
      const strict = await shrink(['a', 'b'], {}, { deletionBudget: { maxShare: 0.2, minCount: 1 } });
      assert.equal(strict.deletionsHeld?.rule, 'share');
    });

    it("holds one parent's deletes past the operator's window even in a fresh process", async () => {
      const plan = await shrink(['a', 'b'], {}, { deletionBudget: { maxPerWindow: 0 } });
      assert.equal(plan.deletionsHeld?.rule, 'window');
      assert.match(plan.deletionsHeld?.message ?? '', /would exceed its budget of 0/);
    });
  });
});
