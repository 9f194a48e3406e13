import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1ConfigMap, V1Pod, V1Service } from '@kubernetes/client-node';
import { IsInt, IsOptional, IsString } from 'class-validator';
import { childRef } from '../../../src/config/child-ref.js';
import type { OperatorConfig } from '../../../src/config/operator-config.js';
import { Child, Operator, Sync } from '../../../src/decorators/index.js';
import { OperonError } from '../../../src/errors/operon-error.js';
import type { Logger } from '../../../src/observability/logger.js';
import { DESIRED_HASH_ANNOTATION, OPERATOR_LABEL } from '../../../src/runtime/planner/ownership.js';
import { describePlan, planSync, runSync } from '../../../src/testkit/sync-harness.js';
import { ConfigMap, Pod, Service } from '../../../src/types/builtins.js';
import { customResource } from '../../../src/types/custom-resource.js';
import type { KubeObject } from '../../../src/types/kube-object.js';
import type { ChildRef, SyncRequest, SyncResponse } from '../../../src/types/sync.js';

class WebSpec {
  @IsString() image!: string;
  @IsInt() replicas!: number;
  @IsOptional() @IsString() html?: string;
}

const WebResource = customResource({ group: 'test.operon.dev', version: 'v1', kind: 'Web', spec: WebSpec });

@Operator({ parent: WebResource })
class WebOperator {
  @Child(Pod, 'recreate') pods!: ChildRef<V1Pod>;
  @Child(Service, 'apply') service!: ChildRef<V1Service>;
  @Child(ConfigMap, 'replace') html!: ChildRef<V1ConfigMap>;
  seen: string[] = [];

  @Sync()
  sync(req: SyncRequest<WebSpec>): SyncResponse {
    const { metadata, spec } = req.parent;
    this.seen = req.children(this.pods).map((p) => p.metadata?.name ?? '');
    const pods = Array.from({ length: spec.replicas }, (_, i) =>
      this.pods.desired({
        metadata: { name: `${metadata.name}-${i}`, labels: { app: metadata.name } },
        spec: { containers: [{ name: 'web', image: spec.image }] },
      }),
    );
    const html = spec.html
      ? [
          this.html.desired({
            metadata: { name: `${metadata.name}-html` },
            data: { 'index.html': spec.html },
          }),
        ]
      : [];
    return {
      status: { pods: req.children(this.pods).length },
      children: [
        ...pods,
        this.service.desired({
          metadata: { name: metadata.name },
          spec: { selector: { app: metadata.name } },
        }),
        ...html,
      ],
    };
  }
}

const web = (spec: Partial<WebSpec> = {}) => ({
  metadata: { name: 'web', namespace: 'demo' },
  spec: { image: 'nginx:1.27', replicas: 2, ...spec },
});

/** A hand-written config whose sync returns whatever the test gives it. */
function returning(response: unknown): OperatorConfig<unknown> {
  return {
    name: 'raw',
    parent: { type: WebResource },
    children: [childRef(Pod, 'recreate', 'pods'), childRef(Service, 'apply', 'service')],
    sync: () => response as SyncResponse,
  };
}

