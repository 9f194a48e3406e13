import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../../src/errors/operon-error.js';
import { NO_RULES, REDACTED_VALUE, redactObject, redactRules } from '../../../src/runtime/record/redact.js';

function frozen<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) frozen(v);
    Object.freeze(value);
  }
  return value;
}

describe('redactObject', () => {
  it('replaces every value of a Secret’s data and stringData, keeping the keys', () => {
    const secret = frozen({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's' },
      data: { password: 'aHVudGVyMg==', user: 'YWRtaW4=' },
      stringData: { token: 'abc' },
      type: 'Opaque',
    });
    assert.deepEqual(redactObject(secret, NO_RULES), {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's' },
      data: { password: REDACTED_VALUE, user: REDACTED_VALUE },
      stringData: { token: REDACTED_VALUE },
      type: 'Opaque',
    });
    // The placeholder is valid base64, so a sync that decodes it gets bytes.
    assert.equal(Buffer.from(REDACTED_VALUE, 'base64').toString('base64'), REDACTED_VALUE);
  });

  it('leaves a ConfigMap’s data and a Secret-like custom kind alone', () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', data: { a: 'b' } };
    assert.deepEqual(redactObject(cm, NO_RULES), cm);
    const custom = { apiVersion: 'example.com/v1', kind: 'Secret', data: { a: 'b' } };
    assert.deepEqual(redactObject(custom, NO_RULES), custom);
  });

  it('redacts configured paths, with * for any key or index, keeping types and shapes', () => {
    const rules = redactRules({
      paths: [
        'spec.password',
        'spec.env.*.value',
        'spec.db',
        ['metadata', 'annotations', 'example.com/token'],
        'spec.missing.deep',
      ],
    });
    const obj = frozen({
      metadata: { name: 'x', annotations: { 'example.com/token': 't0k3n', other: 'keep' } },
      spec: {
        password: 'hunter2',
        env: [
          { name: 'A', value: 'a' },
          { name: 'B', value: 'b' },
        ],
        db: { port: 5432, tls: true, hosts: ['h1', 'h2'], none: null },
        replicas: 3,
      },
    });
    assert.deepEqual(redactObject(obj, rules), {
      metadata: { name: 'x', annotations: { 'example.com/token': REDACTED_VALUE, other: 'keep' } },
      spec: {
        password: REDACTED_VALUE,
        env: [
          { name: 'A', value: REDACTED_VALUE },
          { name: 'B', value: REDACTED_VALUE },
        ],
        db: { port: 0, tls: false, hosts: [REDACTED_VALUE, REDACTED_VALUE], none: null },
        replicas: 3,
      },
    });
  });

  it('redacts configured fields at any depth', () => {
    const rules = redactRules({ fields: ['token'] });
    assert.deepEqual(redactObject({ a: { token: 'x', b: [{ token: 1 }] }, token: 'y' }, rules), {
      a: { token: REDACTED_VALUE, b: [{ token: 0 }] },
      token: REDACTED_VALUE,
    });
  });

  it('refuses empty paths and fields, listing every problem', () => {
    assert.throws(
      () => redactRules({ paths: ['spec..x', ''], fields: [''] }),
      (e: unknown) => e instanceof ConfigError && e.problems.length === 3,
    );
  });
});
