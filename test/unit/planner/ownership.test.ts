import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DESIRED_HASH_ANNOTATION,
  decorateChild,
  desiredHash,
  foldStringData,
  isControlledBy,
  isTracked,
  isTrackedPlacement,
  OPERATOR_LABEL,
  PARENT_ANNOTATION,
  PARENT_UID_LABEL,
  parentUidIndex,
} from '../../../src/runtime/planner/index.js';
import { ClusterRole, ConfigMap, Namespace } from '../../../src/types/builtins.js';
import type { KubeObject } from '../../../src/types/kube-object.js';
import {
  clusterParent,
  configMap,
  EchoServer,
  edited,
  NS,
  OPERATOR,
  parent,
  secret,
  Tenant,
} from './fixtures.js';

const owner = { operatorName: OPERATOR, parent, parentType: EchoServer };
const parentRef = {
  apiVersion: 'example.com/v1alpha1',
  kind: 'EchoServer',
  name: 'web',
  uid: 'uid-parent',
  controller: true,
  blockOwnerDeletion: true,
};

describe('decorateChild', () => {
  it('defaults the namespace to the parent’s', () => {
    assert.equal(decorateChild(configMap('c'), owner).metadata.namespace, NS);
  });

  it('keeps an explicit namespace', () => {
    const cm = edited(configMap('c'), (c) => {
      c.metadata!.namespace = NS;
    });
    assert.equal(decorateChild(cm, owner).metadata.namespace, NS);
  });

  it('adds no namespace under a cluster-scoped parent', () => {
    const role: KubeObject = {
      apiVersion: ClusterRole.apiVersion,
      kind: 'ClusterRole',
      metadata: { name: 'r' },
    };
    const out = decorateChild(role, { operatorName: OPERATOR, parent: clusterParent, parentType: Tenant });
    assert.equal('namespace' in out.metadata, false);
  });

  it('sets the operator label, keeping the author’s labels and overriding a forged one', () => {
    const cm = edited(configMap('c'), (c) => {
      c.metadata!.labels = { app: 'x', [OPERATOR_LABEL]: 'someone-else' };
    });
    assert.deepEqual(decorateChild(cm, owner).metadata.labels, { app: 'x', [OPERATOR_LABEL]: OPERATOR });
  });

  it('adds the controller owner reference to the parent', () => {
    assert.deepEqual(decorateChild(configMap('c'), owner).metadata.ownerReferences, [parentRef]);
  });

  it('merges the author’s owner references and never duplicates the parent’s', () => {
    const other = { apiVersion: 'v1', kind: 'ConfigMap', name: 'anchor', uid: 'uid-anchor' };
    const cm = edited(configMap('c'), (c) => {
      c.metadata!.ownerReferences = [
        other,
        { apiVersion: 'example.com/v1alpha1', kind: 'EchoServer', name: 'web', uid: 'uid-parent' },
      ];
    });
    assert.deepEqual(decorateChild(cm, owner).metadata.ownerReferences, [parentRef, other]);
  });

  it('annotates the hash of the desired object, keeping the author’s annotations', () => {
    const cm = edited(configMap('c'), (c) => {
      c.metadata!.annotations = { note: 'hi' };
    });
    const out = decorateChild(cm, owner);
    assert.deepEqual(out.metadata.annotations, { note: 'hi', [DESIRED_HASH_ANNOTATION]: desiredHash(cm) });
  });

  it('returns a new object and leaves the input untouched', () => {
    const cm = configMap('c');
    const before = structuredClone(cm);
    const out = decorateChild(cm, owner);
    assert.deepEqual(cm, before);
    assert.notEqual(out.metadata, cm.metadata);
  });

  it('drops server-set metadata and status copied from a live object', () => {
    const copied = edited(configMap('c'), (c) => {
      Object.assign(c.metadata!, { uid: 'u', resourceVersion: '7', generation: 2, managedFields: [] });
      Object.assign(c, { status: { phase: 'x' } });
    });
    const out = decorateChild(copied, owner) as KubeObject & { status?: unknown };
    assert.equal(out.metadata?.uid, undefined);
    assert.equal(out.metadata?.resourceVersion, undefined);
    assert.equal(out.metadata?.generation, undefined);
    assert.equal(out.metadata?.managedFields, undefined);
    assert.equal(out.status, undefined);
  });
});

