import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ApiClient, ApiRequest } from '../../../src/runtime/api/api-client.js';
import { ApiError } from '../../../src/runtime/api/api-error.js';
import { ChildWriter, CREATE_ONLY_RESOURCE_VERSION } from '../../../src/runtime/reconcile/child-writer.js';
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
const conflict = () =>
  new ApiError(409, 'patch', '/x', { reason: 'Conflict', message: 'the object has been modified' });
const notFound = () => new ApiError(404, 'get', '/x', { reason: 'NotFound', message: 'not found' });

describe('ChildWriter: creating an apply child', () => {
  it('creates with one create-only apply: no read first, the operator owns every field', async () => {
    const created = { ...desired, metadata: { ...desired.metadata, uid: 'new', resourceVersion: '77' } };
    const { api, sent } = scripted(created);
    const done = await new ChildWriter(api, 'my-op').execute(
      { action: 'create', type: ConfigMap, object: desired },
      PARENT,
      'apply',
    );
    assert.equal(sent.length, 1, 'one request');
    assert.equal(sent[0].method, 'PATCH');
    assert.equal(sent[0].contentType, 'application/apply-patch+yaml');
    assert.deepEqual(sent[0].query, { fieldManager: 'my-op', force: true });
    const body = sent[0].body as NamedObject;
    assert.equal(body.metadata.resourceVersion, CREATE_ONLY_RESOURCE_VERSION);
    assert.equal(desired.metadata.resourceVersion, undefined, 'the planned object is not changed');
    assert.equal(done?.written, created);
  });

  it('on a name already taken by its own child (a lagging cache): reads it, writes nothing', async () => {
    const ours = { ...desired, metadata: { ...desired.metadata, uid: 'old' } };
    const { api, sent } = scripted(conflict(), ours);
    const done = await new ChildWriter(api, 'my-op').execute(
      { action: 'create', type: ConfigMap, object: desired },
      PARENT,
      'apply',
    );
    assert.equal(done, undefined);
    assert.deepEqual(
      sent.map((r) => r.method),
      ['PATCH', 'GET'],
    );
  });

  it("on a name taken by someone else's object: NAME_CONFLICT, and it is never applied over", async () => {
    const foreign = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'web', namespace: 'demo', uid: 'x' },
    };
    const { api, sent } = scripted(conflict(), foreign);
    await assert.rejects(
      new ChildWriter(api, 'my-op').execute(
        { action: 'create', type: ConfigMap, object: desired },
        PARENT,
        'apply',
      ),
      (e: unknown) => (e as { code?: string }).code === 'NAME_CONFLICT' && /never takes over/.test(String(e)),
    );
    assert.equal(sent.length, 2, 'the conflict stopped the apply; nothing else was sent');
  });

  it('says so when the object that held the name is gone by the time it is read', async () => {
    const { api } = scripted(conflict(), notFound());
    await assert.rejects(
      new ChildWriter(api, 'my-op').execute(
        { action: 'create', type: ConfigMap, object: desired },
        PARENT,
        'apply',
      ),
      /was deleted while Operon was creating it/,
    );
  });

  it('passes any other failure through', async () => {
    const forbidden = new ApiError(403, 'patch', '/x', { reason: 'Forbidden', message: 'no' });
    const { api, sent } = scripted(forbidden);
    await assert.rejects(
      new ChildWriter(api, 'my-op').execute(
        { action: 'create', type: ConfigMap, object: desired },
        PARENT,
        'apply',
      ),
      (e: unknown) => e === forbidden,
    );
    assert.equal(sent.length, 1);
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
      'replace',
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
      'recreate',
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
