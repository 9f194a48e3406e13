import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IsInt, Max, Min } from 'class-validator';
import { customResource } from '../../../src/types/custom-resource.js';
import {
  type AdmissionRequest,
  admitParent,
  MalformedReviewError,
  parseAdmissionReview,
  sameJson,
} from '../../../src/webhooks/index.js';
import { AtMost } from '../../support/at-most.js';

class ShardSpec {
  @IsInt() @Min(1) @Max(5) replicas!: number;
  @IsInt() @Min(0) @AtMost('replicas') minAvailable = 0;
}

const Shard = customResource({ group: 'hook.operon.test', version: 'v1', kind: 'Shard', spec: ShardSpec });
const admission = { type: Shard, specs: [ShardSpec] };

function review(request: Partial<AdmissionRequest> & Record<string, unknown>): string {
  return JSON.stringify({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: 'u-1',
      kind: { group: 'hook.operon.test', version: 'v1', kind: 'Shard' },
      resource: { group: 'hook.operon.test', version: 'v1', resource: 'shards' },
      operation: 'CREATE',
      name: 'web',
      namespace: 'demo',
      object: { apiVersion: 'hook.operon.test/v1', kind: 'Shard', metadata: { name: 'web' }, spec: {} },
      ...request,
    },
  });
}

const shard = (spec: object, metadata: object = { name: 'web' }) => ({
  apiVersion: 'hook.operon.test/v1',
  kind: 'Shard',
  metadata,
  spec,
});

describe('parseAdmissionReview', () => {
  it('reads a v1 review', () => {
    const r = parseAdmissionReview(review({ object: shard({ replicas: 2 }) }));
    assert.equal(r.uid, 'u-1');
    assert.equal(r.operation, 'CREATE');
    assert.deepEqual((r.object as { spec?: unknown }).spec, { replicas: 2 });
  });

  it('refuses what is not a v1 AdmissionReview, saying what is wrong', () => {
    const cases: [string, RegExp][] = [
      ['{', /not JSON/],
      ['[]', /not a JSON object/],
      [JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'Pod' }), /expected kind AdmissionReview/],
      [
        JSON.stringify({ apiVersion: 'admission.k8s.io/v1beta1', kind: 'AdmissionReview', request: {} }),
        /expected apiVersion admission\.k8s\.io\/v1.*admissionReviewVersions: \['v1'\]/,
      ],
      [JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' }), /has no request/],
      [review({ uid: '' }), /request\.uid is missing/],
      [review({ operation: 'PATCH' as never }), /not an operation/],
      [review({ resource: { group: 'x' } as never }), /request\.resource must have/],
      [review({ object: undefined }), /a CREATE review must carry request\.object/],
      [review({ operation: 'UPDATE' }), /an UPDATE review must carry request\.oldObject/],
      [review({ object: 'x' as never }), /request\.object must be an object/],
    ];
    for (const [body, message] of cases) {
      assert.throws(
        () => parseAdmissionReview(body),
        (e: unknown) => e instanceof MalformedReviewError && message.test(e.message),
        body,
      );
    }
  });
});

describe('admitParent', () => {
  const request = (extra: Partial<AdmissionRequest>): AdmissionRequest =>
    parseAdmissionReview(review(extra as Record<string, unknown>));

  it('allows a valid spec on CREATE', async () => {
    const r = await admitParent(admission, request({ object: shard({ replicas: 3, minAvailable: 2 }) }));
    assert.deepEqual(r, { uid: 'u-1', allowed: true });
  });

  it("refuses a cross-field violation with class-validator's message, as the operator words it", async () => {
    const r = await admitParent(admission, request({ object: shard({ replicas: 2, minAvailable: 3 }) }));
    assert.equal(r.allowed, false);
    assert.equal(r.status?.code, 422);
    assert.equal(r.status?.reason, 'Invalid');
    assert.equal(
      r.status?.message,
      'The spec is invalid: spec.minAvailable: minAvailable (3) must not be greater than replicas',
    );
    assert.deepEqual(r.status?.details?.causes, [
      {
        reason: 'FieldValueInvalid',
        field: 'spec.minAvailable',
        message: 'minAvailable (3) must not be greater than replicas',
      },
    ]);
    assert.equal(r.status?.details?.kind, 'Shard');
  });

  it('lists every problem, and applies defaults from property initialisers as the operator does', async () => {
    const r = await admitParent(admission, request({ object: shard({ replicas: 9 }) }));
    assert.equal(r.allowed, false);
    assert.match(r.status?.message ?? '', /spec\.replicas: replicas must not be greater than 5/);
    const missing = await admitParent(admission, request({ object: shard({}) }));
    assert.match(missing.status?.message ?? '', /spec\.replicas:/);
  });

  it('judges an UPDATE only when the spec changed', async () => {
    const bad = shard({ replicas: 2, minAvailable: 3 });
    const labelled = shard({ replicas: 2, minAvailable: 3 }, { name: 'web', labels: { a: 'b' } });
    const same = await admitParent(
      admission,
      request({ operation: 'UPDATE', oldObject: bad, object: labelled }),
    );
    assert.equal(
      same.allowed,
      true,
      'metadata-only updates (finalizers, labels) pass even on an invalid parent',
    );
    const reordered = await admitParent(
      admission,
      request({ operation: 'UPDATE', oldObject: bad, object: shard({ minAvailable: 3, replicas: 2 }) }),
    );
    assert.equal(reordered.allowed, true, 'key order is not a change');
    const changed = await admitParent(
      admission,
      request({ operation: 'UPDATE', oldObject: shard({ replicas: 3 }), object: bad }),
    );
    assert.equal(changed.allowed, false);
  });

  it('allows an object being deleted, subresources, DELETE, and warns about a type it does not validate', async () => {
    const bad = shard({ replicas: 2, minAvailable: 3 });
    const deleting = shard(
      { replicas: 1, minAvailable: 4 },
      { name: 'web', deletionTimestamp: '2026-01-01T00:00:00Z' },
    );
    assert.equal(
      (await admitParent(admission, request({ operation: 'UPDATE', oldObject: deleting, object: bad })))
        .allowed,
      true,
    );
    assert.equal(
      (await admitParent(admission, request({ subResource: 'status', object: bad }))).allowed,
      true,
    );
    assert.equal(
      (await admitParent(admission, request({ operation: 'DELETE', oldObject: bad }))).allowed,
      true,
    );
    const other = await admitParent(
      admission,
      request({ resource: { group: 'apps', version: 'v1', resource: 'deployments' }, object: bad }),
    );
    assert.equal(other.allowed, true);
    assert.match(other.warnings?.[0] ?? '', /was sent deployments\.apps, which it does not validate/);
  });

  it('needs every operator of the type to agree', async () => {
    class Strict {
      @IsInt() @Max(1) replicas!: number;
    }
    const r = await admitParent(
      { type: Shard, specs: [ShardSpec, Strict] },
      request({ object: shard({ replicas: 2, minAvailable: 0 }) }),
    );
    assert.equal(r.allowed, false);
    assert.match(r.status?.message ?? '', /replicas must not be greater than 1/);
  });
});

describe('sameJson', () => {
  it('compares JSON values ignoring key order', () => {
    assert.ok(sameJson({ a: [1, { b: 2 }], c: null }, { c: null, a: [1, { b: 2 }] }));
    assert.ok(!sameJson({ a: 1 }, { a: 1, b: undefined }));
    assert.ok(!sameJson([1, 2], [2, 1]));
    assert.ok(!sameJson(undefined, {}));
  });
});