describe('decorateChild of a Secret with stringData', () => {
  const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

  it('folds stringData into base64 data, as the API server stores it', () => {
    const out = decorateChild(secret('s', { password: 's3cret', note: 'héllo ✓' }), owner) as KubeObject & {
      data?: Record<string, string>;
    };
    assert.deepEqual(out.data, { password: 'czNjcmV0', note: 'aMOpbGxvIOKckw==' });
    assert.equal('stringData' in out, false);
  });

  it('lets stringData win over data for the same key, and keeps the other data keys', () => {
    const both = { ...secret('s', { a: 'from-string-data' }), data: { a: b64('from-data'), b: b64('kept') } };
    assert.deepEqual(foldStringData(both), {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's' },
      data: { a: b64('from-string-data'), b: b64('kept') },
    });
  });

  it('hashes before writing: the folded form and the same data written by hand hash alike', () => {
    const byHand = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's' },
      data: { password: b64('s3cret') },
    };
    assert.equal(desiredHash(secret('s')), desiredHash(byHand));
    assert.equal(
      decorateChild(secret('s'), owner).metadata.annotations?.[DESIRED_HASH_ANNOTATION],
      desiredHash(secret('s')),
    );
  });

  it('drops an empty stringData', () => {
    assert.deepEqual(foldStringData(secret('s', {})), {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's' },
    });
  });

  it('leaves other kinds, other API groups, and a stringData with a non-string value alone', () => {
    const custom = { ...secret('s'), apiVersion: 'example.com/v1' };
    const notSecret = { ...secret('s'), kind: 'ConfigMap' };
    const numeric = { ...secret('s'), stringData: { port: 80 } };
    for (const obj of [custom, notSecret, numeric]) assert.equal(foldStringData(obj), obj);
  });

  it('leaves the author’s object untouched', () => {
    const s = secret('s');
    const before = structuredClone(s);
    decorateChild(s, owner);
    assert.deepEqual(s, before);
  });
});

describe('desiredHash', () => {
  it('is 16 hex digits and ignores key order', () => {
    const a = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { x: '1', y: '2' } };
    const b = { data: { y: '2', x: '1' }, metadata: { name: 'c' }, kind: 'ConfigMap', apiVersion: 'v1' };
    assert.match(desiredHash(a), /^[0-9a-f]{16}$/);
    assert.equal(desiredHash(a), desiredHash(b));
  });

  it('changes when a field changes or is removed', () => {
    const base = configMap('c', { x: '1', y: '2' });
    assert.notEqual(desiredHash(base), desiredHash(configMap('c', { x: '1', y: '3' })));
    assert.notEqual(desiredHash(base), desiredHash(configMap('c', { x: '1' })));
  });

  it('ignores what a live object adds, so copying one does not change it', () => {
    const base = configMap('c');
    const copied = edited(base, (c) => {
      Object.assign(c.metadata!, {
        uid: 'u',
        resourceVersion: '9',
        creationTimestamp: '2025-01-01T00:00:00Z',
        labels: { [OPERATOR_LABEL]: OPERATOR },
        annotations: { [DESIRED_HASH_ANNOTATION]: 'old' },
      });
      Object.assign(c, { status: { ready: true } });
    });
    assert.equal(desiredHash(copied), desiredHash(base));
  });

  it('drops undefined members as JSON does', () => {
    const a = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { x: '1' } };
    const b = { ...a, immutable: undefined };
    assert.equal(desiredHash(a), desiredHash(b));
  });
});

