import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { childFieldChanges, removedFields, statusChanges } from '../../../src/plan/field-diff.js';
import { DESIRED_HASH_ANNOTATION } from '../../../src/runtime/planner/ownership.js';
import type { KubeObject } from '../../../src/types/kube-object.js';

const pod = (spec: Record<string, unknown>, metadata: Record<string, unknown> = {}): KubeObject =>
  ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', ...metadata }, spec }) as KubeObject;

describe('childFieldChanges', () => {
  it('lists every field the desired object sets and the live one does not hold, old and new', () => {
    const desired = pod({
      replicas: 3,
      containers: [{ name: 'app', image: 'nginx:1.28', args: ['-a', '-b'] }],
    });
    const live = pod({ replicas: 2, containers: [{ name: 'app', image: 'nginx:1.27', args: ['-a'] }] });
    assert.deepEqual(childFieldChanges(desired, live), [
      { path: 'spec.replicas', op: 'change', from: 2, to: 3 },
      { path: 'spec.containers[name=app].image', op: 'change', from: 'nginx:1.27', to: 'nginx:1.28' },
      { path: 'spec.containers[name=app].args', op: 'change', from: ['-a'], to: ['-a', '-b'] },
    ]);
  });

  it('ignores what the API server and others add, quantities written differently, and empty values', () => {
    const desired = pod({
      containers: [{ name: 'app', image: 'x', resources: { limits: { cpu: '0.5' } }, env: [] }],
      ports: [{ port: 80 }],
    });
    const live = pod(
      {
        containers: [
          { name: 'sidecar', image: 'proxy' },
          {
            name: 'app',
            image: 'x',
            resources: { limits: { cpu: '500m' } },
            terminationMessagePath: '/dev/x',
          },
        ],
        ports: [{ port: 80, protocol: 'TCP' }],
        dnsPolicy: 'ClusterFirst',
      },
      { uid: 'u', resourceVersion: '7', labels: { added: 'by-webhook' } },
    );
    assert.deepEqual(childFieldChanges(desired, live), []);
  });

  it('shows a list entry no live entry holds as added, and one with a changed key field inside its counterpart', () => {
    const desired = pod({
      ports: [
        { name: 'http', port: 80, targetPort: 8080 },
        { name: 'metrics', port: 9090 },
      ],
    });
    const live = pod({ ports: [{ name: 'http', port: 80, targetPort: 8081, protocol: 'TCP' }] });
    assert.deepEqual(childFieldChanges(desired, live), [
      { path: 'spec.ports[port=80,protocol=TCP].targetPort', op: 'change', from: 8081, to: 8080 },
      { path: 'spec.ports[port=9090,protocol=TCP]', op: 'add', to: { name: 'metrics', port: 9090 } },
    ]);
  });

  it('leaves out apiVersion, kind, resourceVersion and the desired-hash annotation; quotes keys that are not identifiers', () => {
    const desired = pod(
      {},
      {
        resourceVersion: '9',
        labels: { 'app.kubernetes.io/name': 'web' },
        annotations: { [DESIRED_HASH_ANNOTATION]: 'new' },
      },
    );
    const live = {
      ...pod({}, { resourceVersion: '8', annotations: { [DESIRED_HASH_ANNOTATION]: 'old' } }),
      apiVersion: 'v2',
    };
    assert.deepEqual(childFieldChanges(desired, live), [
      { path: 'metadata.labels["app.kubernetes.io/name"]', op: 'add', to: 'web' },
    ]);
  });
});

