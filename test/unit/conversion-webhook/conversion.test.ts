import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IsString } from 'class-validator';
import { ConfigError } from '../../../src/errors/operon-error.js';
import { declarationsFromClasses } from '../../../src/generate/from-classes.js';
import { Operator, Sync } from '../../../src/index.js';
import { customResource } from '../../../src/types/custom-resource.js';
import type { KubeObject } from '../../../src/types/kube-object.js';
import type { ConversionInput, ConversionOutput } from '../../../src/types/resource-versions.js';
import { hubVersion, needsConversionWebhook, versionProblems } from '../../../src/types/resource-versions.js';
import {
  ConversionError,
  conversionWebhookPath,
  convertCustomObject,
  convertReview,
  MalformedReviewError,
  parseConversionReview,
} from '../../../src/webhooks/index.js';
import {
  SHARD_VERSIONS,
  Shard,
  ShardSpecV1,
  ShardSpecV1alpha1,
  ShardStatus,
  shardV1alpha1,
  TLS_ANNOTATION,
} from '../../support/shard-versions.js';

const metadata = {
  name: 'web',
  namespace: 'demo',
  uid: '3415a7fc-162b-4300-b5da-fd6083580d66',
  resourceVersion: '143',
  generation: 2,
  labels: { app: 'web' },
  finalizers: ['versions.operon.test/finalizer'],
};
const alpha: KubeObject & { spec: object; status: object } = {
  apiVersion: 'versions.operon.test/v1alpha1',
  kind: 'Shard',
  metadata,
  spec: { hostPort: 'db.local:5432', replicas: 3 },
  status: { endpoint: 'db.local' },
};
const v1: KubeObject & { spec: object; status: object } = {
  apiVersion: 'versions.operon.test/v1',
  kind: 'Shard',
  metadata: { ...metadata, annotations: { note: 'kept' } },
  spec: { host: 'db.local', port: 5432, replicas: 3, tls: true },
  status: { endpoint: 'db.local' },
};

describe('customResource with versions', () => {
  it("takes the operator's version, spec and status from the declared versions", () => {
    assert.equal(Shard.version, 'v1');
    assert.equal(Shard.apiVersion, 'versions.operon.test/v1');
    assert.equal(Shard.spec, ShardSpecV1);
    assert.equal(Shard.status, ShardStatus);
    assert.deepEqual(
      Shard.versions?.map((v) => [v.name, v.spec, v.status, v.served, v.storage === true]),
      [
        ['v1alpha1', ShardSpecV1alpha1, ShardStatus, true, true],
        ['v1', ShardSpecV1, ShardStatus, true, false],
      ],
    );
    assert.ok(Object.isFrozen(Shard.versions));
    assert.equal(hubVersion(Shard), 'v1');
    assert.equal(needsConversionWebhook(Shard), true);
    assert.deepEqual(versionProblems(Shard), []);
  });

  it('defaults the operator version to the storage version', () => {
    const t = customResource({ group: 'g.test', kind: 'Shard', versions: SHARD_VERSIONS });
    assert.equal(t.version, 'v1alpha1');
    assert.equal(t.spec, ShardSpecV1alpha1);
  });

  it('reports every mistake in the versions, saying what to change', () => {
    class Other {
      @IsString() x!: string;
    }
    const problems = (versions: object[], version?: string) =>
      versionProblems(
        customResource({
          group: 'g.test',
          kind: 'Shard',
          version,
          versions: versions as never,
        }),
      );
    assert.deepEqual(problems([{ name: 'v1', storage: true }]), []);
    assert.match(problems([])[0] ?? '', /versions is empty/);
    assert.match(problems([{ name: 'V1', storage: true }]).join('\n'), /'V1'|"V1".*DNS-1035/);
    assert.match(
      problems([{ name: 'v1' }, { name: 'v1', storage: true }]).join('\n'),
      /version 'v1' is declared twice/,
    );
    assert.match(problems([{ name: 'v1' }], 'v1').join('\n'), /no version is marked storage: true/);
    assert.match(
      problems([
        { name: 'v1', storage: true },
        { name: 'v2', storage: true, convert: shardV1alpha1 },
      ]).join('\n'),
      /'v1' and 'v2' are all marked storage/,
    );
    assert.match(problems([{ name: 'v1', storage: true }], 'v2').join('\n'), /version 'v2' is not one of/);
    assert.match(
      problems(
        [
          { name: 'v1', storage: true },
          { name: 'v2', served: false },
        ],
        'v2',
      ).join('\n'),
      /'v2', which is not served/,
    );
    assert.match(
      problems([
        { name: 'v1', storage: true, convert: shardV1alpha1 },
        { name: 'v2', convert: shardV1alpha1 },
      ]).join('\n'),
      /every version has convert/,
    );
    assert.match(
      problems([{ name: 'v1', storage: true }, { name: 'v2' }, { name: 'v3', convert: shardV1alpha1 }]).join(
        '\n',
      ),
      /'v1', 'v2' have no convert/,
    );
    assert.match(
      problems([
        { name: 'v1', storage: true },
        { name: 'v2', convert: { toHub: (o: object) => o } },
      ]).join('\n'),
      /'v2' has convert without fromHub/,
    );
    assert.match(
      problems([
        { name: 'v1', storage: true, spec: ShardSpecV1 },
        { name: 'v2', spec: Other },
      ]).join('\n'),
      /different spec classes but no conversion/,
    );
    // Versions sharing one schema need no conversion: the API server rewrites apiVersion.
    assert.deepEqual(
      problems([
        { name: 'v1beta1', spec: Other },
        { name: 'v1', spec: Other, storage: true },
      ]),
      [],
    );
  });
});

