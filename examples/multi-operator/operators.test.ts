import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1ConfigMap } from '@kubernetes/client-node';
import { runSync } from 'operon/testkit';
import { Greeter, GreetingOperator, StaticSiteOperator } from './operators.js';

describe('the multi-operator example', () => {
  it('StaticSite wants its HTML in a ConfigMap and an nginx Pod mounting it', async () => {
    const res = await runSync(new StaticSiteOperator(), {
      parent: { metadata: { name: 'home' }, spec: { html: '<h1>hi</h1>' } },
    });
    assert.deepEqual(
      res.children.map((c) => `${c.kind}/${c.metadata?.name}`),
      ['ConfigMap/home-html', 'Pod/home-nginx'],
    );
    assert.equal((res.children[0] as V1ConfigMap).data?.['index.html'], '<h1>hi</h1>');
  });

  it('Greeting uses the injected Greeter', async () => {
    const res = await runSync(new GreetingOperator(new Greeter()), {
      parent: { metadata: { name: 'g' }, spec: { to: 'Operon' } },
    });
    assert.deepEqual((res.children[0] as V1ConfigMap).data, { text: 'Hello, Operon!' });
  });
});
