// Generated CRDs on the real API server: accepted, and enforcing the spec class at admission.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EchoServerOperator } from '../../examples/echo-server/echo-server.js';
import { generateCrds } from '../../src/generate/crd.js';
import { ApiError } from '../../src/runtime/api/api-error.js';
import { installCrds, installOperatorCrds } from '../../src/testkit/install.js';
import { customResource } from '../../src/types/custom-resource.js';
import type { KubeObject } from '../../src/types/kube-object.js';
import { type TestCluster, useTestCluster } from '../support/cluster.js';
import { KitchenSpec, KitchenStatus } from '../unit/generate/fixtures.js';

type Stored = KubeObject & { spec: Record<string, unknown> };

const Kitchen = customResource({
  group: 'gen.operon.test',
  version: 'v1',
  kind: 'Kitchen',
  spec: KitchenSpec,
  status: KitchenStatus,
  shortNames: ['kit'],
  categories: ['operon-test'],
  printerColumns: [{ name: 'Tier', type: 'string', jsonPath: '.spec.tier' }],
});

describe('generated CRDs on a real API server', () => {
  let c: TestCluster;
  before(async () => {
    c = await useTestCluster('gen-crd');
    await installOperatorCrds(c.kubeConfig, [EchoServerOperator]);
    await installCrds(
      c.kubeConfig,
      generateCrds([{ name: 'kitchen', parent: { type: Kitchen }, children: [] }]),
    );
  });
  after(() => c.cleanup());

  const echoes = () => `/apis/example.com/v1alpha1/namespaces/${c.namespace}/echoservers`;
  const kitchens = () => `/apis/gen.operon.test/v1/namespaces/${c.namespace}/kitchens`;
  const create = (path: string, kind: string, apiVersion: string, name: string, spec: unknown) =>
    c.api.request<Stored>({ method: 'POST', path, body: { apiVersion, kind, metadata: { name }, spec } });
  const createEcho = (name: string, spec: unknown) =>
    create(echoes(), 'EchoServer', 'example.com/v1alpha1', name, spec);
  const createKitchen = (name: string, spec: unknown) =>
    create(kitchens(), 'Kitchen', 'gen.operon.test/v1', name, spec);

  async function rejected(attempt: Promise<unknown>, ...messages: RegExp[]): Promise<void> {
    await assert.rejects(attempt, (e) => {
      assert.ok(e instanceof ApiError, String(e));
      assert.equal(e.status, 422, e.message);
      for (const m of messages) assert.match(e.message, m);
      return true;
    });
  }

  it('serves the EchoServer CRD generated from the example, with its names and columns', async () => {
    const crd = await c.api.request<{
      spec: { names: { shortNames: string[] }; versions: { additionalPrinterColumns: { name: string }[] }[] };
      status: { conditions: { type: string; status: string }[] };
    }>({
      method: 'GET',
      path: '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/echoservers.example.com',
    });
    assert.deepEqual(crd.spec.names.shortNames, ['echo']);
    assert.deepEqual(
      crd.spec.versions[0]?.additionalPrinterColumns.map((col) => col.name),
      ['Message', 'Pods', 'Ready', 'Synced', 'Reason', 'Age'],
    );
    assert.ok(crd.status.conditions.some((x) => x.type === 'Established' && x.status === 'True'));
  });

  it('rejects a wrong type at admission, with the schema message', async () => {
    await rejected(
      createEcho('three', { message: 'hi', replicas: 'three' }),
      /spec\.replicas/,
      /must be of type integer/,
    );
  });

  it('rejects a missing required field and a value out of range', async () => {
    await rejected(createEcho('nomessage', { replicas: 1 }), /spec\.message: Required value/);
    await rejected(
      createEcho('toomany', { message: 'hi', replicas: 11 }),
      /spec\.replicas/,
      /less than or equal to 10/,
    );
    await rejected(createEcho('empty', { message: '' }), /spec\.message/, /at least 1 chars/);
  });

  it('fills in the defaults of the spec class', async () => {
    const stored = await createEcho('defaults', { message: 'hi' });
    assert.deepEqual(stored.spec, { message: 'hi', replicas: 1, port: 5678 });
  });

  const fullKitchen = {
    name: 'pantry',
    tier: 'pro',
    level: 1,
    ports: [{ port: 80, protocol: 'TCP', name: 'http' }, { port: 443 }],
    limits: { cpu: '500m', memoryMb: 128 },
    expires: '2030-01-02T03:04:05Z',
    tags: ['a', 'b'],
    labels: { team: 'x', anything: { nested: true } },
    enabled: false,
    ratio: 0.5,
    contact: 'me@example.com',
    homepage: 'https://example.com',
    extra: ['any', 1, { value: true }],
    user: 'someone',
  };

  it('accepts a full valid object and stores every field, nested ones too, unpruned', async () => {
    const stored = await createKitchen('full', fullKitchen);
    assert.deepEqual(stored.spec, fullKitchen);
  });

  it('enforces nested classes, arrays of classes, enums, patterns and sets', async () => {
    await rejected(
      createKitchen('badport', { ...fullKitchen, ports: [{ port: 0 }] }),
      /spec\.ports\[0\]\.port/,
      /greater than or equal to 1/,
    );
    await rejected(
      createKitchen('noports', { ...fullKitchen, ports: [] }),
      /spec\.ports/,
      /at least 1 items/,
    );
    await rejected(
      createKitchen('badtier', { ...fullKitchen, tier: 'gold' }),
      /spec\.tier/,
      /supported values: "free", "pro"/,
    );
    await rejected(
      createKitchen('badlevel', { ...fullKitchen, level: 7 }),
      /spec\.level/,
      /supported values/,
    );
    await rejected(
      createKitchen('badname', { ...fullKitchen, name: 'Pantry' }),
      /spec\.name/,
      /should match/,
    );
    await rejected(
      createKitchen('badcpu', { ...fullKitchen, limits: { cpu: '2 cores' } }),
      /spec\.limits\.cpu/,
    );
    await rejected(
      createKitchen('dup', { ...fullKitchen, tags: ['a', 'a'] }),
      /spec\.tags\[1\]/,
      /Duplicate value/,
    );
    await rejected(createKitchen('admin', { ...fullKitchen, user: 'admin' }), /spec\.user/);
    await rejected(createKitchen('nodate', { ...fullKitchen, expires: 'tomorrow' }), /spec\.expires/);
  });

  it('fills in Kitchen defaults and keeps optional fields absent', async () => {
    const stored = await createKitchen('minimal', { name: 'min', level: 0, ports: [{ port: 1 }] });
    assert.deepEqual(stored.spec, {
      name: 'min',
      level: 0,
      ports: [{ port: 1 }],
      tier: 'free',
      enabled: true,
      user: 'nobody',
    });
  });

  it("lets the status subresource take the status class's fields and Operon's own", async () => {
    await createKitchen('with-status', { name: 'status', level: 0, ports: [{ port: 1 }] });
    const status = {
      readyPorts: 1,
      observedGeneration: 1,
      conditions: [
        {
          type: 'Synced',
          status: 'True',
          reason: 'Synced',
          message: 'ok',
          observedGeneration: 1,
          lastTransitionTime: '2030-01-01T00:00:00Z',
        },
      ],
    };
    const written = await c.api.request<{ status: unknown }>({
      method: 'PATCH',
      path: `${kitchens()}/with-status/status`,
      query: { fieldManager: 'test', force: true },
      contentType: 'application/apply-patch+yaml',
      body: { apiVersion: 'gen.operon.test/v1', kind: 'Kitchen', metadata: { name: 'with-status' }, status },
    });
    assert.deepEqual(written.status, status);
  });
});
