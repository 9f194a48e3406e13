// The reconciler validates a parent's spec once per generation: passes that a child or the status
// brings (the same generation) transform the spec again but do not run class-validator again.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ValidateBy } from 'class-validator';
import { silentLogger } from '../../../src/observability/logger.js';
import type { ApiClient } from '../../../src/runtime/api/api-client.js';
import type { EventRecorder } from '../../../src/runtime/reconcile/event-recorder.js';
import type { OperatorCache } from '../../../src/runtime/reconcile/operator-cache.js';
import { Reconciler } from '../../../src/runtime/reconcile/reconciler.js';
import { customResource } from '../../../src/types/custom-resource.js';
import type { KubeObject } from '../../../src/types/kube-object.js';

let checks = 0;
class NoteSpec {
  @ValidateBy({
    name: 'counted',
    validator: {
      validate: (value: unknown) => {
        checks++;
        return value !== 'bad';
      },
      defaultMessage: () => 'text must not be "bad"',
    },
  })
  text = '';
}

const Note = customResource({ group: 'example.com', version: 'v1', kind: 'Note', spec: NoteSpec });

function harness() {
  let parent: KubeObject & { spec: { text: string } } = {
    apiVersion: 'example.com/v1',
    kind: 'Note',
    metadata: { name: 'n', namespace: 'demo', uid: 'uid-n', generation: 1, resourceVersion: '1' },
    spec: { text: 'hello' },
  };
  const specs: unknown[] = [];
  // Every write (the status) succeeds and answers with the parent.
  const api = { request: async () => parent } as unknown as ApiClient;
  const cache: OperatorCache = { parent: () => parent, childrenOf: () => [], child: () => undefined };
  const reconciler = new Reconciler({
    config: {
      name: 'notes',
      parent: { type: Note, spec: NoteSpec },
      children: [],
      sync: (req) => {
        specs.push(req.parent.spec);
        return { children: [] };
      },
    },
    api,
    cache,
    events: { record: () => undefined } as unknown as EventRecorder,
    log: silentLogger(),
  });
  return {
    pass: () => reconciler.reconcile('demo/n'),
    specs,
    edit(change: Partial<KubeObject['metadata']>, text?: string) {
      const rv = String(Number(parent.metadata?.resourceVersion) + 1);
      parent = {
        ...parent,
        metadata: { ...parent.metadata, ...change, resourceVersion: rv },
        spec: { text: text ?? parent.spec.text },
      };
    },
  };
}

describe('Spec validation, once per generation', () => {
  it('skips class-validator on passes of a generation already found valid, with a fresh instance each pass', async () => {
    checks = 0;
    const h = harness();
    await h.pass();
    h.edit({ labels: { touched: 'yes' } }); // metadata only: same generation
    await h.pass();
    await h.pass();
    assert.equal(checks, 1);
    assert.equal(h.specs.length, 3);
    assert.ok(h.specs.every((s) => s instanceof NoteSpec));
    assert.notEqual(h.specs[0], h.specs[1], 'each pass gets its own instance (sync may mutate it)');
  });

  it('validates again when the generation moves, and finds an edit that broke the spec', async () => {
    checks = 0;
    const h = harness();
    await h.pass();
    h.edit({ generation: 2 }, 'bad');
    const outcome = await h.pass();
    assert.equal(checks, 2);
    assert.equal(outcome.kind, 'failed');
    assert.equal(h.specs.length, 1, 'sync never saw the invalid spec');
  });

  it('keeps validating an invalid spec on every pass (nothing is remembered for it)', async () => {
    checks = 0;
    const h = harness();
    h.edit({}, 'bad');
    await h.pass();
    await h.pass();
    assert.equal(checks, 2);
    assert.equal(h.specs.length, 0);
  });

  it('validates every pass of a parent that has no generation', async () => {
    checks = 0;
    const h = harness();
    h.edit({ generation: undefined });
    await h.pass();
    await h.pass();
    assert.equal(checks, 2);
  });
});