describe('planSync', () => {
  it('plans creating every child when there are none', async () => {
    const { plan, response } = await planSync(new WebOperator(), { parent: web() });
    assert.equal(response.children.length, 3);
    assert.deepEqual(describePlan(plan), ['create Pod/web-0', 'create Pod/web-1', 'create Service/web']);
  });

  it('plans nothing once the children Operon wrote are there, and per strategy when the spec changes', async () => {
    const first = await planSync(new WebOperator(), { parent: web() });
    const again = await planSync(new WebOperator(), { parent: web(), children: first.desired });
    assert.deepEqual(again.plan, []);

    const next = await planSync(new WebOperator(), {
      parent: web({ image: 'nginx:1.28', replicas: 1, html: '<h1>hi</h1>' }),
      children: first.desired,
    });
    assert.deepEqual(
      next.plan.map(
        (a) => `${a.action} ${a.type.kind}/${(a.action === 'delete' ? a.live : a.object).metadata.name}`,
      ),
      ['recreate Pod/web-0', 'create ConfigMap/web-html', 'delete Pod/web-1'],
    );
  });

  it('decorates the desired children as the runtime writes them', async () => {
    const { desired } = await planSync(new WebOperator(), { parent: web() });
    const [pod] = desired;
    assert.equal(pod?.metadata.namespace, 'demo');
    assert.equal(pod?.metadata.labels?.[OPERATOR_LABEL], 'web');
    assert.ok(pod?.metadata.annotations?.[DESIRED_HASH_ANNOTATION]);
    assert.deepEqual(pod?.metadata.ownerReferences, [
      {
        apiVersion: 'test.operon.dev/v1',
        kind: 'Web',
        name: 'web',
        uid: 'test-uid',
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
  });

  it("treats plain current children as the parent's: they reach sync, and drift is updated", async () => {
    const op = new WebOperator();
    const plain: KubeObject[] = [
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-1' } },
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-7' } },
    ];
    const { plan, response } = await planSync(op, { parent: web(), children: plain });
    assert.deepEqual(op.seen, ['web-1', 'web-7']);
    assert.deepEqual(response.status, { pods: 2 });
    // A plain object lacks Operon's desired hash, so it reads as changed by someone else.
    assert.deepEqual(describePlan(plan), [
      'create Pod/web-0',
      'recreate Pod/web-1',
      'create Service/web',
      'delete Pod/web-7',
    ]);
    assert.deepEqual(plain[0]?.metadata, { name: 'web-1' }, 'the input is not touched');
  });

  it('plans a conflict for a name another controller holds, and hides that object from sync', async () => {
    const op = new WebOperator();
    const foreign = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: 'web',
        ownerReferences: [
          { apiVersion: 'v1', kind: 'Thing', name: 'other', uid: 'u-other', controller: true },
        ],
      },
    };
    const { plan } = await planSync(op, { parent: web({ replicas: 0 }), children: [foreign] });
    assert.deepEqual(describePlan(plan), ['conflict Service/web']);
    const conflict = plan[0];
    assert.ok(conflict?.action === 'conflict' && /not controlled by this Web "web"/.test(conflict.message));
  });

  it('refuses test input of a type the operator does not declare', async () => {
    await assert.rejects(
      planSync(new WebOperator(), {
        parent: web(),
        children: [{ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' } }],
      }),
      (e) =>
        OperonError.hasCode(e, 'CONFIG_INVALID') &&
        /children\[0\] \(Deployment apps\/v1 "x"\)/.test(e.message),
    );
  });
});

describe('runSync checks the response as the runtime does', () => {
  const pod = (name?: string, labels?: Record<string, string>) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { ...(name === undefined ? {} : { name }), ...(labels ? { labels } : {}) },
  });

  it('returns a valid response unchanged', async () => {
    const response = { status: { ok: true }, children: [pod('a')] };
    assert.equal(await runSync(returning(response), { parent: web() }), response);
  });

  it('throws SYNC_RESPONSE_INVALID listing every problem', async () => {
    const response = {
      children: [
        { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' } },
        pod('a'),
        pod('a'),
        pod(),
        pod('b', { 'bad key!': 'x' }),
      ],
    };
    for (const run of [runSync, planSync]) {
      await assert.rejects(run(returning(response), { parent: web() }), (e) => {
        assert.ok(OperonError.hasCode(e, 'SYNC_RESPONSE_INVALID'), String(e));
        assert.match(e.message, /InvalidSyncResponse/);
        assert.match(e.message, /4 problems/);
        assert.match(e.message, /Deployment/);
        assert.match(e.message, /declare|declared/);
        assert.match(e.message, /"a"/);
        assert.match(e.message, /metadata\.name/);
        assert.match(e.message, /bad key!/);
        return true;
      });
    }
  });

  it('refuses a response without a children list', async () => {
    await assert.rejects(
      runSync(returning({ status: {} }), { parent: web() }),
      (e) => OperonError.hasCode(e, 'SYNC_RESPONSE_INVALID') && /children must be an array/.test(e.message),
    );
  });

  it('still refuses an invalid spec before sync runs', async () => {
    await assert.rejects(
      runSync(new WebOperator(), { parent: { metadata: { name: 'w' }, spec: { image: 3 } } }),
      (e) => OperonError.hasCode(e, 'SPEC_INVALID'),
    );
  });
});

describe('runSync: the request context', () => {
  const Ctx = customResource({ group: 'test.operon.dev', version: 'v1', kind: 'Ctx' });
  @Operator({ parent: Ctx })
  class CtxOperator {
    @Child(ConfigMap) cms!: ChildRef<V1ConfigMap>;
    @Sync()
    sync(req: SyncRequest): SyncResponse {
      req.log.info({ aborted: req.signal.aborted }, 'in sync');
      return { children: [] };
    }
  }

  it('passes the logger and signal it is given, and a silent logger by default', async () => {
    const lines: unknown[] = [];
    const log = { info: (...args: unknown[]) => lines.push(args) } as unknown as Logger;
    const stopped = new AbortController();
    stopped.abort();
    await runSync(new CtxOperator(), { parent: { spec: {} }, log, signal: stopped.signal });
    assert.deepEqual(lines, [[{ aborted: true }, 'in sync']]);
    await runSync(new CtxOperator(), { parent: { spec: {} } }); // must not throw: req.log exists
  });
});
