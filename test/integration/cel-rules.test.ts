// CEL rules in the generated CRD (@Rule, and class-validator decorators with an exact CEL equivalent)
// are checked by the real API server at admission: it accepts the CRD, refuses objects that break a
// rule with the rule's message, accepts the others, and refuses an update that breaks a transition
// rule. A rule too costly for the API server's budget is refused when the CRD is installed, and
// the error says what to bound.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Type } from 'class-transformer';
import {
  ArrayContains,
  ArrayMaxSize,
  Contains,
  IsInt,
  IsString,
  MaxLength,
  Min,
  NotContains,
  ValidateNested,
} from 'class-validator';
import type { CustomResourceDefinition } from '../../src/generate/crd.js';
import { customResource, Rule } from '../../src/index.js';
import { ApiError } from '../../src/runtime/api/api-error.js';
import { applyObjects, installOperatorCrds } from '../../src/testkit/install.js';
import type { KubeObject } from '../../src/types/kube-object.js';
import type { ResourceType } from '../../src/types/resource-type.js';
import { type TestCluster, useTestCluster } from '../support/cluster.js';

@Rule('self.minReplicas <= self.maxReplicas', 'minReplicas must not exceed maxReplicas')
class AppSpec {
  @IsInt() @Min(0) minReplicas = 1;
  @IsInt() @Min(1) maxReplicas = 3;
  @IsString() @Rule("self.startsWith('team-')", 'owner must start with team-') owner!: string;
  @IsString() @Rule('self == oldSelf', 'storageClass is immutable') storageClass!: string;
  // A seed with a quote and a backslash: the CEL literal must be escaped as the API server parses it.
  @IsString() @MaxLength(63) @NotContains("'\\") path = '/data';
  @IsString({ each: true }) @ArrayMaxSize(8) @ArrayContains(['audit']) features: string[] = ['audit'];
}

const App = customResource({ group: 'cel.operon.test', version: 'v1', kind: 'CelApp', spec: AppSpec });

// @Contains on a string of any length, in a list of any length: the API server estimates the rule's
// cost for the largest request and refuses the CRD.
class Label {
  @IsString() @Contains('=') pair!: string;
}
class UnboundedSpec {
  @ValidateNested({ each: true }) @Type(() => Label) labels: Label[] = [];
}
const Unbounded = customResource({
  group: 'cel.operon.test',
  version: 'v1',
  kind: 'CelUnbounded',
  spec: UnboundedSpec,
});

class BoundedLabel {
  @IsString() @MaxLength(253) @Contains('=') pair!: string;
}
class BoundedSpec {
  @ValidateNested({ each: true }) @Type(() => BoundedLabel) @ArrayMaxSize(64) labels: BoundedLabel[] = [];
}
const Bounded = customResource({
  group: 'cel.operon.test',
  version: 'v1',
  kind: 'CelBounded',
  spec: BoundedSpec,
});

const declaration = (type: ResourceType) => ({
  name: type.plural,
  parent: { type },
  children: [],
});

