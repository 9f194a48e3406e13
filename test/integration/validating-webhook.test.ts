// The validating webhook on the local cluster: the API server (a process on this machine) calls the
// operator's webhook over TLS at https://127.0.0.1:<port> — a URL-based clientConfig, which is how a
// local cluster reaches an operator running as a process outside it — verifying it with the caBundle
// the operator generated and wrote into the configuration that `operon manifests` produced.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { connect } from 'node:tls';
import type { KubeConfig, V1ConfigMap } from '@kubernetes/client-node';
import { IsInt, Max, Min } from 'class-validator';
import { Container } from 'inversify';
import { declarationsFromClasses } from '../../src/generate/from-classes.js';
import { generateManifests } from '../../src/generate/manifests.js';
import {
  Child,
  type ChildRef,
  customResource,
  Operator,
  Operon,
  type OperonHost,
  Sync,
  type WebhookOptions,
} from '../../src/index.js';
import type { RequestRecord } from '../../src/runtime/api/api-client.js';
import { ApiError } from '../../src/runtime/api/api-error.js';
import { serviceAccountKubeConfig } from '../../src/testkit/control-plane.js';
import { applyObjects, installOperatorCrds } from '../../src/testkit/install.js';
import { ConfigMap } from '../../src/types/builtins.js';
import type { KubeObject } from '../../src/types/kube-object.js';
import type { SyncResponse } from '../../src/types/sync.js';
import {
  type ValidatingWebhookConfiguration,
  validatingWebhookPath,
  WEBHOOK_CONFIGURATIONS_PATH,
} from '../../src/webhooks/index.js';
import { AtMost } from '../support/at-most.js';
import { eventually, type TestCluster, useTestCluster } from '../support/cluster.js';
import { freePort, selfPath } from '../support/local-webhook.js';

class GuardSpec {
  @IsInt() @Min(1) @Max(5) replicas!: number;
  @IsInt() @Min(0) @AtMost('replicas') minAvailable = 0;
}

const Guard = customResource<GuardSpec>({
  group: 'webhook.operon.test',
  version: 'v1',
  kind: 'Guard',
  spec: GuardSpec,
});

@Operator({ parent: Guard, name: 'guard' })
class GuardOperator {
  @Child(ConfigMap) maps!: ChildRef<V1ConfigMap>;

  @Sync()
  sync(): SyncResponse {
    return { status: {}, children: [] };
  }
}

/** The API server's refusal, with class-validator's message for `minAvailable: n` over `replicas`. */
const refusedWith = (n: number) =>
  new RegExp(
    `admission webhook "validate\\.guards\\.webhook\\.operon\\.test" denied the request: The spec is invalid: spec\\.minAvailable: minAvailable \\(${n}\\) must not be greater than replicas`,
  );
const REFUSED = refusedWith(3);

