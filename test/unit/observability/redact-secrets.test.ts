import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { REDACTED, redactSecrets } from '../../../src/observability/redact-secrets.js';

const secret = {
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'db', namespace: 'demo', labels: { data: 'not-secret' } },
  type: 'Opaque',
  data: { password: 'aHVudGVyMg==', user: 'YWRtaW4=' },
  stringData: { token: 'plain' },
};

describe('redactSecrets', () => {
  it("censors every value of a Secret's data and stringData, keeping the keys", () => {
    const out = redactSecrets(secret);
    assert.deepEqual(out.data, { password: REDACTED, user: REDACTED });
    assert.deepEqual(out.stringData, { token: REDACTED });
    assert.deepEqual(out.metadata, secret.metadata, 'metadata is kept, even a label called data');
  });

  it('finds Secrets at any depth, in arrays, and in a SecretList whose items carry no kind', () => {
    const out = redactSecrets({
      children: [{ kind: 'ConfigMap', data: { a: '1' } }, secret],
      request: { parent: { spec: { nested: { deeper: secret } } } },
      list: { kind: 'SecretList', items: [{ metadata: { name: 'x' }, data: { k: 'dg==' } }] },
    });
    assert.deepEqual(out.children[0].data, { a: '1' }, 'ConfigMap data is not secret');
    assert.deepEqual((out.children[1] as typeof secret).data, { password: REDACTED, user: REDACTED });
    assert.deepEqual(out.request.parent.spec.nested.deeper.data, { password: REDACTED, user: REDACTED });
    assert.deepEqual(out.list.items[0].data, { k: REDACTED });
    assert.ok(!JSON.stringify(out).includes('aHVudGVyMg=='));
  });

  it('never mutates its input, so frozen cache objects can be logged', () => {
    const frozen = Object.freeze({ ...secret, data: Object.freeze({ ...secret.data }) });
    const out = redactSecrets({ child: frozen });
    assert.equal(frozen.data.password, 'aHVudGVyMg==');
    assert.equal(out.child.data.password, REDACTED);
  });

  it('returns the same instance when there is nothing to censor', () => {
    const obj = { operator: 'echo', children: [{ kind: 'Pod', spec: {} }] };
    assert.equal(redactSecrets(obj), obj);
  });
});
