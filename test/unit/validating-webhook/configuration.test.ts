import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IsInt, IsString } from 'class-validator';
import { Command } from 'commander';
import { ConfigError } from '../../../src/errors/operon-error.js';
import { generateManifests } from '../../../src/generate/manifests.js';
import type { OperatorDeclaration } from '../../../src/generate/operator-declaration.js';
import { requiredPermissions } from '../../../src/generate/permissions.js';
import { toPolicyRules } from '../../../src/generate/rbac.js';
import { ConfigMap } from '../../../src/types/builtins.js';
import { customResource } from '../../../src/types/custom-resource.js';
import type { KubeObject } from '../../../src/types/kube-object.js';
import {
  addRunWebhookFlags,
  manifestWebhookOptions,
  type RunWebhookFlags,
  runWebhookOptions,
} from '../../../src/webhooks/cli-flags.js';
import {
  resolveWebhookOptions,
  type ValidatingWebhookConfiguration,
  validatingWebhookConfiguration,
  validatingWebhookName,
  validatingWebhookPath,
  webhookConfigurationPatch,
} from '../../../src/webhooks/index.js';

class GateSpec {
  @IsInt() size!: number;
}
class CounterSpec {
  @IsString() name!: string;
}
const Gate = customResource({ group: 'conf.operon.test', version: 'v1beta1', kind: 'Gate', spec: GateSpec });
const Counter = customResource({
  group: 'conf.operon.test',
  version: 'v1',
  kind: 'Counter',
  spec: CounterSpec,
  namespaced: false,
});

const declarations: OperatorDeclaration[] = [
  { name: 'gate', parent: { type: Gate, spec: GateSpec }, children: [] },
  { name: 'counter', parent: { type: Counter, spec: CounterSpec }, children: [] },
  // No spec class: nothing to validate, no webhook.
  { name: 'plain', parent: { type: ConfigMap }, children: [] },
];

const service = { service: { name: 'ops-webhook', namespace: 'ops' } };

describe('the ValidatingWebhookConfiguration', () => {
  it('names and paths each parent type', () => {
    assert.equal(validatingWebhookName(Gate), 'validate.gates.conf.operon.test');
    assert.equal(validatingWebhookPath(Gate), '/validate-conf-operon-test-v1beta1-gate');
    assert.equal(validatingWebhookName(ConfigMap), 'validate.configmaps.core.operon.dev');
    assert.equal(validatingWebhookPath(ConfigMap), '/validate-core-v1-configmap');
  });

  it('sends CREATE and UPDATE of the main resource of every parent with a spec class', () => {
    const config = validatingWebhookConfiguration(declarations, { name: 'ops', client: service });
    assert.equal(config.kind, 'ValidatingWebhookConfiguration');
    assert.deepEqual(
      config.webhooks?.map((w) => w.name),
      ['validate.gates.conf.operon.test', 'validate.counters.conf.operon.test'],
    );
    assert.deepEqual(config.webhooks?.[0], {
      name: 'validate.gates.conf.operon.test',
      clientConfig: {
        service: {
          name: 'ops-webhook',
          namespace: 'ops',
          path: '/validate-conf-operon-test-v1beta1-gate',
          port: 443,
        },
      },
      rules: [
        {
          apiGroups: ['conf.operon.test'],
          apiVersions: ['v1beta1'],
          resources: ['gates'],
          operations: ['CREATE', 'UPDATE'],
          scope: 'Namespaced',
        },
      ],
      failurePolicy: 'Fail',
      matchPolicy: 'Equivalent',
      sideEffects: 'None',
      admissionReviewVersions: ['v1'],
      timeoutSeconds: 10,
    });
    assert.equal(config.webhooks?.[1]?.rules[0]?.scope, 'Cluster');
  });

  it('calls a URL, limits to watched namespaces, and carries a known caBundle', () => {
    const config = validatingWebhookConfiguration(declarations, {
      name: 'ops',
      client: { url: 'https://127.0.0.1:9443/' },
      failurePolicy: 'Ignore',
      namespaces: ['b', 'a', 'b'],
      caBundle: 'Q0E=',
    });
    const [gate, counter] = config.webhooks ?? [];
    assert.deepEqual(gate?.clientConfig, {
      url: 'https://127.0.0.1:9443/validate-conf-operon-test-v1beta1-gate',
      caBundle: 'Q0E=',
    });
    assert.equal(gate?.failurePolicy, 'Ignore');
    assert.deepEqual(gate?.namespaceSelector, {
      matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['a', 'b'] }],
    });
    assert.equal(counter?.namespaceSelector, undefined, 'a cluster-scoped parent has no namespace');
  });

  it('lists a type shared by two operators once', () => {
    const twice = [
      ...declarations,
      { name: 'gate-2', parent: { type: Gate, spec: CounterSpec }, children: [] },
    ];
    const config = validatingWebhookConfiguration(twice, { name: 'ops', client: service });
    assert.equal(config.webhooks?.length, 2);
  });
});

