// runSync/planSync with related objects: each relation's selection applied to the given objects,
// as the runtime applies it to its caches.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1ConfigMap, V1Secret } from '@kubernetes/client-node';
import { IsOptional, IsString } from 'class-validator';
import { childRef } from '../../../src/config/child-ref.js';
import type { OperatorConfig } from '../../../src/config/operator-config.js';
import { relatedRef } from '../../../src/config/related-ref.js';
import { Child, Operator, Related, Sync } from '../../../src/decorators/index.js';
import { OperonError } from '../../../src/errors/operon-error.js';
import { describePlan, planSync, runSync } from '../../../src/testkit/sync-harness.js';
import { ConfigMap, Secret } from '../../../src/types/builtins.js';
import { customResource } from '../../../src/types/custom-resource.js';
import type { KubeObject } from '../../../src/types/kube-object.js';
import type { RelatedRef } from '../../../src/types/related.js';
import type { ChildRef, Parent, SyncRequest, SyncResponse } from '../../../src/types/sync.js';

class AppSpec {
  @IsOptional() @IsString() secret?: string;
  @IsString() team: string = 'core'; // a default: select sees the spec as sync does
}
const App = customResource({ group: 'example.com', version: 'v1', kind: 'App', spec: AppSpec });

@Operator({ parent: App })
class AppOperator {
  @Related(Secret, (app: Parent<AppSpec>) => (app.spec.secret ? { name: app.spec.secret } : undefined))
  secret!: RelatedRef<V1Secret>;
  @Related(ConfigMap, (app: Parent<AppSpec>) => ({ selector: { matchLabels: { team: app.spec.team } } }))
  settings!: RelatedRef<V1ConfigMap>;
  @Child(ConfigMap) out!: ChildRef<V1ConfigMap>;
  mutate = false;

  @Sync()
  sync(req: SyncRequest<AppSpec>): SyncResponse {
    const secret = req.related(this.secret);
    if (this.mutate && secret?.metadata) secret.metadata.name = 'changed';
    return {
      children: [],
      status: {
        secret: secret ? `${secret.metadata?.namespace}/${secret.metadata?.name}` : null,
        settings: req.relatedList(this.settings).map((c) => c.metadata?.name),
        first: req.related(this.settings)?.metadata?.name ?? null,
      },
    };
  }
}

const parent = (spec: object) => ({ metadata: { name: 'web', namespace: 'shop' }, spec });
const secret = (name: string, namespace?: string): V1Secret => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name, ...(namespace ? { namespace } : {}) },
  data: { password: 'aHVudGVyMg==' },
});
const configMap = (name: string, labels: Record<string, string>, namespace?: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, labels, ...(namespace ? { namespace } : {}) },
});

describe('runSync with related objects', () => {
  it('gives sync the named object of the parent’s namespace, and undefined without one', async () => {
    const related = [secret('pw'), secret('pw', 'elsewhere'), secret('other')];
    const res = await runSync(new AppOperator(), { parent: parent({ secret: 'pw' }), related });
    assert.equal(res.status?.secret, 'shop/pw');
    const missing = await runSync(new AppOperator(), { parent: parent({ secret: 'gone' }), related });
    assert.equal(missing.status?.secret, null);
    const none = await runSync(new AppOperator(), { parent: parent({}), related });
    assert.equal(none.status?.secret, null, 'select returned undefined: nothing related');
  });

  it('gives every selector match sorted by name; related() is the first', async () => {
    const related = [
      configMap('zeta', { team: 'core' }),
      configMap('alpha', { team: 'core' }),
      configMap('beta', { team: 'web' }),
      configMap('gamma', { team: 'core' }, 'elsewhere'),
    ];
    const res = await runSync(new AppOperator(), { parent: parent({}), related });
    assert.deepEqual(res.status?.settings, ['alpha', 'zeta'], 'the spec default team=core selected them');
    assert.equal(res.status?.first, 'alpha');
    const web = await runSync(new AppOperator(), { parent: parent({ team: 'web' }), related });
    assert.deepEqual(web.status?.settings, ['beta']);
  });

  it('hands out frozen objects and leaves the test’s own objects alone', async () => {
    const given = secret('pw');
    const op = new AppOperator();
    op.mutate = true;
    await assert.rejects(runSync(op, { parent: parent({ secret: 'pw' }), related: [given] }), TypeError);
    assert.ok(!Object.isFrozen(given));
    assert.equal(given.metadata?.namespace, undefined);
  });

  it('refuses objects of a type the operator does not relate to, or without a name', async () => {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' } };
    await assert.rejects(
      runSync(new AppOperator(), { parent: parent({}), related: [pod] }),
      (e) =>
        OperonError.hasCode(e, 'CONFIG_INVALID') &&
        /related\[0\] \(Pod v1 "p"\) is not of a type operator "app" relates to \(Secret \(v1\), ConfigMap \(v1\)\)/.test(
          e.message,
        ),
    );
    await assert.rejects(
      runSync(new AppOperator(), { parent: parent({}), related: [{ apiVersion: 'v1', kind: 'Secret' }] }),
      /related\[0\] \(Secret v1\) has no metadata\.name/,
    );
  });

  it('throws what the runtime would report when a select goes wrong', async () => {
    const broken = relatedRef(
      Secret,
      () => {
        throw new Error('no secret configured');
      },
      'broken',
    );
    const config: OperatorConfig<unknown> = {
      name: 'broken',
      parent: { type: App },
      children: [],
      related: [broken],
      sync: () => ({ children: [] }),
    };
    await assert.rejects(
      runSync(config, { parent: parent({}) }),
      (e) =>
        OperonError.hasCode(e, 'RELATED_SELECTION_INVALID') &&
        /InvalidRelatedSelection/.test(e.message) &&
        /@Related 'broken' \(Secret \(v1\)\): select threw: no secret configured/.test(e.message),
    );
  });

  it('refuses a relation the operator does not declare', async () => {
    const foreign = relatedRef(Secret, () => ({ name: 'x' }), 'foreign');
    const config: OperatorConfig<unknown> = {
      name: 'plain',
      parent: { type: App },
      children: [],
      sync: (req) => ({ children: [], status: { x: req.related(foreign) ?? null } }),
    };
    await assert.rejects(
      runSync(config, { parent: parent({}) }),
      (e) =>
        OperonError.hasCode(e, 'CONFIG_INVALID') &&
        /does not declare \('foreign'; declared: none\)/.test(e.message),
    );
  });

  it('works for hand-written configs and planSync', async () => {
    const out = childRef(ConfigMap);
    const password = relatedRef(
      Secret,
      (p: Parent<{ secret: string }>) => ({ name: p.spec.secret }),
      'password',
    );
    const config: OperatorConfig<{ secret: string }> = {
      name: 'copier',
      parent: { type: App },
      children: [out],
      related: [password],
      sync: (req) => {
        const s = req.related(password);
        return {
          children: s
            ? [out.desired({ metadata: { name: 'copy' }, data: { from: s.metadata?.name ?? '' } })]
            : [],
        };
      },
    };
    const plan = await planSync(config as OperatorConfig<unknown>, {
      parent: parent({ secret: 'pw' }),
      related: [secret('pw')],
    });
    assert.deepEqual(describePlan(plan.plan), ['create ConfigMap/copy']);
    const without = await planSync(config as OperatorConfig<unknown>, { parent: parent({ secret: 'pw' }) });
    assert.deepEqual(describePlan(without.plan), []);
  });
});