describe('@Operator with versions', () => {
  it('takes them inline, and reports their problems with the rest of the configuration', () => {
    @Operator({ group: 'inline.operon.test', kind: 'Shard', version: 'v1', versions: SHARD_VERSIONS })
    class InlineOperator {
      @Sync() sync() {
        return { children: [] };
      }
    }
    const [config] = declarationsFromClasses([InlineOperator]);
    assert.equal(config?.parent.type.version, 'v1');
    assert.equal(config?.parent.spec, ShardSpecV1);
    assert.equal(hubVersion(config?.parent.type as typeof Shard), 'v1');

    @Operator({ group: 'inline.operon.test', kind: 'Broken', versions: [{ name: 'v1' }, { name: 'v2' }] })
    class BrokenOperator {
      @Sync() sync() {
        return { children: [] };
      }
    }
    assert.throws(
      () => declarationsFromClasses([BrokenOperator]),
      (e) =>
        e instanceof ConfigError &&
        /BrokenOperator.*Broken: no version is marked storage: true; mark exactly one/.test(e.message),
    );
  });
});

describe('convertCustomObject', () => {
  it('converts a spoke to the hub and back without loss, with apiVersion set and metadata kept', () => {
    const hub = convertCustomObject(Shard, alpha, 'v1');
    assert.deepEqual(hub, {
      apiVersion: 'versions.operon.test/v1',
      kind: 'Shard',
      metadata,
      spec: { host: 'db.local', port: 5432, replicas: 3 },
      status: { endpoint: 'db.local' },
    });
    assert.deepEqual(convertCustomObject(Shard, hub, 'v1alpha1'), alpha);
  });

  it('keeps a hub field the spoke cannot hold in an annotation, and restores it', () => {
    const spoke = convertCustomObject(Shard, v1, 'v1alpha1');
    assert.equal(spoke.apiVersion, 'versions.operon.test/v1alpha1');
    assert.deepEqual(spoke.metadata?.annotations, { note: 'kept', [TLS_ANNOTATION]: 'true' });
    assert.deepEqual((spoke as { spec?: object }).spec, { hostPort: 'db.local:5432', replicas: 3 });
    assert.deepEqual(convertCustomObject(Shard, spoke, 'v1'), v1);
  });

  it('returns a copy for the same version, and never changes its input', () => {
    const before = structuredClone(alpha);
    const same = convertCustomObject(Shard, alpha, 'v1alpha1');
    assert.deepEqual(same, alpha);
    assert.notEqual(same, alpha);
    convertCustomObject(Shard, alpha, 'v1');
    assert.deepEqual(alpha, before);
  });

  it('goes from spoke to spoke through the hub', () => {
    const calls: string[] = [];
    const traced =
      <A, B>(label: string, convert: (spec: A) => B) =>
      (o: ConversionInput<A>): ConversionOutput<B> => {
        calls.push(label);
        return { ...o, spec: convert(o.spec as A) };
      };
    const Wide = customResource({
      group: 'g.test',
      kind: 'Wide',
      versions: [
        {
          name: 'v1alpha1',
          convert: {
            toHub: traced('v1alpha1 toHub', (spec: { s: string }) => ({ n: Number(spec.s) })),
            fromHub: traced('v1alpha1 fromHub', (spec: { n: number }) => ({ s: String(spec.n) })),
          },
        },
        {
          name: 'v1beta1',
          convert: {
            toHub: traced('v1beta1 toHub', (spec: { m: number }) => ({ n: spec.m })),
            fromHub: traced('v1beta1 fromHub', (spec: { n: number }) => ({ m: spec.n })),
          },
        },
        { name: 'v1', storage: true },
      ],
    });
    const out = convertCustomObject(
      Wide,
      {
        apiVersion: 'g.test/v1alpha1',
        kind: 'Wide',
        metadata: { name: 'w' },
        spec: { s: '7' },
      } as KubeObject,
      'v1beta1',
    );
    assert.deepEqual(out, {
      apiVersion: 'g.test/v1beta1',
      kind: 'Wide',
      metadata: { name: 'w' },
      spec: { m: 7 },
    });
    assert.deepEqual(calls, ['v1alpha1 toHub', 'v1beta1 fromHub']);
  });

  it('only rewrites apiVersion when no version converts (strategy None)', () => {
    const Same = customResource({
      group: 'g.test',
      kind: 'Same',
      versions: [{ name: 'v1beta1' }, { name: 'v1', storage: true }],
    });
    const o = {
      apiVersion: 'g.test/v1beta1',
      kind: 'Same',
      metadata: { name: 's' },
      spec: { a: 1 },
    } as KubeObject;
    assert.deepEqual(convertCustomObject(Same, o, 'v1'), { ...o, apiVersion: 'g.test/v1' });
  });

  it('takes labels and annotations from the result, and restores the other metadata the API server keeps', () => {
    const Labelled = withHub((o) => ({
      ...o,
      metadata: { ...o.metadata, labels: { tier: 'db' }, generation: 99, finalizers: [] },
    }));
    const out = convertCustomObject(Labelled, { ...alpha, apiVersion: 'g.test/v1alpha1', kind: 'L' }, 'v1');
    assert.deepEqual(out.metadata, { ...metadata, labels: { tier: 'db' } });
    // Left out: the input's stay. Undefined or empty: removed.
    const kept = withHub((o) => ({ spec: o.spec }));
    assert.deepEqual(
      convertCustomObject(kept, { ...alpha, apiVersion: 'g.test/v1alpha1', kind: 'L' }, 'v1').metadata,
      metadata,
    );
    const dropped = withHub((o) => ({ ...o, metadata: { labels: undefined, annotations: {} } }));
    const { labels: _, ...unlabelled } = metadata;
    assert.deepEqual(
      convertCustomObject(dropped, { ...alpha, apiVersion: 'g.test/v1alpha1', kind: 'L' }, 'v1').metadata,
      unlabelled,
    );
  });

  it('refuses a changed name, namespace or uid, a non-string label, a changed kind, and a non-object', () => {
    const input = { ...alpha, apiVersion: 'g.test/v1alpha1', kind: 'L' };
    const fails = (toHub: (o: never) => unknown, message: RegExp) =>
      assert.throws(
        () => convertCustomObject(withHub(toHub as never), input, 'v1'),
        (e) => e instanceof ConversionError && message.test(e.message),
      );
    fails(
      (o: { metadata: object }) => ({ metadata: { ...o.metadata, name: 'other' } }),
      /^converting L "demo\/web" \(g\.test\/v1alpha1\) to g\.test\/v1: v1alpha1 toHub changed metadata\.name from "web" to "other"; a conversion may change only labels and annotations$/,
    );
    fails(() => ({ metadata: { namespace: 'x' } }), /changed metadata\.namespace/);
    fails(() => ({ metadata: { uid: 'x' } }), /changed metadata\.uid/);
    fails(
      () => ({ metadata: { labels: { n: 1 } } }),
      /metadata\.labels\["n"\] of type number; labels are strings/,
    );
    fails(() => ({ kind: 'Other' }), /changed kind to "Other"/);
    fails(() => undefined, /v1alpha1 toHub returned undefined, not an object/);
    fails(() => {
      throw new Error('hostPort has no port');
    }, /v1alpha1 toHub threw: hostPort has no port$/);
  });

  it('refuses an object of another kind or an undeclared version', () => {
    assert.throws(
      () => convertCustomObject(Shard, { ...alpha, kind: 'Other' }, 'v1'),
      /Other "demo\/web" \(versions\.operon\.test\/v1alpha1\) is not a Shard of versions\.operon\.test/,
    );
    assert.throws(
      () => convertCustomObject(Shard, { ...alpha, apiVersion: 'versions.operon.test/v9' }, 'v1'),
      /is in version v9, which Shard does not declare \(v1alpha1, v1\)/,
    );
    assert.throws(() => convertCustomObject(Shard, alpha, 'v2'), /Shard has no version v2 to convert/);
  });
});