describe('webhookConfigurationPatch', () => {
  const desired = validatingWebhookConfiguration(declarations, {
    name: 'ops',
    client: service,
    caBundle: 'TkVX',
  });
  /** What the API server stores: Operon's entries with its defaults added, plus someone else's entry. */
  const live = (): ValidatingWebhookConfiguration => {
    const copy = structuredClone(desired);
    for (const w of copy.webhooks ?? []) Object.assign(w, { objectSelector: {}, namespaceSelector: {} });
    copy.webhooks?.push({ ...structuredClone(copy.webhooks[0]!), name: 'someone.else.io' });
    return copy;
  };

  it('sends nothing when the live configuration holds, whatever the API server defaulted', () => {
    assert.equal(webhookConfigurationPatch(live(), desired), undefined);
  });

  it('patches only the entries that differ, by name, leaving other entries alone', () => {
    const stale = live();
    stale.webhooks![0]!.clientConfig.caBundle = 'T0xE';
    stale.webhooks![1]!.failurePolicy = 'Ignore';
    const patch = webhookConfigurationPatch(stale, desired);
    assert.deepEqual(
      patch?.webhooks.map((w) => (w as { name: string }).name),
      ['validate.gates.conf.operon.test', 'validate.counters.conf.operon.test'],
    );
    const gate = patch?.webhooks[0] as { clientConfig: Record<string, unknown>; namespaceSelector: unknown };
    assert.equal(gate.clientConfig.caBundle, 'TkVX');
    assert.equal(gate.clientConfig.url, null, 'a URL left from before would clash with the Service');
    assert.equal(gate.namespaceSelector, null);
  });

  it('notices a missing entry, a client of the other kind and a selector it no longer wants', () => {
    const missing = live();
    missing.webhooks = missing.webhooks?.slice(1);
    assert.equal(webhookConfigurationPatch(missing, desired)?.webhooks.length, 1);
    const url = live();
    url.webhooks![0]!.clientConfig.url = 'https://10.0.0.1/x';
    assert.equal(webhookConfigurationPatch(url, desired)?.webhooks.length, 1);
    const selected = live();
    selected.webhooks![1]!.namespaceSelector = {
      matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['x'] }],
    };
    assert.equal(webhookConfigurationPatch(selected, desired)?.webhooks.length, 1);
  });
});

