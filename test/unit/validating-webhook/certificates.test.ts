import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { describe, it } from 'node:test';
import { ApiError } from '../../../src/runtime/api/api-error.js';
import {
  applyRotation,
  type CertificateState,
  caBundleOf,
  ensureCertificates,
  inspectCertificate,
  issueCa,
  issuedBy,
  issueServingCertificate,
  matchesKey,
  nextRenewal,
  normaliseHost,
  planRotation,
  type SecretClient,
  type SecretObject,
  secretData,
  splitPem,
  stateFromSecret,
} from '../../../src/webhooks/index.js';

const DAY = 86_400_000;
const policy = { caValidityMs: 30 * DAY, certValidityMs: 3 * DAY };
const hosts = ['hook.demo.svc', 'hook.demo.svc.cluster.local'];
const t0 = new Date('2030-01-01T00:00:00Z');
const at = (days: number) => new Date(t0.getTime() + days * DAY);

/** A state issued at `day` (CA and serving certificate), as the keeper would write it then. */
async function issuedAt(day: number, h = hosts): Promise<CertificateState> {
  return applyRotation(undefined, {}, { hosts: h, now: at(day), policy, caName: 'hook-ca' });
}

describe('certificates', () => {
  it('issues a CA and a serving certificate it signed, for the given hosts', async () => {
    const ca = await issueCa({ commonName: 'hook-ca@1', notBefore: at(0), notAfter: at(30) });
    const info = inspectCertificate(ca.cert);
    assert.equal(info.isCA, true);
    assert.equal(info.notAfter.toISOString(), at(30).toISOString());
    assert.ok(matchesKey(ca.cert, ca.key));
    const serving = await issueServingCertificate(ca, {
      hosts: ['hook.demo.svc', '127.0.0.1', '::1'],
      notBefore: at(0),
      notAfter: at(60),
    });
    const s = inspectCertificate(serving.cert);
    assert.equal(s.isCA, false);
    assert.deepEqual(s.hosts, ['hook.demo.svc', '127.0.0.1', '0:0:0:0:0:0:0:1']);
    assert.equal(s.notAfter.toISOString(), at(30).toISOString(), 'capped at the CA expiry');
    assert.ok(issuedBy(serving.cert, ca.cert));
    assert.ok(matchesKey(serving.cert, serving.key));
    assert.ok(!matchesKey(serving.cert, ca.key));
    const other = await issueCa({ commonName: 'hook-ca@1', notBefore: at(0), notAfter: at(30) });
    assert.ok(!issuedBy(serving.cert, other.cert), 'same name, other key: not the issuer');
    assert.match(new X509Certificate(serving.cert).keyUsage?.join() ?? '', /1\.3\.6\.1\.5\.5\.7\.3\.1/);
  });

  it('splits bundles and normalises hosts', () => {
    assert.deepEqual(splitPem(''), []);
    const pem = '-----BEGIN CERTIFICATE-----\nAAA\n-----END CERTIFICATE-----';
    assert.deepEqual(splitPem(`${pem}\n${pem}`), [`${pem}\n`, `${pem}\n`]);
    assert.equal(normaliseHost('[::1]'), '0:0:0:0:0:0:0:1');
    assert.equal(normaliseHost('FE80::0001'), 'fe80:0:0:0:0:0:0:1');
    assert.equal(normaliseHost('Hook.Demo.SVC'), 'hook.demo.svc');
    assert.equal(normaliseHost('127.0.0.1'), '127.0.0.1');
  });
});

