import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ApiClient, ApiRequest } from '../../../src/runtime/api/api-client.js';
import { ApiError } from '../../../src/runtime/api/api-error.js';
import { ChildWriter } from '../../../src/runtime/reconcile/child-writer.js';
import { ConfigMap, Pod } from '../../../src/types/index.js';
import type { NamedObject } from '../../../src/types/kube-object.js';

/** An API client that answers each request with the next scripted answer (an Error is thrown). */
function scripted(...answers: unknown[]): { api: ApiClient; sent: ApiRequest[] } {
  const sent: ApiRequest[] = [];
  const api = {
    request: async (r: ApiRequest) => {
      sent.push(r);
      const next = answers.shift();
      if (next instanceof Error) throw next;
      return next;
    },
  } as unknown as ApiClient;
  return { api, sent };
}

const PARENT = 'parent-uid';
const desired: NamedObject & { data: Record<string, string> } = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: {
    name: 'web',
    namespace: 'demo',
    ownerReferences: [{ apiVersion: 'x/v1', kind: 'P', name: 'p', uid: PARENT, controller: true }],
  },
  data: { a: '1' },
};
const alreadyExists = () => new ApiError(409, 'create', '/x', { reason: 'AlreadyExists', message: 'exists' });
const invalid = () => new ApiError(422, 'patch', '/x', { reason: 'Invalid', message: 'test failed' });
const notFound = () => new ApiError(404, 'get', '/x', { reason: 'NotFound', message: 'not found' });

describe('ChildWriter: creating a child', () => {
  it("creates with one POST under the operator's field manager: no read first", async () => {
    const created = { ...desired, metadata: { ...desired.metadata, uid: 'new', resourceVersion: '77' } };
    const { api, sent } = scripted(created);
    const done = await new ChildWriter(api, 'my-op').execute(
      { action: 'create', type: ConfigMap, object: desired },
      PARENT,
    );
    assert.equal(sent.length, 1, 'one request');
    assert.equal(sent[0].method, 'POST');
    assert.equal(sent[0].path, '/api/v1/namespaces/demo/configmaps');
    assert.deepEqual(sent[0].query, { fieldManager: 'my-op' });
    assert.equal(sent[0].body, desired);
    assert.equal(done?.written, created);
  });

  it('on a name already taken by its own child (a lagging cache): reads it, writes nothing', async () => {
    const ours = { ...desired, metadata: { ...desired.metadata, uid: 'old' } };
    const { api, sent } = scripted(alreadyExists(), ours);
    const done = await new ChildWriter(api, 'my-op').execute(
      { action: 'create', type: ConfigMap, object: desired },
      PARENT,
    );
    assert.equal(done, undefined);
    assert.deepEqual(
      sent.map((r) => r.method),
      ['POST', 'GET'],
    );
  });

  it("on a name taken by someone else's object: NAME_CONFLICT, and it is never written over", async () => {
    const foreign = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'web', namespace: 'demo', uid: 'x' },
    };
    const { api, sent } = scripted(alreadyExists(), foreign);
    await assert.rejects(
      new ChildWriter(api, 'my-op').execute({ action: 'create', type: ConfigMap, object: desired }, PARENT),
      (e: unknown) => (e as { code?: string }).code === 'NAME_CONFLICT' && /never takes over/.test(String(e)),
    );
    assert.equal(sent.length, 2, 'the conflict stopped the create; nothing else was sent');
  });

  it('says so when the object that held the name is gone by the time it is read', async () => {
    const { api } = scripted(alreadyExists(), notFound());
    await assert.rejects(
      new ChildWriter(api, 'my-op').execute({ action: 'create', type: ConfigMap, object: desired }, PARENT),
      /was deleted while Operon was creating it/,
    );
  });

  it('passes any other failure through', async () => {
    const forbidden = new ApiError(403, 'create', '/x', { reason: 'Forbidden', message: 'no' });
    const { api, sent } = scripted(forbidden);
    await assert.rejects(
      new ChildWriter(api, 'my-op').execute({ action: 'create', type: ConfigMap, object: desired }, PARENT),
      (e: unknown) => e === forbidden,
    );
    assert.equal(sent.length, 1);
  });
});