describe('resolveWebhookOptions', () => {
  const operators = declarations;
  it('applies the defaults: port 9443, Fail, the first operator name, the Secret after it, Service DNS names', () => {
    const r = resolveWebhookOptions(
      { service: { name: 'ops-webhook' } },
      { operators, env: { POD_NAMESPACE: 'ops' } },
    );
    assert.deepEqual(r.listen, { port: 9443 });
    assert.equal(r.failurePolicy, 'Fail');
    assert.equal(r.name, 'gate');
    assert.equal(r.secretName, 'gate-webhook-cert');
    assert.equal(r.namespace, 'ops');
    assert.deepEqual(r.client, { service: { name: 'ops-webhook', namespace: 'ops', port: 443 } });
    assert.deepEqual(r.hosts, ['ops-webhook.ops.svc', 'ops-webhook.ops.svc.cluster.local']);
    assert.equal(r.checkIntervalMs, 600_000);
  });

  it("names the URL's host in the certificate", () => {
    const r = resolveWebhookOptions(
      { url: 'https://[::1]:9443', namespace: 'ops', port: 0, host: '::1' },
      {
        operators,
        env: {},
      },
    );
    assert.deepEqual(r.client, { url: 'https://[::1]:9443' });
    assert.deepEqual(r.hosts, ['::1']);
    assert.deepEqual(r.listen, { port: 0, host: '::1' });
  });

  it('lists every mistake at once', () => {
    assert.throws(
      () =>
        resolveWebhookOptions(
          {
            service: { name: 'x' },
            url: 'https://a',
            port: 70_000,
            failurePolicy: 'Maybe' as 'Fail',
            timeoutSeconds: 60,
            name: 'Bad_Name',
            certificates: { certValidityMs: 10, caValidityMs: 5 },
          },
          { operators: [], env: {} },
        ),
      (e: unknown) => {
        assert.ok(e instanceof ConfigError);
        const all = e.problems.join('\n');
        for (const part of [
          /no operator has a spec class/,
          /webhook\.port must be an integer/,
          /failurePolicy must be 'Fail' or 'Ignore'/,
          /timeoutSeconds must be a whole number from 1 to 30/,
          /webhook\.name "Bad_Name"/,
          /webhook\.namespace is not set and cannot be guessed/,
          /exactly one of service .* or url/,
          /must not exceed caValidityMs/,
        ])
          assert.match(all, part);
        return true;
      },
    );
    for (const [url, why] of [
      ['http://127.0.0.1:9443', /must use https/],
      ['https://127.0.0.1:9443/hooks', /must be just https:\/\/host:port/],
      ['127.0.0.1:9443', /not a URL|must use https/],
    ] as const) {
      assert.throws(() => resolveWebhookOptions({ url, namespace: 'ops' }, { operators, env: {} }), why);
    }
  });
});

