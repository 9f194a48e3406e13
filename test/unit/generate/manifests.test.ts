import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { declarationsFromClasses } from '../../../src/generate/from-classes.js';
import { generateManifests } from '../../../src/generate/manifests.js';
import { toYaml } from '../../../src/generate/yaml.js';
import type { KubeObject } from '../../../src/types/kube-object.js';
import { EchoOperator } from './fixtures-operators.js';

type Deployment = KubeObject & {
  spec: {
    replicas: number;
    strategy: { type: string };
    template: {
      spec: {
        serviceAccountName: string;
        containers: {
          image: string;
          command: string[];
          env?: { name: string; value?: string }[];
          livenessProbe?: { httpGet: { path: string; port: string } };
          readinessProbe?: { httpGet: { path: string; port: string } };
          ports?: { name: string; containerPort: number }[];
        }[];
      };
    };
  };
};

describe('generateManifests', () => {
  const base = { name: 'echo', namespace: 'ops', image: 'ghcr.io/me/echo:1', entry: 'dist/main.js' };
  const echo = declarationsFromClasses([EchoOperator]);

  it('lists everything in apply order', () => {
    const kinds = generateManifests(echo, { ...base, createNamespace: true }).map((o) => o.kind);
    assert.deepEqual(kinds, [
      'Namespace',
      'CustomResourceDefinition',
      'ServiceAccount',
      'ClusterRole',
      'ClusterRoleBinding',
      'ClusterRole',
      'Deployment',
    ]);
  });

  it('grants the reviews of secure metrics, and prints the metrics-reader ClusterRole for Prometheus', () => {
    const objects = generateManifests(echo, base);
    const roles = objects.filter((o) => o.kind === 'ClusterRole') as (KubeObject & { rules: object[] })[];
    assert.deepEqual(
      roles.map((r) => r.metadata?.name),
      ['echo', 'echo-metrics-reader'],
    );
    assert.ok(
      JSON.stringify(roles[0]?.rules).includes('"resources":["tokenreviews"],"verbs":["create"]'),
      'the operator may create TokenReviews',
    );
    assert.deepEqual(roles[1]?.rules, [{ nonResourceURLs: ['/metrics'], verbs: ['get'] }]);
  });

  it('runs `operon run <entry>` under the ServiceAccount, one replica, Recreate', () => {
    const d = generateManifests(echo, base).at(-1) as Deployment;
    assert.equal(d.metadata?.namespace, 'ops');
    assert.equal(d.spec.replicas, 1);
    assert.equal(d.spec.strategy.type, 'Recreate');
    assert.equal(d.spec.template.spec.serviceAccountName, 'echo');
    const [c] = d.spec.template.spec.containers;
    assert.equal(c?.image, 'ghcr.io/me/echo:1');
    // A small young generation: an operator idles ~9 MiB lower (src/generate/deployment.ts).
    assert.deepEqual(c?.command, [
      'node',
      '--max-semi-space-size=2',
      'node_modules/operon/bin/operon.js',
      'run',
      'dist/main.js',
    ]);
    assert.deepEqual(
      c?.env?.map((e) => e.name),
      ['POD_NAMESPACE'],
    );
    // `operon run`'s defaults: secure metrics on 8443, plain-HTTP probes on 8081.
    assert.deepEqual(c?.livenessProbe?.httpGet, { path: '/healthz', port: 'probes' });
    assert.deepEqual(c?.readinessProbe?.httpGet, { path: '/readyz', port: 'probes' });
    assert.deepEqual(c?.ports, [
      { name: 'metrics', containerPort: 8443 },
      { name: 'probes', containerPort: 8081 },
    ]);
  });

  it('with leader election: two replicas, a rolling update, `--leader-elect`', () => {
    const d = generateManifests(echo, { ...base, leaderElection: true }).at(-1) as Deployment;
    assert.equal(d.spec.replicas, 2);
    assert.equal(d.spec.strategy.type, 'RollingUpdate');
    assert.equal(d.spec.template.spec.containers[0]?.command.at(-1), '--leader-elect');
  });

  it('with shards: that many replicas, a rolling update, `--shard`, and the Lease Role of sharding', () => {
    const objects = generateManifests(echo, { ...base, shards: 3 });
    const d = objects.at(-1) as Deployment;
    assert.equal(d.spec.replicas, 3);
    assert.equal(d.spec.strategy.type, 'RollingUpdate');
    assert.equal(d.spec.template.spec.containers[0]?.command.at(-1), '--shard');
    const role = objects.find((o) => o.kind === 'Role' && o.metadata?.name?.endsWith('-shards')) as
      | { rules: { resources: string[]; verbs: string[] }[] }
      | undefined;
    assert.deepEqual(role?.rules, [
      {
        apiGroups: ['coordination.k8s.io'],
        resources: ['leases'],
        verbs: ['get', 'list', 'create', 'update', 'delete'],
      },
    ]);
  });

  it('passes watched namespaces to operon run', () => {
    const d = generateManifests(echo, { ...base, watchNamespaces: ['a', 'b'] }).at(-1) as Deployment;
    assert.deepEqual(d.spec.template.spec.containers[0]?.env?.at(-1), {
      name: 'OPERON_WATCH_NAMESPACES',
      value: 'a,b',
    });
  });
});

describe('toYaml', () => {
  it('writes a stream kubectl reads back identically: no anchors, YAML 1.1 strings quoted', () => {
    const shared = { a: 'on' };
    const objects = [
      { kind: 'A', x: shared, y: shared, z: ['yes', '012', 'True'] },
      { kind: 'B', long: 'x'.repeat(300) },
    ];
    const text = toYaml(objects);
    assert.equal(/[&*]a\d/.test(text), false);
    assert.match(text, /"on"/);
    assert.match(text, /"yes"/);
    const back = parseAllDocuments(text, { version: '1.1' }).map((d) => d.toJSON());
    assert.deepEqual(back, objects);
  });
});