describe('planRotation', () => {
  it('issues everything when there is nothing', () => {
    assert.deepEqual(planRotation(undefined, hosts, t0, policy), {
      newCa: 'there is no CA',
      newServing: 'there is no serving certificate',
    });
  });

  it('keeps fresh certificates, and renews the serving one with less than a third of its life left', async () => {
    const state = await issuedAt(0);
    assert.deepEqual(planRotation(state, hosts, at(1), policy), {});
    const due = planRotation(state, hosts, at(2.1), policy);
    assert.equal(due.newCa, undefined);
    assert.match(
      due.newServing ?? '',
      /the serving certificate expires at .* with less than 33 % of its lifetime left/,
    );
    assert.match(planRotation(state, hosts, at(3.5), policy).newServing ?? '', /expired at/);
    assert.equal(
      nextRenewal(state, policy)?.getTime(),
      Math.round(at(3).getTime() - (3 * DAY + 3_600_000) / 3),
    );
  });

  it('renews the serving certificate when a host is added', async () => {
    const state = await issuedAt(0);
    const plan = planRotation(state, [...hosts, '10.0.0.7'], at(1), policy);
    assert.equal(plan.newServing, 'the serving certificate is not valid for 10.0.0.7');
  });

  it('refuses keys that do not match and CAs that are not CAs', async () => {
    const state = await issuedAt(0);
    const swapped = { ...state, serving: { cert: state.serving!.cert, key: state.ca!.key } };
    assert.equal(
      planRotation(swapped, hosts, at(1), policy).newServing,
      'the serving key does not match its certificate',
    );
    const notCa = { ...state, ca: state.serving! };
    assert.equal(planRotation(notCa, hosts, at(1), policy).newCa, 'the CA certificate is not a CA');
    const garbage = { ...state, ca: { cert: 'x', key: 'y' } };
    assert.equal(planRotation(garbage, hosts, at(1), policy).newCa, 'the CA certificate cannot be read');
  });

  it('rotates the CA before it expires, keeping the old one trusted and the serving certificate as it is', async () => {
    const old = await issuedAt(0);
    // Day 19: a serving certificate renewed as usual; day 20.5: the CA has less than a third left.
    const renewed = await applyRotation(
      old,
      { newServing: 'due' },
      { hosts, now: at(19), policy, caName: 'hook-ca' },
    );
    assert.ok(issuedBy(renewed.serving!.cert, old.ca!.cert));
    const plan = planRotation(renewed, hosts, at(20.5), policy);
    assert.match(plan.newCa ?? '', /the CA expires at/);
    assert.equal(plan.newServing, undefined, 'the serving certificate is still good and still trusted');
    const rotated = await applyRotation(renewed, plan, { hosts, now: at(20.5), policy, caName: 'hook-ca' });
    assert.notEqual(rotated.ca!.cert, old.ca!.cert);
    assert.deepEqual(rotated.bundle, [rotated.ca!.cert, old.ca!.cert], 'new CA first, old CA kept');
    assert.equal(rotated.serving, renewed.serving);
    assert.deepEqual(planRotation(rotated, hosts, at(20.6), policy), {});
    // The next serving certificate comes from the new CA.
    const next = planRotation(rotated, hosts, at(21.2), policy);
    assert.ok(next.newServing && !next.newCa && !next.signWithPrevious);
    const after = await applyRotation(rotated, next, { hosts, now: at(21.2), policy, caName: 'hook-ca' });
    assert.ok(issuedBy(after.serving!.cert, rotated.ca!.cert));
    // Once the old CA expires it leaves the bundle.
    const expired = await applyRotation(after, {}, { hosts, now: at(31), policy, caName: 'hook-ca' });
    assert.deepEqual(expired.bundle, [rotated.ca!.cert]);
  });

  it('signs a serving certificate due in the same check with the old CA, which the API server already trusts', async () => {
    const old = await issuedAt(0);
    const serving = await applyRotation(
      old,
      { newServing: 'due' },
      { hosts, now: at(19), policy, caName: 'hook-ca' },
    );
    const plan = planRotation(serving, hosts, at(21.5), policy);
    assert.ok(plan.newCa && plan.newServing && plan.signWithPrevious, JSON.stringify(plan));
    const rotated = await applyRotation(serving, plan, { hosts, now: at(21.5), policy, caName: 'hook-ca' });
    assert.ok(issuedBy(rotated.serving!.cert, old.ca!.cert));
    assert.ok(rotated.bundle.includes(old.ca!.cert));
  });

  it('replaces an expired CA and everything it signed', async () => {
    const old = await issuedAt(0);
    const plan = planRotation(old, hosts, at(31), policy);
    assert.match(plan.newCa ?? '', /the CA expired at/);
    assert.match(plan.newServing ?? '', /its CA is being replaced/);
    assert.equal(plan.signWithPrevious, undefined);
    const fresh = await applyRotation(old, plan, { hosts, now: at(31), policy, caName: 'hook-ca' });
    assert.deepEqual(fresh.bundle, [fresh.ca!.cert]);
    assert.ok(issuedBy(fresh.serving!.cert, fresh.ca!.cert));
  });
});

/** A Secret held in memory, with the API server's compare-and-swap on resourceVersion. */
class MemorySecrets implements SecretClient {
  secret: SecretObject | undefined;
  writes = 0;
  private rv = 0;
  /** Runs before a write is applied (e.g. another replica writing first). */
  beforeWrite: (() => Promise<void>) | undefined;