describe('operon manifests --webhook', () => {
  const base = { name: 'ops', namespace: 'ops', image: 'img:1', entry: 'dist/main.js' };
  const find = (objects: KubeObject[], kind: string, name?: string) =>
    objects.find((o) => o.kind === kind && (!name || o.metadata?.name === name)) as
      | (KubeObject & Record<string, never>)
      | undefined;

  it('adds the Service, the configuration without caBundle, the RBAC, and the Deployment port and flags', () => {
    const objects = generateManifests(declarations, { ...base, webhook: { failurePolicy: 'Ignore' } });
    const kinds = objects.map((o) => o.kind);
    assert.ok(kinds.indexOf('Service') < kinds.indexOf('Deployment'));
    assert.ok(kinds.indexOf('ValidatingWebhookConfiguration') < kinds.indexOf('Deployment'));
    const svc = find(objects, 'Service') as unknown as { metadata: { name: string }; spec: object };
    assert.equal(svc.metadata.name, 'ops-webhook');
    assert.deepEqual(svc.spec, {
      selector: { 'app.kubernetes.io/name': 'ops' },
      ports: [{ name: 'webhook', port: 443, targetPort: 'webhook', protocol: 'TCP' }],
    });
    const config = find(
      objects,
      'ValidatingWebhookConfiguration',
    ) as unknown as ValidatingWebhookConfiguration;
    assert.equal(config.metadata?.name, 'ops');
    assert.equal(config.webhooks?.[0]?.clientConfig.caBundle, undefined, 'the operator fills it in');
    assert.equal(config.webhooks?.[0]?.failurePolicy, 'Ignore');
    const deployment = find(objects, 'Deployment') as unknown as {
      spec: { template: { spec: { containers: { args?: string[]; ports: { name: string }[] }[] } } };
    };
    const container = deployment.spec.template.spec.containers[0]!;
    assert.deepEqual(container.args, [
      '--webhook-bind-address=:9443',
      '--webhook-name=ops',
      '--webhook-service=ops-webhook',
      '--webhook-failure-policy=Ignore',
    ]);
    assert.ok(container.ports.some((p) => p.name === 'webhook'));
    const role = find(objects, 'Role', 'ops-webhook') as unknown as { rules: object[] };
    assert.deepEqual(role.rules, [
      { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
      {
        apiGroups: [''],
        resources: ['secrets'],
        resourceNames: ['ops-webhook-cert'],
        verbs: ['get', 'update'],
      },
    ]);
    const cluster = find(objects, 'ClusterRole', 'ops') as unknown as { rules: { resources: string[] }[] };
    assert.deepEqual(
      cluster.rules.find((r) => r.resources.includes('validatingwebhookconfigurations')),
      {
        apiGroups: ['admissionregistration.k8s.io'],
        resources: ['validatingwebhookconfigurations'],
        resourceNames: ['ops'],
        verbs: ['get', 'patch'],
      },
    );
  });

  it('calls a URL instead of a Service for an operator outside the cluster', () => {
    const objects = generateManifests(declarations, {
      ...base,
      watchNamespaces: ['a'],
      webhook: { url: 'https://127.0.0.1:9443', certSecret: 'certs' },
    });
    assert.equal(find(objects, 'Service'), undefined);
    const config = find(
      objects,
      'ValidatingWebhookConfiguration',
    ) as unknown as ValidatingWebhookConfiguration;
    assert.equal(
      config.webhooks?.[0]?.clientConfig.url,
      'https://127.0.0.1:9443/validate-conf-operon-test-v1beta1-gate',
    );
    assert.ok(config.webhooks?.[0]?.namespaceSelector);
  });

  it('adds nothing when no parent has a spec class', () => {
    const plain = declarations.slice(2);
    const objects = generateManifests(plain, { ...base, webhook: {} });
    assert.deepEqual(
      objects.map((o) => o.kind),
      generateManifests(plain, base).map((o) => o.kind),
    );
  });
});

describe('webhook permissions', () => {
  it('grants create on secrets, and get/update, get/patch by name only', () => {
    const perms = requiredPermissions(declarations, {
      secureMetrics: false,
      webhook: { configuration: 'ops', secret: 'ops-cert' },
    }).filter((p) => p.resource === 'secrets' || p.resource === 'validatingwebhookconfigurations');
    assert.deepEqual(
      perms.map((p) => [p.scope, p.resource, p.verbs.join(','), p.resourceNames?.join(',')]),
      [
        ['own', 'secrets', 'create', undefined],
        ['own', 'secrets', 'get,update', 'ops-cert'],
        ['cluster', 'validatingwebhookconfigurations', 'get,patch', 'ops'],
      ],
    );
    assert.equal(toPolicyRules(perms).length, 3, 'named and unnamed grants are never merged');
  });
});

describe('operon run / manifests webhook flags', () => {
  const parse = (args: string[]): RunWebhookFlags => {
    const cmd = addRunWebhookFlags(new Command('run').exitOverride());
    cmd.parse(args, { from: 'user' });
    return cmd.opts<RunWebhookFlags>();
  };

  it('turns the webhook on with a Service or a URL', () => {
    assert.equal(runWebhookOptions(parse([])), undefined);
    assert.deepEqual(runWebhookOptions(parse(['--webhook-service', 'ops-webhook'])), {
      service: { name: 'ops-webhook' },
    });
    assert.deepEqual(
      runWebhookOptions(
        parse([
          '--webhook-url=https://127.0.0.1:9443',
          '--webhook-bind-address=127.0.0.1:9443',
          '--webhook-name=ops',
          '--webhook-namespace=ops',
          '--webhook-cert-secret=certs',
          '--webhook-failure-policy=Ignore',
        ]),
      ),
      {
        host: '127.0.0.1',
        port: 9443,
        url: 'https://127.0.0.1:9443',
        name: 'ops',
        namespace: 'ops',
        certSecret: 'certs',
        failurePolicy: 'Ignore',
      },
    );
  });

  it('refuses flags that would do nothing, and a bad policy', () => {
    assert.throws(
      () => runWebhookOptions(parse(['--webhook-name=x'])),
      /--webhook-name need --webhook-service or --webhook-url/,
    );
    assert.throws(() => parse(['--webhook-failure-policy=Sometimes']), /Allowed choices are Fail, Ignore/);
    assert.throws(
      () => runWebhookOptions(parse(['--webhook-url=https://a', '--webhook-bind-address=0'])),
      /cannot be 0/,
    );
    assert.throws(
      () => manifestWebhookOptions({ webhookUrl: 'http://a' }),
      /--webhook-url "http:\/\/a" must use https/,
    );
    assert.throws(
      () => manifestWebhookOptions({ webhookFailurePolicy: 'Ignore' }),
      /need --webhook or --webhook-url/,
    );
    assert.deepEqual(manifestWebhookOptions({ webhook: true, webhookFailurePolicy: 'Ignore' }), {
      failurePolicy: 'Ignore',
    });
  });
});
