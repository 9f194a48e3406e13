// ReconcilerDeps.onSyncCompleted (what the host option `record` uses): called once per pass whose
// sync succeeded with a valid response, before any write, with what sync saw; never otherwise.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Type } from 'class-transformer';
import { IsInt, IsString } from 'class-validator';
import { childRef } from '../../../src/config/child-ref.js';
import type { OperatorConfig } from '../../../src/config/operator-config.js';
import { silentLogger } from '../../../src/observability/logger.js';
import type { ApiClient } from '../../../src/runtime/api/api-client.js';
import type { EventRecorder } from '../../../src/runtime/reconcile/event-recorder.js';
import { Reconciler } from '../../../src/runtime/reconcile/reconciler.js';
import { ConfigMap } from '../../../src/types/builtins.js';
import { customResource } from '../../../src/types/custom-resource.js';
import type { KubeObject } from '../../../src/types/kube-object.js';
import type { SyncRequest, SyncResponse } from '../../../src/types/sync.js';

class NoteSpec {
  @IsString() text!: string;
  @Type(() => Number) @IsInt() copies: number = 1;
}
const Note = customResource({ group: 'example.com', version: 'v1', kind: 'Note', spec: NoteSpec });
const pages = childRef(ConfigMap, 'apply', 'pages');

const parent = Object.freeze({
  apiVersion: 'example.com/v1',
  kind: 'Note',
  metadata: Object.freeze({ name: 'n', namespace: 'demo', uid: 'uid-n', generation: 1 }),
  spec: Object.freeze({ text: 'hi', copies: '2' }), // as stored; sync gets copies: 2
});
const existing = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: {
    name: 'n-0',
    namespace: 'demo',
    uid: 'c1',
    ownerReferences: [
      { apiVersion: 'example.com/v1', kind: 'Note', name: 'n', uid: 'uid-n', controller: true },
    ],
  },
};

type Seen = { request: SyncRequest<unknown>; response: SyncResponse; parent: KubeObject };

async function pass(sync: OperatorConfig<unknown>['sync']): Promise<Seen[]> {
  const seen: Seen[] = [];
  const config: OperatorConfig<unknown> = {
    name: 'notes',
    parent: { type: Note, spec: NoteSpec },
    children: [pages],
    sync,
  };
  const reconciler = new Reconciler({
    config,
    // Every write fails: the hook must already have been called by then.
    api: { request: async () => Promise.reject(new Error('offline')) } as unknown as ApiClient,
    cache: {
      parent: () => parent,
      childrenOf: (type) => (type.kind === 'ConfigMap' ? [existing] : []),
      child: () => undefined,
    },
    events: { record: () => undefined } as unknown as EventRecorder,
    log: silentLogger(),
    onSyncCompleted: (request, response, cached) => seen.push({ request, response, parent: cached }),
  });
  await reconciler.reconcile('demo/n').catch(() => undefined);
  return seen;
}

const page = (name: string): KubeObject => pages.desired({ metadata: { name }, data: { text: 'hi' } });

describe('onSyncCompleted', () => {
  it('gets the request sync saw, its response and the cached parent, before any write', async () => {
    const response = { children: [page('n-0'), page('n-1')], status: { pages: 2 } };
    const seen = await pass(() => response);
    assert.equal(seen.length, 1);
    const [s] = seen;
    assert.equal(s!.response, response);
    assert.equal(s!.parent, parent, 'the parent as cached: its spec as stored');
    assert.equal((s!.request.parent.spec as NoteSpec).copies, 2, 'the request carries the transformed spec');
    assert.ok(s!.request.parent.spec instanceof NoteSpec);
    assert.deepEqual(s!.request.children(pages), [existing]);
  });

  it('is not called when sync throws or returns an invalid response', async () => {
    assert.deepEqual(
      await pass(() => {
        throw new Error('boom');
      }),
      [],
    );
    assert.deepEqual(await pass(() => ({ children: [page(''), page('n-0')] })), []);
  });
});