describe('ConversionReview', () => {
  const review = (objects: unknown[], desiredAPIVersion = 'versions.operon.test/v1') =>
    JSON.stringify({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'ConversionReview',
      request: { uid: 'u-1', desiredAPIVersion, objects },
    });

  it('converts every object in order, in one response', () => {
    const other = { ...alpha, metadata: { ...metadata, name: 'b', uid: 'u-b' } };
    const response = convertReview(Shard, parseConversionReview(review([alpha, other])));
    assert.equal(response.uid, 'u-1');
    assert.deepEqual(response.result, { status: 'Success' });
    assert.deepEqual(
      response.convertedObjects.map((o) => [o.apiVersion, o.metadata?.name]),
      [
        ['versions.operon.test/v1', 'web'],
        ['versions.operon.test/v1', 'b'],
      ],
    );
  });

  it('fails the whole review, with the message, when one conversion throws', () => {
    const Throwing = withHub(() => {
      throw new Error('cannot split hostPort');
    });
    const response = convertReview(
      Throwing,
      parseConversionReview(review([{ ...alpha, apiVersion: 'g.test/v1alpha1', kind: 'L' }], 'g.test/v1')),
    );
    assert.equal(response.result.status, 'Failed');
    assert.match(response.result.message ?? '', /v1alpha1 toHub threw: cannot split hostPort/);
    assert.deepEqual(response.convertedObjects, []);
    const wrongGroup = convertReview(Shard, parseConversionReview(review([alpha], 'other.test/v1')));
    assert.match(wrongGroup.result.message ?? '', /cannot convert to other\.test\/v1/);
  });

  it('refuses a body that is not a v1 ConversionReview, saying what is wrong', () => {
    const bad = (body: string, message: RegExp) =>
      assert.throws(
        () => parseConversionReview(body),
        (e) => e instanceof MalformedReviewError && message.test(e.message),
      );
    bad('{', /not JSON/);
    bad('[]', /not a JSON object/);
    bad(JSON.stringify({ kind: 'AdmissionReview' }), /expected kind ConversionReview/);
    bad(
      JSON.stringify({ kind: 'ConversionReview', apiVersion: 'apiextensions.k8s.io/v1beta1' }),
      /conversionReviewVersions: \['v1'\]/,
    );
    bad(JSON.stringify({ kind: 'ConversionReview', apiVersion: 'apiextensions.k8s.io/v1' }), /no request/);
    bad(review([alpha]).replace('"u-1"', '""'), /uid is missing/);
    bad(review([alpha], 'v1'), /not group\/version/);
    bad(review([alpha, 3]), /objects\[1\] is not an object/);
  });

  it('has one path per CRD', () => {
    assert.equal(conversionWebhookPath(Shard), '/convert-versions-operon-test-shard');
  });
});

/** A two-version type L (hub v1) whose v1alpha1 converts to the hub with `toHub`. */
function withHub(toHub: (o: { metadata: object; spec?: unknown }) => unknown) {
  return customResource({
    group: 'g.test',
    kind: 'L',
    versions: [
      { name: 'v1alpha1', convert: { toHub: toHub as never, fromHub: (o) => o } },
      { name: 'v1', storage: true },
    ],
  });
}
