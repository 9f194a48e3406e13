import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChildAction } from '../../../src/runtime/planner/index.js';
import { inFlight, inWaves, waveOf } from '../../../src/runtime/reconcile/write-waves.js';
import { ConfigMap, Deployment, Namespace, Pod, ServiceAccount } from '../../../src/types/index.js';
import type { ResourceType } from '../../../src/types/resource-type.js';

function create(type: ResourceType, name: string): ChildAction {
  return {
    action: 'create',
    type,
    object: { apiVersion: type.apiVersion, kind: type.kind, metadata: { name } },
  };
}

const names = (waves: ChildAction[][]) =>
  waves.map((w) => w.map((a) => (a.action === 'delete' ? a.live : a.object).metadata.name));

describe('write waves', () => {
  it('keeps only the orders admission enforces: Namespace, then ServiceAccount, then the rest together', () => {
    assert.equal(waveOf(Namespace), 0);
    assert.equal(waveOf(ServiceAccount), 1);
    assert.equal(waveOf(Pod), 2);
    const plan = [
      create(Pod, 'p'),
      create(ConfigMap, 'c'),
      create(ServiceAccount, 'sa'),
      create(Deployment, 'd'),
      create(Namespace, 'ns'),
    ];
    assert.deepEqual(names(inWaves(plan, 'create')), [['ns'], ['sa'], ['p', 'c', 'd']]);
  });

  it('deletes the other way round: dependents first, prerequisites last', () => {
    const del = (type: ResourceType, name: string): ChildAction => ({
      action: 'delete',
      type,
      live: { apiVersion: type.apiVersion, kind: type.kind, metadata: { name, uid: name } },
    });
    const plan = [del(Namespace, 'ns'), del(ServiceAccount, 'sa'), del(Pod, 'p')];
    assert.deepEqual(names(inWaves(plan, 'delete')), [['p'], ['sa'], ['ns']]);
  });

  it('one wave for a plan of ordinary children', () => {
    assert.deepEqual(names(inWaves([create(ConfigMap, 'a'), create(Deployment, 'b')], 'create')), [
      ['a', 'b'],
    ]);
    assert.deepEqual(inWaves([], 'create'), []);
  });
});

describe('inFlight', () => {
  it('never runs more than the limit at once, and starts the next as one ends', async () => {
    let running = 0;
    let most = 0;
    const started: number[] = [];
    const outcomes = await inFlight([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      started.push(n);
      running++;
      most = Math.max(most, running);
      await new Promise((r) => setTimeout(r, 5 + (n % 3) * 5));
      running--;
      return n * 10;
    });
    assert.equal(most, 3);
    assert.deepEqual(started, [1, 2, 3, 4, 5, 6, 7]);
    assert.deepEqual(
      outcomes.map((o) => (o.status === 'fulfilled' ? o.value : undefined)),
      [10, 20, 30, 40, 50, 60, 70],
    );
  });

  it("reports a failure as that item's outcome and goes on with the others", async () => {
    const outcomes = await inFlight(['a', 'b', 'c'], 2, async (s) => {
      if (s === 'b') throw new Error('b failed');
      return s;
    });
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    assert.match(String((outcomes[1] as PromiseRejectedResult).reason), /b failed/);
  });

  it('keeps its lanes busy: the work never pauses between tasks (sequential work would pause seven times)', async () => {
    let rounds = 0;
    let running = 0;
    await inFlight([1, 2, 3, 4, 5, 6, 7], 4, async () => {
      if (running === 0) rounds++;
      running++;
      await new Promise((r) => setTimeout(r, 20));
      running--;
    });
    assert.equal(rounds, 1, `paused ${rounds - 1} times`);
  });
});
