// The conversion webhook beside the validating one: one HTTPS server, the CRD with every version and
// its conversion, and what `operon crd` / `operon manifests` add for a parent with several versions.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { after, before, describe, it } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { Command } from 'commander';
import { pino } from 'pino';
import { ConfigError } from '../../../src/errors/operon-error.js';
import { generateCrds } from '../../../src/generate/crd.js';
import { declarationsFromClasses } from '../../../src/generate/from-classes.js';
import { generateManifests } from '../../../src/generate/manifests.js';
import type { OperatorDeclaration } from '../../../src/generate/operator-declaration.js';
import { requiredPermissions } from '../../../src/generate/permissions.js';
import { Operator, Sync } from '../../../src/index.js';
import type { KeyPair } from '../../../src/observability/secure-serving/certificate.js';
import { OperonHost } from '../../../src/runtime/host/operon-host.js';
import { customResource } from '../../../src/types/custom-resource.js';
import type { KubeObject } from '../../../src/types/kube-object.js';
import { addCrdWebhookFlags, crdWebhookOptions } from '../../../src/webhooks/cli-flags.js';
import {
  type AdmissionServer,
  admitParent,
  conversionWebhookPath,
  convertReview,
  crdConversion,
  crdConversionPatch,
  resolveWebhookOptions,
  serveAdmission,
  validatingWebhookPath,
} from '../../../src/webhooks/index.js';
import { localCertificates } from '../../support/local-webhook.js';
import { Shard, ShardSpecV1 } from '../../support/shard-versions.js';

@Operator({ parent: Shard, name: 'shards' })
class ShardOperator {
  @Sync() sync() {
    return { status: {}, children: [] };
  }
}

const shards: OperatorDeclaration[] = [
  { name: 'shards', parent: { type: Shard, spec: ShardSpecV1 }, children: [] },
];
const alpha = {
  apiVersion: 'versions.operon.test/v1alpha1',
  kind: 'Shard',
  metadata: { name: 'a', namespace: 'demo', uid: 'u-a' },
  spec: { hostPort: 'db:5432', replicas: 1 },
};