describe('ChildWriter: applying a child its POST created', () => {
  const entry = (manager: string, operation: string, fieldsV1: object, extra: object = {}) => ({
    manager,
    operation,
    apiVersion: 'v1',
    time: '2026-12-01T00:00:00Z',
    fieldsType: 'FieldsV1',
    fieldsV1,
    ...extra,
  });
  const postFields = { 'f:data': { '.': {}, 'f:a': {}, 'f:b': {} } };
  const live = (managedFields: object[], data: Record<string, string> = { a: '1', b: '2' }) => ({
    ...desired,
    metadata: { ...desired.metadata, uid: 'cm-uid', resourceVersion: '10', managedFields },
    data,
  });
  const applied = { ...desired, metadata: { ...desired.metadata, uid: 'cm-uid', resourceVersion: '12' } };

  it('applies in one request when the desired object sets every field the child has', async () => {
    const { api, sent } = scripted(applied);
    const edited: NamedObject = { ...desired, data: { a: '9' } } as NamedObject;
    await new ChildWriter(api, 'my-op').execute(
      {
        action: 'apply',
        type: ConfigMap,
        object: edited,
        live: live([entry('my-op', 'Update', postFields)], { a: '1' }),
      },
      PARENT,
    );
    assert.deepEqual(
      sent.map((r) => r.contentType),
      ['application/apply-patch+yaml'],
    );
  });

  it('relabels its Update entry Apply first when the apply drops a field, guarded by tests', async () => {
    const { api, sent } = scripted({}, applied);
    const managed = [entry('kubectl', 'Update', { 'f:metadata': {} }), entry('my-op', 'Update', postFields)];
    await new ChildWriter(api, 'my-op').execute(
      { action: 'apply', type: ConfigMap, object: desired, live: live(managed) },
      PARENT,
    );
    assert.deepEqual(
      sent.map((r) => r.contentType),
      ['application/json-patch+json', 'application/apply-patch+yaml'],
    );
    assert.deepEqual(sent[0].body, [
      { op: 'test', path: '/metadata/resourceVersion', value: '10' },
      { op: 'test', path: '/metadata/managedFields/1/manager', value: 'my-op' },
      { op: 'test', path: '/metadata/managedFields/1/operation', value: 'Update' },
      { op: 'replace', path: '/metadata/managedFields/1/operation', value: 'Apply' },
    ]);
    assert.deepEqual(sent[0].query, { fieldManager: 'my-op' });
  });

  it('leaves the entries of other managers and subresources alone', async () => {
    const { api, sent } = scripted(applied);
    const managed = [
      entry('kubectl', 'Update', postFields),
      entry('my-op', 'Update', postFields, { subresource: 'status' }),
    ];
    await new ChildWriter(api, 'my-op').execute(
      { action: 'apply', type: ConfigMap, object: desired, live: live(managed) },
      PARENT,
    );
    assert.equal(sent.length, 1, 'nothing of its own to adopt: just the apply');
  });

  it('merges an Update and an Apply entry into one Apply entry after reading the child', async () => {
    const managed = [
      entry('my-op', 'Apply', { 'f:data': { 'f:a': {} } }),
      entry('my-op', 'Update', postFields),
      entry('kubectl', 'Update', { 'f:metadata': { 'f:labels': {} } }),
    ];
    const { api, sent } = scripted(live(managed), {}, applied);
    await new ChildWriter(api, 'my-op').execute(
      { action: 'apply', type: ConfigMap, object: desired, live: live(managed) },
      PARENT,
    );
    assert.deepEqual(
      sent.map((r) => r.method),
      ['GET', 'PATCH', 'PATCH'],
    );
    assert.deepEqual(sent[1].body, [
      { op: 'test', path: '/metadata/resourceVersion', value: '10' },
      {
        op: 'replace',
        path: '/metadata/managedFields',
        value: [
          entry('kubectl', 'Update', { 'f:metadata': { 'f:labels': {} } }),
          entry('my-op', 'Apply', { 'f:data': { 'f:a': {}, '.': {}, 'f:b': {} } }),
        ],
      },
    ]);
  });

  it('reads the child when the relabel finds its entry moved (a stale cache), then merges', async () => {
    const moved = [entry('other', 'Update', {}), entry('my-op', 'Update', postFields)];
    const { api, sent } = scripted(invalid(), live(moved), {}, applied);
    await new ChildWriter(api, 'my-op').execute(
      {
        action: 'apply',
        type: ConfigMap,
        object: desired,
        live: live([entry('my-op', 'Update', postFields)]),
      },
      PARENT,
    );
    assert.deepEqual(
      sent.map((r) => r.method),
      ['PATCH', 'GET', 'PATCH', 'PATCH'],
    );
    const rewritten = (sent[2].body as { value?: unknown }[])[1].value;
    assert.deepEqual(rewritten, [entry('other', 'Update', {}), entry('my-op', 'Apply', postFields)]);
  });

  it('fails the pass, to be retried, when the child changes between the read and the rewrite', async () => {
    const managed = [entry('my-op', 'Apply', {}), entry('my-op', 'Update', postFields)];
    const { api, sent } = scripted(live(managed), invalid());
    await assert.rejects(
      new ChildWriter(api, 'my-op').execute(
        { action: 'apply', type: ConfigMap, object: desired, live: live(managed) },
        PARENT,
      ),
      (e: unknown) => (e as { code?: string }).code === 'API_ERROR' && /will try again/.test(String(e)),
    );
    assert.equal(sent.length, 2, 'no apply without the fields adopted');
  });
});

describe('ChildWriter: other strategies', () => {
  it('creates a replace child with a POST, and treats AlreadyExists of its own as done', async () => {
    const exists = new ApiError(409, 'create', '/x', { reason: 'AlreadyExists', message: 'exists' });
    const ours = { ...desired, metadata: { ...desired.metadata, uid: 'old' } };
    const { api, sent } = scripted(exists, ours);
    const done = await new ChildWriter(api, 'my-op').execute(
      { action: 'create', type: ConfigMap, object: desired },
      PARENT,
    );
    assert.equal(done, undefined);
    assert.deepEqual(
      sent.map((r) => r.method),
      ['POST', 'GET'],
    );
  });

  it('deletes with a UID precondition, and a Pod in the background', async () => {
    const live = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', namespace: 'demo', uid: 'pod-uid' },
    };
    const { api, sent } = scripted({ kind: 'Status' });
    const done = await new ChildWriter(api, 'my-op').execute(
      { action: 'recreate', type: Pod, object: live, live },
      PARENT,
    );
    assert.equal(done?.written, null, 'gone at once');
    assert.deepEqual(sent[0].body, {
      apiVersion: 'v1',
      kind: 'DeleteOptions',
      propagationPolicy: 'Background',
      preconditions: { uid: 'pod-uid' },
    });
  });
});