describe('CEL validation rules at admission', () => {
  let c: TestCluster;
  before(async () => {
    c = await useTestCluster('cel');
  });
  after(async () => {
    await c?.cleanup();
  });

  const path = (name = '') =>
    `/apis/cel.operon.test/v1/namespaces/${c.namespace}/celapps${name ? `/${name}` : ''}`;
  const app = (
    name: string,
    spec: Record<string, unknown>,
  ): KubeObject & { spec: Record<string, unknown> } => ({
    apiVersion: 'cel.operon.test/v1',
    kind: 'CelApp',
    metadata: { name, namespace: c.namespace },
    spec: { owner: 'team-a', storageClass: 'fast', ...spec },
  });
  const create = (name: string, spec: Record<string, unknown>) =>
    c.api.request<KubeObject>({ method: 'POST', path: path(), body: app(name, spec) });
  // The API server's answer to a write that breaks a rule: 422 Invalid, naming the field and the message.
  const refused = async (write: Promise<unknown>, field: string, message: string) => {
    await assert.rejects(write, (e: unknown) => {
      assert.ok(e instanceof ApiError, String(e));
      assert.equal(e.status, 422);
      assert.equal(e.reason, 'Invalid');
      assert.ok(
        e.body?.details?.causes?.some((cause) => cause.field === field && cause.message?.includes(message)),
        `a cause at ${field} with "${message}" in ${JSON.stringify(e.body?.details?.causes)}`,
      );
      assert.match(e.message, new RegExp(message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
      return true;
    });
  };

  it('accepts the generated CRD, and stores its rules as generated', async () => {
    const [crd] = await installOperatorCrds(c.kubeConfig, [declaration(App)]);
    const live = await c.api.request<CustomResourceDefinition>({
      method: 'GET',
      path: `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd?.metadata.name}`,
    });
    const generated = crd?.spec.versions[0]?.schema.openAPIV3Schema.properties?.spec;
    const stored = live?.spec.versions[0]?.schema.openAPIV3Schema.properties?.spec;
    assert.deepEqual(stored?.['x-kubernetes-validations'], generated?.['x-kubernetes-validations']);
    for (const field of ['owner', 'storageClass', 'path', 'features']) {
      assert.ok(generated?.properties?.[field]?.['x-kubernetes-validations'], field);
      assert.deepEqual(
        stored?.properties?.[field]?.['x-kubernetes-validations'],
        generated?.properties?.[field]?.['x-kubernetes-validations'],
        field,
      );
    }
  });

  it('refuses a parent that breaks the class rule, with its message', async () => {
    await refused(
      create('inverted', { minReplicas: 5, maxReplicas: 2 }),
      'spec',
      'minReplicas must not exceed maxReplicas',
    );
  });

  it('refuses a parent that breaks a property rule, with its message', async () => {
    await refused(create('nobody', { owner: 'someone' }), 'spec.owner', 'owner must start with team-');
  });

  it('refuses what class-validator would refuse through the emitted equivalents, with class-validator’s messages', async () => {
    await refused(
      create('quoted', { path: "/data/it'\\s" }),
      'spec.path',
      `path should not contain a '\\ string`,
    );
    await refused(
      create('no-audit', { features: ['metrics'] }),
      'spec.features',
      'features must contain audit values',
    );
  });

  it('refuses a server-side apply that breaks a rule, as kubectl apply would be', async () => {
    await refused(
      applyObjects(c.kubeConfig, [app('applied', { minReplicas: 4, maxReplicas: 3 })]),
      'spec',
      'minReplicas must not exceed maxReplicas',
    );
  });

  it('accepts a valid parent, defaults included', async () => {
    const created = await create('web', {
      minReplicas: 2,
      maxReplicas: 4,
      path: '/srv/web',
      features: ['audit', 'x'],
    });
    assert.ok(created.metadata?.uid);
    const [applied] = await applyObjects(c.kubeConfig, [app('api', {})]);
    assert.deepEqual((applied as { spec?: unknown }).spec, {
      owner: 'team-a',
      storageClass: 'fast',
      minReplicas: 1,
      maxReplicas: 3,
      path: '/data',
      features: ['audit'],
    });
  });

  it('refuses an update that breaks the transition rule, and accepts one that keeps it', async () => {
    await create('db', {});
    await refused(
      c.api.request({
        method: 'PATCH',
        path: path('db'),
        contentType: 'application/merge-patch+json',
        body: { spec: { storageClass: 'slow' } },
      }),
      'spec.storageClass',
      'storageClass is immutable',
    );
    const updated = await c.api.request<{ spec: { maxReplicas: number; storageClass: string } }>({
      method: 'PATCH',
      path: path('db'),
      contentType: 'application/merge-patch+json',
      body: { spec: { maxReplicas: 5 } },
    });
    assert.equal(updated.spec.maxReplicas, 5);
    assert.equal(updated.spec.storageClass, 'fast');
  });

  it('refuses a CRD whose rule may cost too much, saying to add maxItems and maxLength; bounded, it is accepted', async () => {
    await assert.rejects(installOperatorCrds(c.kubeConfig, [declaration(Unbounded)]), (e: unknown) => {
      assert.ok(e instanceof ApiError, String(e));
      assert.equal(e.status, 422);
      assert.match(e.message, /celunboundeds\.cel\.operon\.test/);
      assert.match(
        e.message,
        /properties\[labels\]\.items\.properties\[pair\]\.x-kubernetes-validations\[0\]\.rule/,
      );
      assert.match(e.message, /estimated rule cost exceeds budget/);
      assert.match(e.message, /adding maxItems, maxProperties, and maxLength/);
      return true;
    });
    await installOperatorCrds(c.kubeConfig, [declaration(Bounded)]);
  });
});
