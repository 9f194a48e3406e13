// Unit tests of the EchoServer's sync logic: no cluster, milliseconds.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1Pod, V1Service } from '@kubernetes/client-node';
import { OperonError } from 'operon';
import { runFinalize, runSync } from 'operon/testkit';
import { EchoImage, EchoServerOperator } from './echo-server.js';

const operator = () => new EchoServerOperator(new EchoImage());
const parent = (spec: object) => ({ metadata: { name: 'hello', namespace: 'demo' }, spec });

describe('EchoServerOperator.sync', () => {
  it('wants one Pod per replica and one Service', async () => {
    const res = await runSync(operator(), { parent: parent({ message: 'hi', replicas: 3 }) });
    const pods = res.children.filter((c) => c.kind === 'Pod') as V1Pod[];
    const services = res.children.filter((c) => c.kind === 'Service') as V1Service[];
    assert.deepEqual(
      pods.map((p) => p.metadata?.name),
      ['hello-0', 'hello-1', 'hello-2'],
    );
    assert.equal(services.length, 1);
    assert.deepEqual(pods[0].spec?.containers[0].args, ['-text=hi', '-listen=:5678']);
    assert.deepEqual(services[0].spec?.selector, pods[0].metadata?.labels);
  });

  it('applies the spec class defaults (one replica, port 5678)', async () => {
    const res = await runSync(operator(), { parent: parent({ message: 'hi' }) });
    assert.equal(res.children.filter((c) => c.kind === 'Pod').length, 1);
  });

  it('counts current and ready Pods in the status', async () => {
    const ready = { type: 'Ready', status: 'True' };
    const res = await runSync(operator(), {
      parent: parent({ message: 'hi', replicas: 2 }),
      children: [
        {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: 'hello-0' },
          status: { conditions: [ready] },
        } as V1Pod,
        { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'hello-1' } },
        { apiVersion: 'v1', kind: 'Service', metadata: { name: 'hello' } },
      ],
    });
    assert.deepEqual(res.status, { pods: 2, readyPods: 1, service: 'hello' });
  });

  it('rejects an invalid spec before sync runs, listing each violation', async () => {
    await assert.rejects(
      runSync(operator(), { parent: parent({ message: '', replicas: 11 }) }),
      (e) =>
        OperonError.hasCode(e, 'SPEC_INVALID') &&
        /spec\.message: message must be longer than or equal to 1 characters/.test(e.message) &&
        /spec\.replicas: replicas must not be greater than 10/.test(e.message),
    );
  });

  it('reports finalize as done at once', async () => {
    const res = await runFinalize(operator(), { parent: parent({ message: 'hi' }) });
    assert.equal(res.finalized, true);
  });
});
