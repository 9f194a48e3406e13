import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1Pod, V1Secret } from '@kubernetes/client-node';
import { OperonError } from '../../../src/errors/operon-error.js';
import {
  baselineOf,
  type ChildAction,
  type ChildBaseline,
  DESIRED_HASH_ANNOTATION,
  decorateChild,
  OPERATOR_LABEL,
  type PlanInput,
  planChildren,
} from '../../../src/runtime/planner/index.js';
import type { KubeObject, NamedObject } from '../../../src/types/kube-object.js';
import type { ChildRef } from '../../../src/types/sync.js';
import type { UpdateStrategy } from '../../../src/types/update-strategy.js';
import {
  admitted,
  appPod,
  ConfigMap,
  children,
  clusterParent,
  configMap,
  EchoServer,
  edited,
  NS,
  OPERATOR,
  Pod,
  PodObject,
  parent,
  pod,
  ref,
  Secret,
  Service,
  SvcObject,
  secret,
  serverCopy,
  service,
  Tenant,
} from './fixtures.js';

const owner = { operatorName: OPERATOR, parent, parentType: EchoServer };

function plan(
  desired: KubeObject[],
  current: KubeObject[],
  refs: readonly ChildRef[] = children,
  baselines?: ReadonlyMap<string, ChildBaseline>,
) {
  const input: PlanInput = {
    ...owner,
    children: refs,
    desired,
    current,
    ...(baselines ? { baselines } : {}),
  };
  return planChildren(input);
}

/** The live object as it would be after Operon wrote `desired` for this parent. */
const written = <T extends KubeObject>(desired: T) => serverCopy(decorateChild(desired, owner));

/** A live object controlled by another parent with the same operator (a sibling EchoServer). */
function foreign<T extends KubeObject>(desired: T): NamedObject<T> {
  const other = { ...parent, metadata: { ...parent.metadata, name: 'other', uid: 'uid-other' } };
  return serverCopy(decorateChild(desired, { ...owner, parent: other }));
}

const summary = (actions: readonly ChildAction[]) =>
  actions.map(
    (a) => `${a.action} ${a.type.kind}/${'object' in a ? a.object.metadata.name : a.live.metadata.name}`,
  );

/** The one ChildRef list where the Service has `strategy`, for per-strategy tests. */
const serviceAs = (strategy: UpdateStrategy) => [ref(Service, strategy, 'service')];

const STRATEGIES: UpdateStrategy[] = ['apply', 'replace', 'recreate', 'on-delete'];

