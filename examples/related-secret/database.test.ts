// Unit tests of the Database's sync logic: the password Secret is given as a related object.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1Pod } from '@kubernetes/client-node';
import { runSync } from 'operon/testkit';
import { DatabaseOperator } from './database.js';

const parent = { metadata: { name: 'orders', namespace: 'shop' }, spec: { passwordSecret: 'orders-pw' } };
const secret = (name: string, password: string, namespace?: string) => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name, ...(namespace ? { namespace } : {}) },
  data: { password: Buffer.from(password).toString('base64') },
});
const hashOf = (res: { children: unknown[] }) =>
  (res.children[0] as V1Pod | undefined)?.metadata?.annotations?.['example.com/password-hash'];

describe('the related-secret example', () => {
  it('waits for the password Secret: no Pod, and the status says which Secret', async () => {
    const res = await runSync(new DatabaseOperator(), { parent, related: [secret('other', 'x')] });
    assert.deepEqual(res.children, []);
    assert.equal(res.status?.password, 'waiting for Secret orders-pw with the key "password"');
  });

  it('runs postgres once the named Secret exists, in the parent namespace only', async () => {
    const elsewhere = await runSync(new DatabaseOperator(), {
      parent,
      related: [secret('orders-pw', 'hunter2', 'other-namespace')],
    });
    assert.deepEqual(elsewhere.children, [], 'a Secret of that name in another namespace is not it');
    const res = await runSync(new DatabaseOperator(), { parent, related: [secret('orders-pw', 'hunter2')] });
    assert.deepEqual(
      res.children.map((c) => `${c.kind}/${c.metadata?.name}`),
      ['Pod/orders-db'],
    );
    assert.equal(res.status?.password, 'found');
  });

  it('changes the Pod (so it is recreated) when the password changes', async () => {
    const one = await runSync(new DatabaseOperator(), { parent, related: [secret('orders-pw', 'one')] });
    const two = await runSync(new DatabaseOperator(), { parent, related: [secret('orders-pw', 'two')] });
    assert.ok(hashOf(one));
    assert.notEqual(hashOf(one), hashOf(two));
  });
});
