// The HTTPS agent of one TLS configuration names its connection pools by host and port only: Node's
// default appends the CA, client certificate and key, decoded from Buffers on every request.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ConnectionSettings } from '../../../src/runtime/api/kubeconfig/kube-config-like.js';
import { Transport } from '../../../src/runtime/api/kubeconfig/transport.js';

const PEM = (label: string) =>
  Buffer.from(`-----BEGIN ${label}-----\n${'QUJD'.repeat(200)}\n-----END ${label}-----\n`);

function transport(tls: ConnectionSettings['tls']): Transport {
  const settings: ConnectionSettings = { tls, headers: {}, freshUntil: Number.POSITIVE_INFINITY };
  return new Transport(new URL('https://api.example:6443'), {
    connectionSettings: async () => settings,
    invalidateConnectionSettings: () => {},
  });
}

describe('Transport agent', () => {
  it('names a connection pool by host and port, without the TLS material', async () => {
    const t = transport({ ca: PEM('CERTIFICATE'), cert: PEM('CERTIFICATE'), key: PEM('PRIVATE KEY') });
    const { agent } = await t.connection();
    const name = agent.getName({ host: 'api.example', port: 6443, ca: PEM('CERTIFICATE') } as never);
    assert.equal(name, 'api.example:6443:');
    assert.ok(!name.includes('BEGIN'));
    t.close();
  });

  it('keeps the TLS options on the agent, where each new connection takes them from', async () => {
    const ca = PEM('CERTIFICATE');
    const t = transport({ ca, servername: 'kubernetes', rejectUnauthorized: true });
    const { agent } = await t.connection();
    const options = (agent as unknown as { options: Record<string, unknown> }).options;
    assert.equal(options.ca, ca);
    assert.equal(options.servername, 'kubernetes');
    assert.equal(options.rejectUnauthorized, true);
    t.close();
  });
});
