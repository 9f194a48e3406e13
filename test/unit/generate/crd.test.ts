import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateCrds } from '../../../src/generate/crd.js';
import { declarationsFromClasses } from '../../../src/generate/from-classes.js';
import { customResource } from '../../../src/types/custom-resource.js';
import { EchoOperator, foreignConfig, kitchenConfig, TenantOperator } from './fixtures-operators.js';
import { structuralProblems } from './structural-check.js';

describe('generateCrds', () => {
  const [echo, tenant, kitchen, ...rest] = generateCrds([
    ...declarationsFromClasses([EchoOperator, TenantOperator]),
    kitchenConfig,
    foreignConfig,
  ]);

  it('makes one CRD per custom-resource parent, none for a parent defined elsewhere', () => {
    assert.equal(rest.length, 0);
    assert.deepEqual(
      [echo, tenant, kitchen].map((c) => c?.metadata.name),
      ['echos.example.com', 'tenants.example.com', 'kitchens.example.com'],
    );
  });

  it('names, scope, short names and categories come from the type', () => {
    assert.equal(echo?.apiVersion, 'apiextensions.k8s.io/v1');
    assert.deepEqual(echo?.spec.names, {
      plural: 'echos',
      singular: 'echo',
      kind: 'Echo',
      listKind: 'EchoList',
      shortNames: ['ec'],
      categories: ['examples'],
    });
    assert.equal(echo?.spec.scope, 'Namespaced');
    assert.equal(tenant?.spec.scope, 'Cluster');
    assert.equal(tenant?.spec.names.shortNames, undefined);
  });

  it('has one served storage version with the status subresource', () => {
    const [v, ...more] = echo?.spec.versions ?? [];
    assert.equal(more.length, 0);
    assert.equal(v?.name, 'v1alpha1');
    assert.equal(v?.served, true);
    assert.equal(v?.storage, true);
    assert.deepEqual(v?.subresources, { status: {} });
  });

  const synced = {
    name: 'Synced',
    type: 'string',
    jsonPath: '.status.conditions[?(@.type=="Synced")].status',
    description: 'Whether the last pass brought every child to the desired state (True) or failed (False).',
  };
  const reason = {
    name: 'Reason',
    type: 'string',
    jsonPath: '.status.conditions[?(@.type=="Synced")].reason',
    description: 'Why the Synced condition is as it is (e.g. Synced, InvalidSpec, SyncFailed).',
    priority: 1,
  };
  const ready = {
    name: 'Ready',
    type: 'string',
    jsonPath: '.status.conditions[?(@.type=="Ready")].status',
    description: 'The Ready condition the operator reports, if it reports one.',
    priority: 1,
  };
  const age = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };

  it("adds the printer columns, then Operon's Synced, Reason and Ready (-o wide), and Age since declaring any hides the default one", () => {
    assert.deepEqual(echo?.spec.versions[0]?.additionalPrinterColumns, [
      { name: 'Message', type: 'string', jsonPath: '.spec.message', priority: 1 },
      synced,
      reason,
      ready,
      age,
    ]);
  });

  it('gives every CRD the Synced, Reason, Ready and Age columns, even without declared columns', () => {
    assert.deepEqual(tenant?.spec.versions[0]?.additionalPrinterColumns, [synced, reason, ready, age]);
  });

  it('keeps a declared column of the same name or path instead of adding its own', () => {
    const type = customResource({
      group: 'example.com',
      version: 'v1',
      kind: 'Own',
      printerColumns: [
        { name: 'Synced', type: 'string', jsonPath: '.status.phase' },
        { name: 'Why', type: 'string', jsonPath: '.status.conditions[?(@.type=="Synced")].reason' },
        { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
      ],
    });
    const [crd] = generateCrds([{ name: 'own', parent: { type }, children: [] }]);
    assert.deepEqual(
      crd?.spec.versions[0]?.additionalPrinterColumns?.map((c) => c.name),
      // Ready has no declared counterpart, so it is added (after the declared ones).
      ['Synced', 'Why', 'Age', 'Ready'],
    );
  });

  it('requires spec when the spec class has required fields; keeps any spec without a class', () => {
    const echoRoot = echo?.spec.versions[0]?.schema.openAPIV3Schema;
    assert.deepEqual(echoRoot?.required, ['spec']);
    assert.deepEqual(echoRoot?.properties?.spec?.required, ['message']);
    const tenantRoot = tenant?.spec.versions[0]?.schema.openAPIV3Schema;
    assert.equal(tenantRoot?.required, undefined);
    assert.deepEqual(tenantRoot?.properties?.spec, {
      type: 'object',
      'x-kubernetes-preserve-unknown-fields': true,
    });
  });

  it('keeps any status without a status class', () => {
    assert.deepEqual(echo?.spec.versions[0]?.schema.openAPIV3Schema.properties?.status, {
      type: 'object',
      'x-kubernetes-preserve-unknown-fields': true,
    });
  });

  it("gives a status class Operon's observedGeneration and conditions, and no top-level required", () => {
    const status = kitchen?.spec.versions[0]?.schema.openAPIV3Schema.properties?.status;
    assert.deepEqual(Object.keys(status?.properties ?? {}), [
      'readyPorts',
      'phase',
      'observedGeneration',
      'conditions',
    ]);
    assert.equal(status?.required, undefined, 'a failing first pass writes only the conditions');
    assert.equal(status?.properties?.conditions?.['x-kubernetes-list-type'], 'map');
    assert.deepEqual(status?.properties?.conditions?.items?.required, ['type', 'status']);
  });

  it('is structural throughout', () => {
    for (const crd of [echo, tenant, kitchen])
      assert.deepEqual(structuralProblems(crd?.spec.versions[0]?.schema.openAPIV3Schema ?? {}), []);
  });

  it('puts two versions of one kind in one CRD, the first as storage', () => {
    const v1 = customResource({ group: 'example.com', version: 'v1', kind: 'Thing' });
    const v2 = customResource({ group: 'example.com', version: 'v2', kind: 'Thing' });
    const crds = generateCrds([
      { name: 'a', parent: { type: v1 }, children: [] },
      { name: 'b', parent: { type: v2 }, children: [] },
    ]);
    assert.equal(crds.length, 1);
    assert.deepEqual(
      crds[0]?.spec.versions.map((v) => [v.name, v.storage]),
      [
        ['v1', true],
        ['v2', false],
      ],
    );
  });
});