describe('isControlledBy', () => {
  const withRefs = (refs: { uid: string; controller?: boolean }[]): KubeObject => ({
    metadata: {
      name: 'x',
      ownerReferences: refs.map((r) => ({ apiVersion: 'v1', kind: 'K', name: 'n', ...r })),
    },
  });

  it('is true for a controller reference with the parent’s UID', () => {
    assert.equal(isControlledBy(withRefs([{ uid: 'p', controller: true }]), 'p'), true);
  });
  it('is false for a non-controller reference with the parent’s UID', () => {
    assert.equal(isControlledBy(withRefs([{ uid: 'p' }, { uid: 'q', controller: true }]), 'p'), false);
  });
  it('is false for another parent’s controller reference, or none', () => {
    assert.equal(isControlledBy(withRefs([{ uid: 'q', controller: true }]), 'p'), false);
    assert.equal(isControlledBy({ metadata: { name: 'x' } }, 'p'), false);
  });
});

describe('tracked children (no owner reference can reach them)', () => {
  const tracked = (obj: KubeObject) =>
    decorateChild(obj, owner, obj.kind === 'Namespace' ? Namespace : ConfigMap);

  it('places a cluster-scoped child or one in another namespace of a namespaced parent as tracked', () => {
    assert.equal(isTrackedPlacement(Namespace, undefined, parent, EchoServer), true);
    assert.equal(isTrackedPlacement(ConfigMap, 'elsewhere', parent, EchoServer), true);
    assert.equal(isTrackedPlacement(ConfigMap, NS, parent, EchoServer), false);
    assert.equal(isTrackedPlacement(ConfigMap, undefined, parent, EchoServer), false);
    // A cluster-scoped parent can own anything.
    assert.equal(isTrackedPlacement(ClusterRole, undefined, clusterParent, Tenant), false);
    assert.equal(isTrackedPlacement(ConfigMap, 'ns-1', clusterParent, Tenant), false);
  });

  it('labels a tracked child with the parent UID and names the parent, with no owner reference', () => {
    const out = tracked({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'tenant-a' } });
    assert.equal(out.metadata.ownerReferences, undefined);
    assert.equal(out.metadata.namespace, undefined);
    assert.equal(out.metadata.labels?.[PARENT_UID_LABEL], 'uid-parent');
    assert.equal(out.metadata.labels?.[OPERATOR_LABEL], OPERATOR);
    assert.equal(out.metadata.annotations?.[PARENT_ANNOTATION], `${NS}/web`);
    const cm = tracked({ ...configMap('c'), metadata: { name: 'c', namespace: 'elsewhere' } });
    assert.equal(cm.metadata.namespace, 'elsewhere');
    assert.equal(cm.metadata.ownerReferences, undefined);
    assert.equal(isControlledBy(cm, 'uid-parent'), true);
    assert.equal(isTracked(cm), true);
  });

  it('drops an author reference to the parent (it could not cross namespaces) and keeps the others', () => {
    const other = { apiVersion: 'v1', kind: 'ConfigMap', name: 'o', uid: 'uid-o' };
    const cm = tracked({
      ...configMap('c'),
      metadata: { name: 'c', namespace: 'elsewhere', ownerReferences: [{ ...parentRef }, other] },
    });
    assert.deepEqual(cm.metadata.ownerReferences, [other]);
  });

  it('hashes a tracked child as the author wrote it, whatever Operon’s label and annotation say', () => {
    const first = tracked({ ...configMap('c'), metadata: { name: 'c', namespace: 'elsewhere' } });
    const again = tracked(first);
    assert.equal(
      again.metadata.annotations?.[DESIRED_HASH_ANNOTATION],
      first.metadata.annotations?.[DESIRED_HASH_ANNOTATION],
    );
  });

  it('never lets the label override another controller, and files children under their parent UID', () => {
    const foreign: KubeObject = {
      metadata: {
        name: 'x',
        labels: { [PARENT_UID_LABEL]: 'uid-parent' },
        ownerReferences: [{ apiVersion: 'v1', kind: 'X', name: 'x', uid: 'uid-other', controller: true }],
      },
    };
    assert.equal(isControlledBy(foreign, 'uid-parent'), false);
    assert.equal(isTracked(foreign), false);
    assert.deepEqual(parentUidIndex(foreign), ['uid-other']);
    assert.deepEqual(parentUidIndex({ metadata: { name: 'y', labels: { [PARENT_UID_LABEL]: 'p' } } }), ['p']);
    assert.deepEqual(parentUidIndex({ metadata: { name: 'z' } }), []);
  });
});