function post(
  server: AdmissionServer,
  ca: KeyPair,
  path: string,
  body: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${server.url}${path}`,
      { method: 'POST', ca: ca.cert, agent: false, headers: { 'content-type': 'application/json' } },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => {
          text += c.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('conversion on the webhook server', () => {
  let ca: KeyPair;
  let server: AdmissionServer;
  const convert = conversionWebhookPath(Shard);
  const validate = validatingWebhookPath(Shard);
  before(async () => {
    const pair = await localCertificates();
    ca = pair.ca;
    const tls = pair.tls;
    server = await serveAdmission({
      listen: { port: 0, host: '127.0.0.1' },
      tls,
      routes: new Map([[validate, (r) => admitParent({ type: Shard, specs: [ShardSpecV1] }, r)]]),
      conversions: new Map([[convert, (r) => convertReview(Shard, r)]]),
      maxConversionBytes: 64 * 1024,
    });
  });
  after(() => server?.close());

  const review = (uid: string, objects: unknown[]) =>
    JSON.stringify({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'ConversionReview',
      request: { uid, desiredAPIVersion: 'versions.operon.test/v1', objects },
    });

  it('answers a v1 ConversionReview with the converted objects, on the same server and certificate', async () => {
    const answer = await post(server, ca, convert, review('c-1', [alpha]));
    assert.equal(answer.status, 200);
    assert.deepEqual(JSON.parse(answer.body), {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'ConversionReview',
      response: {
        uid: 'c-1',
        result: { status: 'Success' },
        convertedObjects: [
          { ...alpha, apiVersion: 'versions.operon.test/v1', spec: { host: 'db', port: 5432, replicas: 1 } },
        ],
      },
    });
    assert.equal(server.conversions, 1);
    assert.equal(server.reviews, 0, 'admission reviews are counted apart');
  });

  it('answers Failed with the message when a conversion fails; 400 and 413 for what is not a review', async () => {
    const failed = JSON.parse(
      (await post(server, ca, convert, review('c-2', [{ ...alpha, apiVersion: 'versions.operon.test/v7' }])))
        .body,
    );
    assert.equal(failed.response.uid, 'c-2');
    assert.equal(failed.response.result.status, 'Failed');
    assert.match(failed.response.result.message, /version v7, which Shard does not declare/);
    const v1beta1 = await post(
      server,
      ca,
      convert,
      review('c-3', [alpha]).replace('apiextensions.k8s.io/v1', 'apiextensions.k8s.io/v1beta1'),
    );
    assert.equal(v1beta1.status, 400);
    assert.match(v1beta1.body, /^malformed ConversionReview: expected apiVersion apiextensions\.k8s\.io\/v1/);
    const big = await post(
      server,
      ca,
      convert,
      review('c-4', [{ ...alpha, spec: { pad: 'x'.repeat(70_000) } }]),
    );
    assert.equal(big.status, 413);
    const missing = await post(server, ca, '/convert-nothing', review('c-5', []));
    assert.equal(missing.status, 404);
    assert.match(missing.body, new RegExp(`${validate}, ${convert}`));
  });
});

describe('the CRD of a parent with several versions', () => {
  const client = { url: 'https://127.0.0.1:9443' };
  const [crd, ...rest] = generateCrds(declarationsFromClasses([ShardOperator]), { webhook: client });

  it('has every version, each with its own schema, served, one of them storage', () => {
    assert.equal(rest.length, 0);
    assert.deepEqual(
      crd?.spec.versions.map((v) => [v.name, v.served, v.storage]),
      [
        ['v1alpha1', true, true],
        ['v1', true, false],
      ],
    );
    const spec = (i: number) =>
      Object.keys(
        (
          crd?.spec.versions[i]?.schema.openAPIV3Schema.properties?.spec as
            | { properties?: object }
            | undefined
        )?.properties ?? {},
      );
    assert.deepEqual(spec(0), ['hostPort', 'replicas']);
    assert.deepEqual(spec(1), ['host', 'port', 'replicas', 'tls']);
    assert.ok(crd?.spec.versions.every((v) => v.subresources.status));
  });

  it('converts through the webhook: Webhook strategy, review v1, the same URL or Service as the validating webhook', () => {
    assert.deepEqual(crd?.spec.conversion, {
      strategy: 'Webhook',
      webhook: {
        conversionReviewVersions: ['v1'],
        clientConfig: { url: 'https://127.0.0.1:9443/convert-versions-operon-test-shard' },
      },
    });
    const [inCluster] = generateCrds(shards, {
      webhook: { service: { name: 'ops-webhook', namespace: 'ops' } },
    });
    assert.deepEqual(inCluster?.spec.conversion?.webhook.clientConfig, {
      service: {
        name: 'ops-webhook',
        namespace: 'ops',
        path: '/convert-versions-operon-test-shard',
        port: 443,
      },
    });
  });

  it('refuses to generate it without knowing how the API server reaches the operator', () => {
    assert.throws(
      () => generateCrds(shards),
      (e) =>
        e instanceof ConfigError &&
        /Shard \(versions\.operon\.test\/v1\) converts between its versions through the operator.*--webhook-url/.test(
          e.message,
        ),
    );
  });

  it('marks deprecated and unserved versions, and needs no webhook when nothing converts', () => {
    const Same = customResource({
      group: 'versions.operon.test',
      kind: 'Same',
      version: 'v1',
      spec: ShardSpecV1,
      versions: [
        { name: 'v1beta1', deprecated: 'use v1' },
        { name: 'v1alpha1', served: false },
        { name: 'v1', storage: true },
      ],
    });
    const [same] = generateCrds([{ name: 'same', parent: { type: Same }, children: [] }]);
    assert.equal(same?.spec.conversion, undefined);
    assert.deepEqual(
      same?.spec.versions.map((v) => [v.name, v.served, v.storage, v.deprecated, v.deprecationWarning]),
      [
        ['v1beta1', true, false, true, 'use v1'],
        ['v1alpha1', false, false, undefined, undefined],
        ['v1', true, true, undefined, undefined],
      ],
    );
  });
});

describe('keeping the CRD conversion current', () => {
  const desired = crdConversion(Shard, { url: 'https://127.0.0.1:9443' }, 'Q0E=');

  it('sends nothing when the CRD already points at this operator with this CA', () => {
    assert.equal(crdConversionPatch({ spec: { conversion: structuredClone(desired) } }, desired), undefined);
  });

  it('patches a missing or stale caBundle, a Service replaced by a URL, and a None strategy', () => {
    const generated = crdConversion(Shard, { url: 'https://127.0.0.1:9443' });
    const patch = crdConversionPatch({ spec: { conversion: generated } }, desired);
    assert.deepEqual(patch, {
      spec: {
        conversion: {
          strategy: 'Webhook',
          webhook: {
            conversionReviewVersions: ['v1'],
            clientConfig: { url: desired.webhook.clientConfig.url, caBundle: 'Q0E=', service: null },
          },
        },
      },
    });
    const service = crdConversion(Shard, { service: { name: 's', namespace: 'n' } }, 'Q0E=');
    assert.ok(crdConversionPatch({ spec: { conversion: service } }, desired));
    assert.ok(crdConversionPatch({ spec: { conversion: { strategy: 'None' } } }, desired));
    assert.ok(crdConversionPatch({ spec: {} }, desired));
    const toService = crdConversionPatch({ spec: { conversion: desired } }, service) as
      | { spec: { conversion: { webhook: { clientConfig: { url: unknown } } } } }
      | undefined;
    assert.equal(toService?.spec.conversion.webhook.clientConfig.url, null);
  });
});

describe('operon manifests for a parent with several versions', () => {
  const base = { name: 'ops', namespace: 'ops', image: 'img:1', entry: 'dist/main.js' };
  const kinds = (objects: KubeObject[]) => objects.map((o) => `${o.kind}/${o.metadata?.name}`);

  it('needs --webhook, and says so', () => {
    assert.throws(() => generateManifests(shards, base), /operon manifests --webhook/);
  });

  it('adds the Service, the CRD conversion through it, RBAC on that CRD, and the Deployment flags', () => {
    const objects = generateManifests(shards, { ...base, webhook: {} });
    const [crd] = objects as unknown as { spec: { conversion?: { webhook: { clientConfig: object } } } }[];
    assert.deepEqual(crd?.spec.conversion?.webhook.clientConfig, {
      service: {
        name: 'ops-webhook',
        namespace: 'ops',
        path: '/convert-versions-operon-test-shard',
        port: 443,
      },
    });
    assert.ok(kinds(objects).includes('Service/ops-webhook'));
    // Shard has a spec class, so it is validated too: both webhooks share the Service.
    assert.ok(kinds(objects).includes('ValidatingWebhookConfiguration/ops'));
    const cluster = objects.find(
      (o) => o.kind === 'ClusterRole' && o.metadata?.name === 'ops',
    ) as unknown as {
      rules: { apiGroups: string[]; resources: string[]; resourceNames?: string[]; verbs: string[] }[];
    };
    assert.deepEqual(
      cluster.rules.find((r) => r.resources.includes('customresourcedefinitions')),
      {
        apiGroups: ['apiextensions.k8s.io'],
        resources: ['customresourcedefinitions'],
        resourceNames: ['shards.versions.operon.test'],
        verbs: ['get', 'patch'],
      },
    );
    const deployment = objects.find((o) => o.kind === 'Deployment') as unknown as {
      spec: { template: { spec: { containers: { args: string[] }[] } } };
    };
    assert.ok(deployment.spec.template.spec.containers[0]?.args.includes('--webhook-service=ops-webhook'));
  });

  it('serves conversion alone for a parent without a spec class: no ValidatingWebhookConfiguration', () => {
    const unvalidated: OperatorDeclaration[] = [
      {
        name: 'bare',
        parent: {
          type: {
            ...Shard,
            spec: undefined,
            versions: Shard.versions?.map((v) => ({ ...v, spec: undefined })),
          } as typeof Shard,
        },
        children: [],
      },
    ];
    const objects = generateManifests(unvalidated, { ...base, webhook: { url: 'https://127.0.0.1:9443' } });
    assert.ok(!kinds(objects).some((k) => k.startsWith('ValidatingWebhookConfiguration')));
    assert.ok(!kinds(objects).some((k) => k.startsWith('Service/')));
    assert.ok(kinds(objects).includes('Role/ops-webhook'), 'the certificate Secret is still needed');
    const perms = requiredPermissions(unvalidated, { webhook: { configuration: 'ops', secret: 'ops-cert' } });
    assert.deepEqual(
      perms.filter((p) => p.scope === 'cluster' && p.resourceNames).map((p) => p.resource),
      ['customresourcedefinitions'],
    );
    // The host accepts a webhook with only conversion to do.
    const resolved = resolveWebhookOptions(
      { url: 'https://127.0.0.1:9443', namespace: 'ops' },
      { operators: unvalidated },
    );
    assert.equal(resolved.name, 'bare');
  });
});

describe('operon crd webhook flags', () => {
  const parse = (...args: string[]) => {
    const cmd = addCrdWebhookFlags(new Command('crd')).exitOverride();
    cmd.parse(args, { from: 'user' });
    return crdWebhookOptions(cmd.opts());
  };

  it('takes a URL, or the Service of operon manifests in --namespace', () => {
    assert.equal(parse(), undefined);
    assert.deepEqual(parse('--webhook-url', 'https://127.0.0.1:9443'), { url: 'https://127.0.0.1:9443' });
    assert.deepEqual(parse('--webhook', '-n', 'ops'), {});
  });

  it('refuses a bad URL, both flags, and --webhook without a namespace', () => {
    assert.throws(() => parse('--webhook-url', 'http://x:1'), /--webhook-url "http:\/\/x:1" must use https/);
    assert.throws(() => parse('--webhook', '--webhook-url', 'https://x:1'), /not both/);
    assert.throws(() => parse('--webhook'), /--webhook needs --namespace/);
  });
});

describe('a host whose parents convert', () => {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromClusterAndUser(
    { name: 'c', server: 'https://127.0.0.1:1', skipTLSVerify: true },
    { name: 'u' },
  );
  const [config] = declarationsFromClasses([ShardOperator]);

  it('warns, naming the CRD and the fix, when the webhook is off', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => lines.push(line) });
    const host = new OperonHost(config ? [config] : [], { kubeConfig, logger });
    await host.stop();
    const warning = JSON.parse(lines[0] ?? '{}') as { crds?: string[]; msg?: string };
    assert.deepEqual(warning.crds, ['shards.versions.operon.test']);
    assert.match(warning.msg ?? '', /the webhook is off.*--webhook-url/);
    const served = new OperonHost(config ? [config] : [], {
      kubeConfig,
      logger: pino({ level: 'warn' }, { write: (line: string) => lines.push(line) }),
      webhook: { url: 'https://127.0.0.1:9443', namespace: 'ops' },
    });
    assert.equal(lines.length, 1, 'no warning with the webhook on');
    assert.deepEqual([...(served.webhook?.crdConversions().keys() ?? [])], ['shards.versions.operon.test']);
    await served.stop();
  });
});