  async get(): Promise<SecretObject | undefined> {
    return this.secret && structuredClone(this.secret);
  }
  async create(secret: SecretObject): Promise<SecretObject> {
    await this.hook();
    if (this.secret) throw new ApiError(409, 'create', '/secrets', { reason: 'AlreadyExists', code: 409 });
    return this.store(secret);
  }
  async replace(secret: SecretObject): Promise<SecretObject> {
    await this.hook();
    if (secret.metadata?.resourceVersion !== this.secret?.metadata?.resourceVersion)
      throw new ApiError(409, 'update', '/secrets/x', { reason: 'Conflict', code: 409 });
    return this.store(secret);
  }
  store(secret: SecretObject): SecretObject {
    this.writes++;
    this.secret = {
      ...structuredClone(secret),
      metadata: { ...secret.metadata, resourceVersion: String(++this.rv) },
    };
    return structuredClone(this.secret);
  }
  private async hook(): Promise<void> {
    const h = this.beforeWrite;
    this.beforeWrite = undefined;
    await h?.();
  }
}

const keeper = (store: SecretClient, now: Date) =>
  ensureCertificates(store, {
    namespace: 'demo',
    name: 'hook-webhook-cert',
    hosts,
    policy,
    caName: 'hook-ca',
    labels: { 'app.kubernetes.io/managed-by': 'operon' },
    now: () => now,
  });

describe('ensureCertificates', () => {
  it('creates the Secret, then leaves it alone while the certificates are good', async () => {
    const store = new MemorySecrets();
    const first = await keeper(store, at(0));
    assert.equal(first.action, 'created');
    assert.equal(store.secret?.type, 'kubernetes.io/tls');
    assert.deepEqual(Object.keys(store.secret?.data ?? {}).sort(), [
      'ca-bundle.crt',
      'ca.crt',
      'ca.key',
      'tls.crt',
      'tls.key',
    ]);
    assert.deepEqual(stateFromSecret(store.secret!), first.state);
    const again = await keeper(store, at(1));
    assert.equal(again.action, 'unchanged');
    assert.equal(store.writes, 1);
    assert.equal(caBundleOf(again.state), Buffer.from(first.state.ca!.cert).toString('base64'));
  });

  it('lets two replicas race to create it: the loser reads the winner’s certificates and keeps them', async () => {
    const store = new MemorySecrets();
    const [a, b] = await Promise.all([keeper(store, at(0)), keeper(store, at(0))]);
    assert.deepEqual([a.action, b.action].sort(), ['created', 'unchanged']);
    assert.equal(a.state.ca?.cert, b.state.ca?.cert);
    assert.equal(a.state.serving?.cert, b.state.serving?.cert);
    assert.equal(store.writes, 1);
  });

  it('rotates with compare-and-swap, re-deciding when another replica rotated first, and keeps foreign keys', async () => {
    const store = new MemorySecrets();
    await keeper(store, at(0));
    store.secret!.data = { ...store.secret!.data, 'extra.txt': Buffer.from('mine').toString('base64') };
    // Another replica rotates between our read and our write.
    store.beforeWrite = async () => {
      const theirs = await applyRotation(
        stateFromSecret(store.secret!),
        { newServing: 'due' },
        {
          hosts,
          now: at(2.5),
          policy,
          caName: 'hook-ca',
        },
      );
      store.store({ ...store.secret!, data: { ...store.secret!.data, ...secretData(theirs) } });
    };
    const result = await keeper(store, at(2.5));
    assert.equal(result.action, 'unchanged', 'the other replica’s fresh certificate is good');
    assert.equal(store.writes, 2, 'our stale write never landed');
    assert.equal(Buffer.from(store.secret!.data!['extra.txt']!, 'base64').toString(), 'mine');
    const rotated = await keeper(store, at(5));
    assert.equal(rotated.action, 'rotated');
    assert.equal(Buffer.from(store.secret!.data!['extra.txt']!, 'base64').toString(), 'mine');
  });

  it('passes on errors that are not conflicts (RBAC)', async () => {
    const store = new MemorySecrets();
    store.get = () =>
      Promise.reject(new ApiError(403, 'get', '/api/v1/namespaces/demo/secrets/x', undefined));
    await assert.rejects(keeper(store, at(0)), /Forbidden/);
  });
});
