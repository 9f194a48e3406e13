// Helpers for tests in which the local cluster's API server calls webhooks served by the test
// process at https://127.0.0.1:<port> (a URL clientConfig), with test certificates.
import { createServer } from 'node:net';
import type { KeyPair } from '../../src/observability/secure-serving/certificate.js';
import type { KubeObject } from '../../src/types/kube-object.js';
import { issueCa, issueServingCertificate } from '../../src/webhooks/index.js';

/** A TCP port free on 127.0.0.1 right now, for a webhook server to listen on. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** The API path of a cluster-scoped object of a kind whose plural is `<kind>s` (RBAC, webhook configurations). */
export function selfPath(o: KubeObject): string {
  const [group, version] = (o.apiVersion ?? '').includes('/')
    ? (o.apiVersion ?? '').split('/')
    : ['', o.apiVersion];
  const plural = `${(o.kind ?? '').toLowerCase()}s`;
  return `${group ? `/apis/${group}/${version}` : `/api/${version}`}/${plural}/${o.metadata?.name}`;
}

/** A CA (a day) and a serving certificate it signed for 127.0.0.1 (an hour), valid from a minute ago. */
export async function localCertificates(): Promise<{ ca: KeyPair; tls: KeyPair }> {
  const now = Date.now();
  const ca = await issueCa({
    commonName: 'test-ca',
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 86_400_000),
  });
  const tls = await issueServingCertificate(ca, {
    hosts: ['127.0.0.1'],
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 3_600_000),
  });
  return { ca, tls };
}
