// A real mutating admission webhook, served by the test process, that injects a sidecar container
// at the front of every labelled Pod (as Istio or Linkerd do). It serves with the local cluster's
// API server certificate (valid for 127.0.0.1, signed by the cluster CA), so it only runs against
// the local cluster, whose PKI sits beside its kubeconfig.
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import type { V1Pod } from '@kubernetes/client-node';
import type { ApiClient } from '../../src/runtime/api/api-client.js';
import { eventually } from './cluster.js';

export const SIDECAR = { name: 'injected-proxy', image: 'registry.k8s.io/pause:3.10' };

export interface SidecarWebhook {
  /** Pods the webhook mutated so far. */
  readonly injected: number;
  close(): Promise<void>;
}

/** The local cluster's PKI, or undefined when the tests run against another cluster. */
export function localPki(kubeconfigPath: string): { cert: Buffer; key: Buffer; ca: Buffer } | undefined {
  const pki = join(dirname(kubeconfigPath), 'pki');
  if (!existsSync(join(pki, 'apiserver.key'))) return undefined;
  return {
    cert: readFileSync(join(pki, 'apiserver.crt')),
    key: readFileSync(join(pki, 'apiserver.key')),
    ca: readFileSync(join(pki, 'ca.crt')),
  };
}

/**
 * Serves the webhook and registers a MutatingWebhookConfiguration for Pods labelled
 * `label=true` in `namespace`; resolves once the API server calls it.
 */
export async function startSidecarWebhook(
  api: ApiClient,
  pki: { cert: Buffer; key: Buffer; ca: Buffer },
  namespace: string,
  label: string,
): Promise<SidecarWebhook> {
  let injected = 0;
  const server: Server = createServer({ cert: pki.cert, key: pki.key }, (req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => {
      body += d.toString();
    });
    req.on('end', () => {
      const review = JSON.parse(body) as { request: { uid: string; dryRun?: boolean } };
      if (!review.request.dryRun) injected++;
      const patch = [{ op: 'add', path: '/spec/containers/0', value: SIDECAR }];
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          apiVersion: 'admission.k8s.io/v1',
          kind: 'AdmissionReview',
          response: {
            uid: review.request.uid,
            allowed: true,
            patchType: 'JSONPatch',
            patch: Buffer.from(JSON.stringify(patch)).toString('base64'),
          },
        }),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const name = `operon-test-sidecar-${namespace}`;
  const configPath = '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations';
  await api.request({
    method: 'POST',
    path: configPath,
    body: {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'MutatingWebhookConfiguration',
      metadata: { name },
      webhooks: [
        {
          name: 'sidecar.operon.test',
          clientConfig: { url: `https://127.0.0.1:${port}/mutate`, caBundle: pki.ca.toString('base64') },
          rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }],
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } },
          objectSelector: { matchLabels: { [label]: 'true' } },
          sideEffects: 'None',
          admissionReviewVersions: ['v1'],
          failurePolicy: 'Fail',
          timeoutSeconds: 5,
        },
      ],
    },
  });
  // The API server picks the configuration up from its own watch: wait until a dry run shows it.
  await eventually(
    async () => {
      const pod = await api.request<V1Pod>({
        method: 'POST',
        path: `/api/v1/namespaces/${namespace}/pods`,
        query: { dryRun: 'All' },
        body: {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: 'webhook-probe', labels: { [label]: 'true' } },
          spec: { containers: [{ name: 'c', image: SIDECAR.image }] },
        },
      });
      return pod.spec?.containers[0]?.name === SIDECAR.name;
    },
    { what: 'the sidecar webhook to be called' },
  );
  return {
    get injected() {
      return injected;
    },
    async close() {
      await api.request({ method: 'DELETE', path: `${configPath}/${name}` }).catch(() => undefined);
      await new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections(); // the API server keeps its connection alive
      });
    },
  };
}