describe('removedFields', () => {
  const desired = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' }, data: { greeting: 'hi' } };
  const applied = (fieldsV1: Record<string, unknown>, manager = 'greeter', operation = 'Apply') => ({
    manager,
    operation,
    fieldsType: 'FieldsV1',
    fieldsV1,
  });

  it("lists what the manager's Apply entry owns and the desired object no longer sets, with the live value", () => {
    const live = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'cm',
        managedFields: [
          applied({
            'f:data': { 'f:greeting': {}, 'f:mode': {} },
            'f:metadata': { 'f:labels': { 'f:x': {} } },
          }),
          // Another manager's fields are not Operon's to remove.
          applied({ 'f:data': { 'f:theirs': {} } }, 'kubectl'),
          // Its own Update entry (the POST that created the child) is merged into the Apply entry
          // before the apply, so its fields go too.
          applied({ 'f:data': { 'f:posted': {} } }, 'greeter', 'Update'),
        ],
        labels: { x: '1' },
      },
      data: { greeting: 'hello', mode: 'v1', theirs: 't', posted: 'p' },
    } as KubeObject;
    assert.deepEqual(removedFields(desired, live, 'greeter'), [
      { path: 'data.mode', op: 'remove', from: 'v1' },
      { path: 'metadata.labels.x', op: 'remove', from: '1' },
      { path: 'data.posted', op: 'remove', from: 'p' },
    ]);
  });

  it('follows list entries by merge key (protocol defaulted) and reports a dropped entry once, whole', () => {
    const live = {
      kind: 'Service',
      metadata: {
        name: 's',
        managedFields: [
          applied({
            'f:spec': {
              'f:ports': {
                'k:{"port":80,"protocol":"TCP"}': { '.': {}, 'f:port': {}, 'f:name': {} },
                'k:{"port":9090,"protocol":"TCP"}': { '.': {}, 'f:port': {} },
              },
            },
          }),
        ],
      },
      spec: {
        ports: [
          { name: 'http', port: 80, protocol: 'TCP' },
          { port: 9090, protocol: 'TCP' },
        ],
      },
    } as KubeObject;
    const desired = { kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ port: 80 }] } };
    assert.deepEqual(removedFields(desired, live, 'greeter'), [
      { path: 'spec.ports[port=80,protocol=TCP].name', op: 'remove', from: 'http' },
      { path: 'spec.ports[port=9090,protocol=TCP]', op: 'remove', from: { port: 9090, protocol: 'TCP' } },
    ]);
  });

  it('counts the Update entry of a child Operon created by POST once its writer would adopt it', () => {
    const live = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'cm',
        managedFields: [
          applied({ 'f:data': { '.': {}, 'f:greeting': {}, 'f:mode': {} } }, 'greeter', 'Update'),
        ],
      },
      data: { greeting: 'hello', mode: 'v1' },
    } as KubeObject;
    assert.deepEqual(removedFields(desired, live, 'greeter'), [
      { path: 'data.mode', op: 'remove', from: 'v1' },
    ]);
    const other = {
      ...live,
      metadata: {
        ...live.metadata,
        managedFields: [applied({ 'f:data': { 'f:mode': {} } }, 'kubectl', 'Update')],
      },
    };
    assert.deepEqual(removedFields(desired, other, 'greeter'), [], "another manager's fields stay");
  });

  it('reports nothing for fields already gone, or when there is no managedFields', () => {
    const live = {
      metadata: { name: 'cm', managedFields: [applied({ 'f:data': { 'f:gone': {} } })] },
      data: {},
    } as KubeObject;
    assert.deepEqual(removedFields({ metadata: { name: 'cm' } }, live, 'greeter'), []);
    assert.deepEqual(
      removedFields({ metadata: { name: 'cm' } }, { metadata: { name: 'cm' } }, 'greeter'),
      [],
    );
  });
});

describe('statusChanges', () => {
  it('compares the whole status, conditions by type', () => {
    const live = {
      greeting: 'hello',
      old: true,
      observedGeneration: 1,
      conditions: [
        { type: 'Synced', status: 'True', reason: 'Synced' },
        { type: 'Ready', status: 'True' },
      ],
    };
    const next = {
      greeting: 'hi',
      observedGeneration: 2,
      conditions: [
        { type: 'Synced', status: 'True', reason: 'Recreating' },
        { type: 'Fresh', status: 'False' },
      ],
    };
    assert.deepEqual(statusChanges(next, live), [
      { path: 'status.greeting', op: 'change', from: 'hello', to: 'hi' },
      { path: 'status.observedGeneration', op: 'change', from: 1, to: 2 },
      { path: 'status.conditions[type=Synced].reason', op: 'change', from: 'Synced', to: 'Recreating' },
      { path: 'status.conditions[type=Fresh]', op: 'add', to: { type: 'Fresh', status: 'False' } },
      { path: 'status.conditions[type=Ready]', op: 'remove', from: { type: 'Ready', status: 'True' } },
      { path: 'status.old', op: 'remove', from: true },
    ]);
  });

  it('treats a missing live status as empty', () => {
    assert.deepEqual(statusChanges({ n: 1 }, undefined), [{ path: 'status.n', op: 'add', to: 1 }]);
  });
});