describe('planChildren', () => {
  it('creates every missing child, decorated, in declared-type then name order', () => {
    const actions = plan([pod('p-b'), configMap('c'), pod('p-a'), service('s')], []);
    assert.deepEqual(summary(actions), [
      'create Service/s',
      'create ConfigMap/c',
      'create Pod/p-a',
      'create Pod/p-b',
    ]);
    const create = actions[0]!;
    assert.equal(create.action, 'create');
    assert.equal(create.type, Service);
    if (create.action !== 'create') return;
    assert.equal(create.object.metadata.namespace, NS);
    assert.equal(create.object.metadata.labels?.[OPERATOR_LABEL], OPERATOR);
    assert.equal(create.object.metadata.ownerReferences?.[0]?.uid, parent.metadata.uid);
    assert.ok(create.object.metadata.annotations?.[DESIRED_HASH_ANNOTATION]);
  });

  it('creates a missing child whatever the strategy, on-delete included', () => {
    for (const strategy of STRATEGIES) {
      assert.deepEqual(
        summary(plan([service('s')], [], serviceAs(strategy))),
        ['create Service/s'],
        strategy,
      );
    }
  });

  it('is empty when every child already holds, for every strategy', () => {
    for (const strategy of STRATEGIES) {
      const desired = [service('s')];
      assert.deepEqual(plan(desired, [written(service('s'))], serviceAs(strategy)), [], strategy);
    }
    const all = [service('s'), configMap('c'), pod('p')];
    assert.deepEqual(plan(all, all.map(written)), []);
  });

  it('updates per strategy when a desired field changed, and leaves on-delete children alone', () => {
    for (const strategy of STRATEGIES) {
      const live = written(service('s', 80));
      const actions = plan([service('s', 81)], [live], serviceAs(strategy));
      if (strategy === 'on-delete') {
        assert.deepEqual(actions, []);
        continue;
      }
      assert.equal(actions.length, 1, strategy);
      const action = actions[0]!;
      assert.equal(action.action, strategy);
      if (action.action !== strategy) continue;
      assert.equal(action.live, live);
      assert.equal((action.object as SvcObject).spec.ports[0]?.port, 81);
    }
  });

  it('updates when a field was removed from the desired child', () => {
    const before = edited(configMap('c', { a: '1', b: '2' }), (c) => {
      c.metadata!.labels = { tier: 'web' };
    });
    const live = written(before);
    assert.deepEqual(summary(plan([configMap('c', { a: '1', b: '2' })], [live])), ['replace ConfigMap/c']);
    assert.deepEqual(
      summary(plan([configMap('c', { a: '1' })], [written(configMap('c', { a: '1', b: '2' }))])),
      ['replace ConfigMap/c'],
    );
  });

  it('does not update for fields the server defaulted', () => {
    const live = written(pod('p'));
    assert.equal(live.spec.containers[0]?.imagePullPolicy, 'IfNotPresent');
    assert.equal(live.status?.phase, 'Running');
    assert.deepEqual(plan([pod('p')], [live]), []);
  });

  it('corrects drift someone else made in a field the operator sets, except for on-delete', () => {
    for (const strategy of STRATEGIES) {
      const live = edited(written(service('s')), (l) => {
        l.spec.selector = { app: 'hijacked' };
      });
      const actions = plan([service('s')], [live], serviceAs(strategy));
      assert.deepEqual(summary(actions), strategy === 'on-delete' ? [] : [`${strategy} Service/s`], strategy);
    }
  });

  it('sends nothing for a Pod that admission mutated, for every strategy', () => {
    for (const strategy of STRATEGIES) {
      const live = admitted(written(appPod()));
      assert.deepEqual(plan([appPod()], [live], [ref(Pod, strategy)]), [], strategy);
    }
  });

  it('sends nothing for a Secret written with stringData once the server stored it as data', () => {
    for (const strategy of STRATEGIES) {
      const live = edited(written(secret('s', { password: 's3cret' })), (l: V1Secret) => {
        l.type = 'Opaque';
      });
      assert.deepEqual(live.data, { password: Buffer.from('s3cret').toString('base64') });
      assert.equal('stringData' in live, false);
      assert.deepEqual(
        plan([secret('s', { password: 's3cret' })], [live], [ref(Secret, strategy)]),
        [],
        strategy,
      );
    }
  });

  it('uses the baseline of a child, by UID, for what the server rewrote', () => {
    const desired = decorateChild(appPod(), owner);
    const live = edited(admitted(serverCopy(desired)), (l: V1Pod) => {
      l.spec!.containers.find((c) => c.name === 'app')!.image =
        'nginx@sha256:0d17b565c37bcbd895e9d92315a05c1c';
    });
    const refs = [ref(Pod, 'recreate')];
    const baselines = new Map([[live.metadata!.uid!, baselineOf(desired, live)]]);
    assert.deepEqual(summary(plan([appPod()], [live], refs)), ['recreate Pod/app']);
    assert.deepEqual(plan([appPod()], [live], refs, baselines), []);
    const otherUid = new Map([['uid-someone-else', baselineOf(desired, live)]]);
    assert.deepEqual(summary(plan([appPod()], [live], refs, otherUid)), ['recreate Pod/app']);
  });

  it('puts the live resourceVersion and finalizers on a replace', () => {
    const desired = edited(configMap('c', { a: '2' }), (c) => {
      c.metadata!.finalizers = ['mine.io/x', 'other.io/keep'];
    });
    const live = edited(written(configMap('c', { a: '1' })), (l) => {
      l.metadata.finalizers = ['other.io/keep', 'other.io/more'];
    });
    const [action] = plan([desired], [live]);
    assert.equal(action?.action, 'replace');
    if (action?.action !== 'replace') return;
    assert.equal(action.object.metadata.resourceVersion, live.metadata.resourceVersion);
    assert.deepEqual(action.object.metadata.finalizers, ['other.io/keep', 'other.io/more', 'mine.io/x']);
    assert.equal(action.object.metadata.uid, undefined);
    assert.deepEqual((action.object as typeof desired).data, { a: '2' });
    // What the server then holds is in line: the next plan is empty, whatever finalizers others add.
    const after = edited(serverCopy(action.object), (l) => {
      l.metadata.finalizers = [...l.metadata.finalizers!, 'late.io/z'];
    });
    assert.deepEqual(plan([desired], [after]), []);
  });

  it('recreates a Pod whose spec changed, with the new object', () => {
    const live = written(pod('p', 'nginx:1.27'));
    const [action] = plan([pod('p', 'nginx:1.28')], [live]);
    assert.equal(action?.action, 'recreate');
    if (action?.action !== 'recreate') return;
    assert.equal(action.live, live);
    assert.equal((action.object as PodObject).spec.containers[0]?.image, 'nginx:1.28');
  });

  it('reports a conflict for a name held by another parent’s child, and never writes or deletes it', () => {
    for (const strategy of STRATEGIES) {
      const theirs = foreign(service('s'));
      const actions = plan([service('s', 81)], [theirs], serviceAs(strategy));
      assert.equal(actions.length, 1, strategy);
      const action = actions[0]!;
      assert.equal(action.action, 'conflict');
      if (action.action !== 'conflict') continue;
      assert.equal(action.live, theirs);
      assert.match(
        action.message,
        /^Service "s" in namespace "team-a" already exists and is not controlled by this EchoServer "web": it is controlled by EchoServer "other" \(uid uid-other\)\. Operon does not overwrite/,
      );
    }
    // Not desired at all: still not ours to delete.
    assert.deepEqual(plan([], [foreign(service('s'))]), []);
  });

  it('names the other operator, or the missing controller, in a conflict', () => {
    const otherOperator = edited(written(configMap('c')), (l) => {
      l.metadata.labels![OPERATOR_LABEL] = 'billing';
      l.metadata.ownerReferences = [];
    });
    const [action] = plan([configMap('c')], [otherOperator]);
    assert.equal(action?.action, 'conflict');
    if (action?.action !== 'conflict') return;
    assert.match(action.message, /it has no controller, and belongs to operator "billing"\./);
  });

  it('treats a non-controller reference to the parent as not controlled', () => {
    const live = edited(written(configMap('c')), (l) => {
      l.metadata.ownerReferences![0]!.controller = false;
    });
    assert.deepEqual(summary(plan([configMap('c')], [live])), ['conflict ConfigMap/c']);
    assert.deepEqual(plan([], [live]), []);
  });

  it('deletes only undesired children this parent controls', () => {
    const keep = written(configMap('keep'));
    const gone = written(configMap('gone'));
    const goneSvc = written(service('gone-svc'));
    const sibling = foreign(configMap('sibling'));
    const weakRef = edited(written(configMap('weak')), (l) => {
      l.metadata.ownerReferences![0]!.controller = false;
    });
    const actions = plan([configMap('keep')], [goneSvc, keep, gone, sibling, weakRef]);
    assert.deepEqual(summary(actions), ['delete Service/gone-svc', 'delete ConfigMap/gone']);
    const del = actions[1]!;
    assert.equal(del.action, 'delete');
    assert.equal(del.live, gone);
  });

  it('never deletes objects of undeclared types, even when this parent controls them', () => {
    const secret = { ...written(configMap('s')), kind: 'Secret' };
    assert.deepEqual(plan([], [secret]), []);
  });

  it('deletes every controlled child when sync returns no children', () => {
    const current = [written(pod('p')), written(service('s'))];
    assert.deepEqual(summary(plan([], current)), ['delete Service/s', 'delete Pod/p']);
  });

  it('waits for a child that is already being deleted', () => {
    const terminating = edited(written(pod('p', 'old')), (l) => {
      l.metadata.deletionTimestamp = '2025-01-01T00:00:00Z' as unknown as Date;
    });
    assert.deepEqual(plan([pod('p', 'new')], [terminating]), [], 'no recreate while it terminates');
    assert.deepEqual(plan([], [terminating]), [], 'no second delete');
  });

  it('orders writes before deletes, each by declared type then name', () => {
    const current = [
      written(pod('old-b')),
      written(pod('old-a')),
      written(configMap('old')),
      written(service('s', 80)),
      foreign(configMap('taken')),
    ];
    const actions = plan([pod('new'), configMap('taken'), service('s', 81), configMap('c')], current);
    assert.deepEqual(summary(actions), [
      'apply Service/s',
      'create ConfigMap/c',
      'conflict ConfigMap/taken',
      'create Pod/new',
      'delete ConfigMap/old',
      'delete Pod/old-a',
      'delete Pod/old-b',
    ]);
    // Same input in another order: same plan.
    const again = plan(
      [configMap('c'), service('s', 81), configMap('taken'), pod('new')],
      [...current].reverse(),
    );
    assert.deepEqual(summary(again), summary(actions));
  });

  it('refuses to plan from a response that fails validation', () => {
    assert.throws(
      () => plan([configMap('c'), configMap('c')], [written(configMap('old'))]),
      (e: unknown) =>
        OperonError.hasCode(e, 'SYNC_RESPONSE_INVALID') &&
        /Cannot plan children of EchoServer "web": children\[0\] and children\[1\] are both ConfigMap "c"/.test(
          e.message,
        ),
    );
    assert.throws(
      () => plan([{ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' } }], []),
      OperonError,
    );
  });

  it('ignores cached objects without apiVersion and kind (never deletes them)', () => {
    const bare = edited(written(configMap('c')), (l) => {
      delete l.apiVersion;
      delete l.kind;
    });
    assert.deepEqual(plan([], [bare]), []);
  });

  it('orders by namespace before name under a cluster-scoped parent', () => {
    const tenant = { operatorName: OPERATOR, parent: clusterParent, parentType: Tenant };
    const inNs = (name: string, namespace: string) =>
      edited(configMap(name), (c) => {
        c.metadata!.namespace = namespace;
      });
    const desired = [inNs('a', 'ns-2'), inNs('b', 'ns-1'), inNs('a', 'ns-1')];
    const actions = planChildren({ ...tenant, children: [ref(ConfigMap, 'apply')], desired, current: [] });
    assert.deepEqual(
      actions.map((a) =>
        a.action === 'create' ? `${a.object.metadata.namespace}/${a.object.metadata.name}` : '',
      ),
      ['ns-1/a', 'ns-1/b', 'ns-2/a'],
    );
  });

  it('matches children by namespace too: a same-named child elsewhere is a different object', () => {
    const clusterWide = [ref(ConfigMap, 'apply'), ref(Pod, 'apply')];
    const elsewhere = edited(written(configMap('c')), (l) => {
      l.metadata.namespace = 'elsewhere';
    });
    assert.deepEqual(summary(plan([configMap('c')], [elsewhere], clusterWide)), [
      'create ConfigMap/c',
      'delete ConfigMap/c',
    ]);
  });
});

describe('planChildren with tracked children (another namespace, no owner reference)', () => {
  const cmRefs = [ref(ConfigMap, 'apply', 'settings')];
  const elsewhere = (name: string, data: Record<string, string> = { a: '1' }) => ({
    ...configMap(name, data),
    metadata: { name, namespace: 'elsewhere' },
  });
  const writtenTracked = (desired: KubeObject) => serverCopy(decorateChild(desired, owner, ConfigMap));

  it('creates one, then holds it, and updates it when it changes', () => {
    assert.deepEqual(summary(plan([elsewhere('c')], [], cmRefs)), ['create ConfigMap/c']);
    const live = writtenTracked(elsewhere('c'));
    assert.deepEqual(plan([elsewhere('c')], [live], cmRefs), []);
    assert.deepEqual(summary(plan([elsewhere('c', { a: '2' })], [live], cmRefs)), ['apply ConfigMap/c']);
  });

  it('deletes one sync no longer returns, but never a same-named object it does not track', () => {
    const live = writtenTracked(elsewhere('c'));
    assert.deepEqual(summary(plan([], [live], cmRefs)), ['delete ConfigMap/c']);
    const stranger = serverCopy({
      ...elsewhere('c'),
      metadata: { name: 'c', namespace: 'elsewhere', labels: { [OPERATOR_LABEL]: OPERATOR } },
    });
    assert.deepEqual(plan([], [stranger], cmRefs), []);
    const actions = plan([elsewhere('c')], [stranger], cmRefs);
    assert.deepEqual(summary(actions), ['conflict ConfigMap/c']);
  });
});
