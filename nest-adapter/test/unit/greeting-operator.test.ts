// How an author unit-tests an operator that injects Nest providers: build it with Test.createTestingModule
// (no OperonModule, no cluster), then call its sync through operon/testkit's runSync, which builds the
// request the runtime would (spec transformed and validated first).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Test } from '@nestjs/testing';
import { buildOperatorConfig, OperonError, type SyncRequest, silentLogger } from 'operon';
import { runSync } from 'operon/testkit';
import { AppConfig, GreetingOperator, GreetingService } from '../support/example.js';

describe('GreetingOperator with Nest DI, without a cluster', () => {
  async function operatorWith(salutation: string) {
    const moduleRef = await Test.createTestingModule({
      providers: [AppConfig, GreetingService, GreetingOperator],
    })
      .overrideProvider(AppConfig)
      .useValue(Object.assign(new AppConfig(), { salutation }))
      .compile();
    return moduleRef.get(GreetingOperator);
  }

  it('should want one ConfigMap holding the greeting made by the injected GreetingService', async () => {
    const operator = await operatorWith('Hi');
    const res = await runSync(operator, {
      parent: { metadata: { name: 'world', namespace: 'demo' }, spec: { to: 'World' } },
    });
    assert.deepEqual(res.children, [
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'world-greeting' },
        data: { text: 'Hi, World!' },
      },
    ]);
    assert.deepEqual(res.status, { text: 'Hi, World!' });
  });

  it('should use a replaced provider, like any Nest provider', async () => {
    const moduleRef = await Test.createTestingModule({
      providers: [AppConfig, GreetingService, GreetingOperator],
    })
      .overrideProvider(GreetingService)
      .useValue({ greet: (to: string) => `stub for ${to}` })
      .compile();
    const res = await runSync(moduleRef.get(GreetingOperator), {
      parent: { metadata: { name: 'w' }, spec: { to: 'x' } },
    });
    assert.deepEqual(res.status, { text: 'stub for x' });
  });

  it('should not run sync for a spec the spec class rejects', async () => {
    const operator = await operatorWith('Hi');
    await assert.rejects(
      runSync(operator, { parent: { metadata: { name: 'w' }, spec: { to: '' } } }),
      (err: unknown) => OperonError.hasCode(err, 'SPEC_INVALID') && /to/.test((err as Error).message),
    );
  });

  it('should also run from a hand-built request through buildOperatorConfig', async () => {
    const operator = await operatorWith('Hello');
    const config = buildOperatorConfig(operator);
    const request: SyncRequest<{ to: string }> = {
      parent: {
        apiVersion: 'nest.example.com/v1alpha1',
        kind: 'Greeting',
        metadata: { name: 'w', namespace: 'demo', uid: 'u1', generation: 1 },
        spec: { to: 'Nest' },
      },
      finalizing: false,
      signal: new AbortController().signal,
      log: silentLogger(),
      children: () => [],
      child: () => undefined,
      related: () => undefined,
      relatedList: () => [],
    };
    const res = await config.sync(request);
    assert.deepEqual(res.status, { text: 'Hello, Nest!' });
  });
});
