import 'reflect-metadata';
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { after, before, describe, it } from 'node:test';
import type { TLSSocket } from 'node:tls';
import { IsInt, Max } from 'class-validator';
import type { KeyPair } from '../../../src/observability/secure-serving/certificate.js';
import { customResource } from '../../../src/types/custom-resource.js';
import {
  type AdmissionServer,
  admitParent,
  inspectCertificate,
  issueServingCertificate,
  type ReviewHandler,
  serveAdmission,
  validatingWebhookPath,
} from '../../../src/webhooks/index.js';
import { localCertificates } from '../../support/local-webhook.js';

class TinySpec {
  @IsInt() @Max(3) size!: number;
}
const Tiny = customResource({ group: 'srv.operon.test', version: 'v1', kind: 'Tiny', spec: TinySpec });
const path = validatingWebhookPath(Tiny);

interface Answer {
  status: number;
  body: string;
  fingerprint: string;
}

function post(
  server: AdmissionServer,
  ca: KeyPair,
  target: string,
  body: string,
  options: { method?: string; contentType?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${server.url}${target}`,
      {
        method: options.method ?? 'POST',
        ca: ca.cert,
        agent: false,
        headers: { 'content-type': options.contentType ?? 'application/json' },
      },
      (res) => {
        const fingerprint = (res.socket as TLSSocket).getPeerCertificate().fingerprint256;
        let text = '';
        res.on('data', (c: Buffer) => {
          text += c.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, fingerprint }));
      },
    );
    req.on('error', reject);
    req.end(options.method === 'GET' ? undefined : body);
  });
}

const review = (uid: string, spec: object) =>
  JSON.stringify({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid,
      kind: { group: 'srv.operon.test', version: 'v1', kind: 'Tiny' },
      resource: { group: 'srv.operon.test', version: 'v1', resource: 'tinies' },
      operation: 'CREATE',
      name: 't',
      namespace: 'demo',
      object: { apiVersion: 'srv.operon.test/v1', kind: 'Tiny', metadata: { name: 't' }, spec },
    },
  });

describe('serveAdmission', () => {
  let ca: KeyPair;
  let server: AdmissionServer;
  before(async () => {
    const pair = await localCertificates();
    ca = pair.ca;
    const tls = pair.tls;
    server = await serveAdmission({
      listen: { port: 0, host: '127.0.0.1' },
      tls,
      routes: new Map<string, ReviewHandler>([
        [path, (r) => admitParent({ type: Tiny, specs: [TinySpec] }, r)],
        ['/hang', () => new Promise(() => undefined)],
        ['/throw', () => Promise.reject(new Error('boom'))],
      ]),
      maxBodyBytes: 4096,
      handlerTimeoutMs: 100,
    });
  });
  after(() => server?.close());

  it('answers AdmissionReview v1 with AdmissionReview v1, over TLS a CA bundle can verify', async () => {
    const ok = await post(server, ca, path, review('a-1', { size: 2 }));
    assert.equal(ok.status, 200);
    assert.deepEqual(JSON.parse(ok.body), {
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      response: { uid: 'a-1', allowed: true },
    });
    const bad = JSON.parse((await post(server, ca, path, review('a-2', { size: 7 }))).body);
    assert.equal(bad.response.uid, 'a-2');
    assert.equal(bad.response.allowed, false);
    assert.equal(
      bad.response.status.message,
      'The spec is invalid: spec.size: size must not be greater than 3',
    );
    assert.equal(server.reviews, 2);
  });

  it('answers 400 with a clear message for what is not a v1 review', async () => {
    const notJson = await post(server, ca, path, '{"apiVersion":');
    assert.equal(notJson.status, 400);
    assert.match(notJson.body, /^malformed AdmissionReview: the body is not JSON/);
    const v1beta1 = await post(
      server,
      ca,
      path,
      review('x', {}).replace('admission.k8s.io/v1', 'admission.k8s.io/v1beta1'),
    );
    assert.equal(v1beta1.status, 400);
    assert.match(v1beta1.body, /expected apiVersion admission\.k8s\.io\/v1/);
    const yaml = await post(server, ca, path, review('x', {}), { contentType: 'application/yaml' });
    assert.equal(yaml.status, 400);
    assert.match(yaml.body, /content type is application\/yaml; an AdmissionReview is application\/json/);
  });

  it('answers 404, 405 and 413 for what it does not serve', async () => {
    const missing = await post(server, ca, '/validate-nothing', review('x', {}));
    assert.equal(missing.status, 404);
    assert.match(missing.body, new RegExp(`no webhook at /validate-nothing; this server answers ${path}`));
    assert.equal((await post(server, ca, path, '', { method: 'GET' })).status, 405);
    const big = await post(server, ca, path, review('x', { size: 1, padding: 'x'.repeat(5000) }));
    assert.equal(big.status, 413);
    assert.match(big.body, /larger than 4096 bytes/);
  });

  it('answers 500 when a handler throws or misses its deadline, so the failure policy applies', async () => {
    const hang = await post(server, ca, '/hang', review('h', {}));
    assert.equal(hang.status, 500);
    assert.match(hang.body, /could not be judged: no verdict within 100 ms/);
    const thrown = await post(server, ca, '/throw', review('t', {}));
    assert.equal(thrown.status, 500);
    assert.match(thrown.body, /boom/);
  });

  it('serves a rotated certificate to new connections', async () => {
    const now = Date.now();
    const next = await issueServingCertificate(ca, {
      hosts: ['127.0.0.1'],
      notBefore: new Date(now - 60_000),
      notAfter: new Date(now + 7_200_000),
    });
    server.setCertificate(next);
    const answer = await post(server, ca, path, review('r', { size: 1 }));
    assert.equal(answer.status, 200);
    assert.equal(answer.fingerprint, inspectCertificate(next.cert).fingerprint);
    assert.throws(
      () => server.setCertificate({ cert: next.cert, key: ca.key }),
      /not a usable certificate and key/,
    );
  });
});