describe('the validating webhook on the local cluster', {
  skip: process.env.OPERON_TEST_LOCAL === '0',
}, () => {
  let c: TestCluster;
  let name: string;
  const hosts: OperonHost[] = [];
  const clusterScoped: string[] = [];
  const ports: number[] = [];
  const url = (i: number) => `https://127.0.0.1:${ports[i]}`;

  before(async () => {
    c = await useTestCluster('vwh');
    name = `vwh-${c.namespace}`;
    ports.push(await freePort(), await freePort(), await freePort());
    await installOperatorCrds(c.kubeConfig, [GuardOperator]);
    // What `operon manifests --webhook-url https://127.0.0.1:<port> --leader-election -w <ns>` prints,
    // minus the CRD (installed above) and the Deployment (the operator runs here, as a process).
    const objects = generateManifests(declarationsFromClasses([GuardOperator]), {
      name,
      namespace: c.namespace,
      image: 'unused',
      entry: 'unused',
      watchNamespaces: [c.namespace],
      leaderElection: true,
      webhook: { url: url(1) },
    }).filter((o) => !['CustomResourceDefinition', 'Deployment'].includes(o.kind ?? ''));
    for (const o of objects)
      if (!o.metadata?.namespace && o.kind !== 'ServiceAccount') clusterScoped.push(selfPath(o));
    await applyObjects(c.kubeConfig, objects);
  });
  after(async () => {
    for (const h of hosts) await h.stop();
    for (const path of clusterScoped) await c.api.request({ method: 'DELETE', path }).catch(() => undefined);
    await c.cleanup();
  });

  const guards = (n = '') =>
    `/apis/webhook.operon.test/v1/namespaces/${c.namespace}/guards${n ? `/${n}` : ''}`;
  const create = (n: string, spec: object, dryRun = false) =>
    c.api.request({
      method: 'POST',
      path: guards(),
      query: dryRun ? { dryRun: 'All' } : {},
      body: { apiVersion: 'webhook.operon.test/v1', kind: 'Guard', metadata: { name: n }, spec },
    });
  const refusal = async (n: string, spec: object, dryRun = false): Promise<ApiError | undefined> => {
    try {
      await create(n, spec, dryRun);
      return undefined;
    } catch (e) {
      if (e instanceof ApiError) return e;
      throw e;
    }
  };
  const configuration = () =>
    c.api.request<ValidatingWebhookConfiguration>({
      method: 'GET',
      path: `${WEBHOOK_CONFIGURATIONS_PATH}/${name}`,
    });

  async function start(
    kubeConfig: KubeConfig,
    webhook: WebhookOptions,
    leaderElection = true,
  ): Promise<OperonHost> {
    const container = new Container();
    container.bind(GuardOperator).toSelf().inSingletonScope();
    const host = Operon.create(container, {
      kubeConfig,
      namespaces: [c.namespace],
      resyncIntervalMs: 0,
      leaderElection: leaderElection && { leaseName: name, namespace: c.namespace },
      webhook: { host: '127.0.0.1', name, namespace: c.namespace, ...webhook },
    });
    hosts.push(host);
    await host.start();
    return host;
  }

  /** Waits until the API server uses the configuration as it is now (it reads it from its own watch). */
  async function refusedBy(what: string): Promise<ApiError> {
    return eventually(
      async () => {
        const e = await refusal('probe', { replicas: 2, minAvailable: 3 }, true);
        return e?.body?.message && REFUSED.test(e.body.message) ? e : undefined;
      },
      { what, timeoutMs: 20_000, intervalMs: 200 },
    );
  }

  let leader: OperonHost;
  it("refuses a cross-field violation at create and update with class-validator's message; accepts valid objects", async () => {
    leader = await start(c.kubeConfig, { url: url(0), port: ports[0] });
    await leader.whenLeading();

    // The operator made its CA and serving certificate, kept them in a Secret, and wrote the
    // bundle into the configuration `operon manifests` produced (and pointed it at itself).
    const secret = await c.api.request<{ type: string; data: Record<string, string> }>({
      method: 'GET',
      path: `/api/v1/namespaces/${c.namespace}/secrets/${name}-webhook-cert`,
    });
    assert.equal(secret.type, 'kubernetes.io/tls');
    const config = await configuration();
    const hook = config.webhooks?.[0];
    assert.equal(hook?.clientConfig.caBundle, secret.data['ca-bundle.crt']);
    assert.equal(hook?.clientConfig.url, `${url(0)}${validatingWebhookPath(Guard)}`);
    assert.deepEqual(hook?.admissionReviewVersions, ['v1']);
    assert.equal(hook?.sideEffects, 'None');

    const refused = await refusedBy('the API server to call the webhook with the new caBundle');
    assert.equal(refused.status, 422);
    const real = await refusal('bad', { replicas: 2, minAvailable: 3 });
    assert.match(real?.body?.message ?? '', REFUSED);
    await assert.rejects(c.api.request({ method: 'GET', path: guards('bad') }), (e) =>
      ApiError.isNotFound(e),
    );

    await create('good', { replicas: 3, minAvailable: 2 });
    await assert.rejects(
      c.api.request({
        method: 'PATCH',
        path: guards('good'),
        contentType: 'application/merge-patch+json',
        body: { spec: { minAvailable: 4 } },
      }),
      (e) => e instanceof ApiError && refusedWith(4).test(e.body?.message ?? ''),
    );
    // The status subresource is not sent to the webhook: the rule names the main resource only.
    const reviews = leader.webhook?.reviews ?? 0;
    await c.api.request({
      method: 'PATCH',
      path: `${guards('good')}/status`,
      contentType: 'application/merge-patch+json',
      body: { status: { note: 'by hand' } },
    });
    assert.equal(leader.webhook?.reviews, reviews);
  });

  it('lets a follower serve admission (with only the generated RBAC)', async () => {
    const account = await serviceAccountKubeConfig(c.kubeConfig, { namespace: c.namespace, name });
    const follower = await start(account, { url: url(1), port: ports[1] });
    const forbidden: RequestRecord[] = [];
    follower.api.onRequest((r) => {
      if (r.code === 403) forbidden.push(r);
    });
    assert.equal(follower.leading, false);
    assert.equal(leader.leading, true);
    // The follower pointed the configuration at itself (its URL; the CA in the Secret is shared).
    assert.equal(
      (await configuration()).webhooks?.[0]?.clientConfig.url,
      `${url(1)}${validatingWebhookPath(Guard)}`,
    );
    await eventually(
      async () =>
        (await refusal('probe', { replicas: 2, minAvailable: 3 }, true)) &&
        (follower.webhook?.reviews ?? 0) > 0,
      {
        what: 'the API server to call the follower',
        timeoutMs: 20_000,
        intervalMs: 200,
      },
    );
    const leaderReviews = leader.webhook?.reviews;
    assert.match(
      (await refusal('bad', { replicas: 1, minAvailable: 3 }))?.body?.message ?? '',
      /minAvailable \(3\) must not be greater than replicas/,
    );
    await create('good-2', { replicas: 2, minAvailable: 1 });
    assert.equal(leader.webhook?.reviews, leaderReviews, 'the leader was not asked');
    assert.equal(follower.leading, false, 'still a follower');
    assert.deepEqual(forbidden, [], 'the generated RBAC is enough');
  });

  it('with the operator stopped: Fail refuses every write, Ignore lets them through', async () => {
    for (const h of hosts.splice(0)) await h.stop();
    const down = await eventually(
      async () => {
        const e = await refusal('down', { replicas: 1 }, true);
        return e?.body?.message?.includes('failed calling webhook') ? e : undefined;
      },
      { what: 'a refusal while the webhook is down', timeoutMs: 20_000, intervalMs: 200 },
    );
    assert.match(
      down.body?.message ?? '',
      /failed calling webhook "validate\.guards\.webhook\.operon\.test"/,
    );

    // An operator configured with failurePolicy Ignore rewrites the policy, then stops.
    const ignoring = await start(
      c.kubeConfig,
      { url: url(2), port: ports[2], failurePolicy: 'Ignore' },
      false,
    );
    assert.equal((await configuration()).webhooks?.[0]?.failurePolicy, 'Ignore');
    await ignoring.stop();
    hosts.splice(0);
    await eventually(
      async () => (await refusal('unchecked', { replicas: 2, minAvailable: 3 })) === undefined,
      {
        what: 'an invalid Guard accepted while the webhook is down with failurePolicy Ignore',
        timeoutMs: 20_000,
        intervalMs: 200,
      },
    );
    const stored = await c.api.request<KubeObject & { spec: object }>({
      method: 'GET',
      path: guards('unchecked'),
    });
    assert.deepEqual(stored.spec, { replicas: 2, minAvailable: 3 });
  });

  it('rotates the serving certificate before it expires, serves the new one, and keeps being called', async () => {
    const secretName = `${name}-short`;
    const served = async (): Promise<{ secret: string; served: string }> => {
      const secret = await c.api.request<{ data: Record<string, string> }>({
        method: 'GET',
        path: `/api/v1/namespaces/${c.namespace}/secrets/${secretName}`,
      });
      const pem = (key: string) => Buffer.from(secret.data[key] ?? '', 'base64').toString();
      const peer = await new Promise<string>((resolve, reject) => {
        const socket = connect({ host: '127.0.0.1', port: ports[2], ca: pem('ca-bundle.crt') }, () => {
          resolve(socket.getPeerCertificate().fingerprint256);
          socket.end();
        });
        socket.once('error', reject);
      });
      return { secret: new X509Certificate(pem('tls.crt')).fingerprint256, served: peer };
    };
    const host = await start(
      c.kubeConfig,
      {
        url: url(2),
        port: ports[2],
        certSecret: secretName,
        // A 6 s serving certificate is renewed with a third of its life left, about 4 s in.
        certificates: { caValidityMs: 600_000, certValidityMs: 6_000 },
      },
      false,
    );
    const first = await served();
    assert.equal(first.served, first.secret);
    await refusedBy('the API server to trust the new CA');
    const rotated = await eventually(
      async () => {
        const now = await served();
        return now.secret !== first.secret && now.served === now.secret ? now : undefined;
      },
      { what: 'a rotated serving certificate, served', timeoutMs: 15_000, intervalMs: 250 },
    );
    assert.notEqual(rotated.served, first.served);
    const before = host.webhook?.reviews ?? 0;
    const e = await refusal('after-rotation', { replicas: 2, minAvailable: 3 }, true);
    assert.match(e?.body?.message ?? '', REFUSED);
    assert.ok(
      (host.webhook?.reviews ?? 0) > before,
      'the API server called the webhook over the new certificate',
    );
  });
});
