// Related resources on the real API server: a change to a related Secret runs exactly the parents
// that select it (by name or by label selector), a deleted one reads as undefined, two operators
// relating to Secrets share one metadata-only watch (counted by the API server) and read only the
// Secrets they select in full, and the example operator runs on nothing but its generated RBAC.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KubeConfig, V1Pod, V1PolicyRule, V1Secret } from '@kubernetes/client-node';
import { Container } from 'inversify';
import { DatabaseOperator as ExampleDatabaseOperator } from '../../examples/related-secret/database.js';
import { missingPermissions } from '../../src/generate/check-permissions.js';
import { declarationsFromClasses } from '../../src/generate/from-classes.js';
import { generateRbac } from '../../src/generate/rbac.js';
import {
  customResource,
  type KubeObject,
  Operator,
  Operon,
  type OperonHost,
  type Parent,
  Related,
  type RelatedRef,
  Sync,
  type SyncRequest,
  type SyncResponse,
} from '../../src/index.js';
import type { RequestRecord } from '../../src/runtime/api/api-client.js';
import { ApiClient } from '../../src/runtime/api/api-client.js';
import { ApiError } from '../../src/runtime/api/api-error.js';
import { METADATA_LIST_ACCEPT, METADATA_WATCH_ACCEPT } from '../../src/runtime/informers/reflector.js';
import { serviceAccountKubeConfig } from '../../src/testkit/control-plane.js';
import { applyObjects, installOperatorCrds } from '../../src/testkit/install.js';
import { Secret } from '../../src/types/builtins.js';
import { eventually, type TestCluster, useTestCluster } from '../support/cluster.js';

interface DbSpec {
  passwordSecret: string;
}
const Database = customResource<DbSpec>({ group: 'related.operon.test', version: 'v1', kind: 'Database' });

/** Names its password Secret; reports the password it read, or `missing`. Counts its passes. */
@Operator({ parent: Database, name: 'rel-database' })
class DatabaseOperator {
  @Related(Secret, (db: Parent<DbSpec>) => ({ name: db.spec.passwordSecret }))
  password!: RelatedRef<V1Secret>;
  readonly calls = new Map<string, number>();
  /** What the last pass of each parent got from req.related (undefined included). */
  readonly seen = new Map<string, V1Secret | undefined>();

  @Sync()
  sync(req: SyncRequest<DbSpec>): SyncResponse {
    const name = req.parent.metadata.name;
    this.calls.set(name, (this.calls.get(name) ?? 0) + 1);
    const secret = req.related(this.password);
    this.seen.set(name, secret);
    const password = secret?.data?.password;
    return {
      children: [],
      status: { password: password ? Buffer.from(password, 'base64').toString() : 'missing' },
    };
  }
}

interface MirrorSpec {
  group: string;
}
const Mirror = customResource<MirrorSpec>({ group: 'related.operon.test', version: 'v1', kind: 'Mirror' });

/** Selects Secrets by label; reports their names. Counts its passes. */
@Operator({ parent: Mirror, name: 'rel-mirror' })
class MirrorOperator {
  @Related(Secret, (m: Parent<MirrorSpec>) => ({ selector: { matchLabels: { mirror: m.spec.group } } }))
  sources!: RelatedRef<V1Secret>;
  readonly calls = new Map<string, number>();

  @Sync()
  sync(req: SyncRequest<MirrorSpec>): SyncResponse {
    const name = req.parent.metadata.name;
    this.calls.set(name, (this.calls.get(name) ?? 0) + 1);
    const sources = req.relatedList(this.sources).map((s) => s.metadata?.name ?? '');
    return {
      children: [],
      status: { sources: sources.join(','), first: req.related(this.sources)?.metadata?.name ?? '' },
    };
  }
}

type Condition = { type: string; status: string; reason: string; message: string };
type WithStatus = KubeObject & { status?: Record<string, unknown> & { conditions?: Condition[] } };

/** Active WATCH requests on Secrets at the API server, by scope (`namespace`, `cluster`). */
async function secretWatches(c: TestCluster, scope: 'namespace' | 'cluster'): Promise<number> {
  const res = await c.api.stream({ path: '/metrics' });
  let text = '';
  for await (const chunk of res) text += String(chunk);
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith('apiserver_longrunning_requests{')) continue;
    if (
      !line.includes('verb="WATCH"') ||
      !line.includes('resource="secrets"') ||
      !line.includes(`scope="${scope}"`)
    )
      continue;
    if (!line.includes('group=""')) continue;
    total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

describe('related resources', () => {
  let c: TestCluster;
  let host: OperonHost;
  let db: DatabaseOperator;
  let mirror: MirrorOperator;
  let watchesBefore = 0;
  const watchRequests: string[] = [];
  /** Paths of the host's GETs of single Secrets (reads of selected Secrets in full). */
  const secretGets: string[] = [];

  const ns = () => c.namespace;
  const secretsPath = (name = '') => `/api/v1/namespaces/${ns()}/secrets${name ? `/${name}` : ''}`;
  const parentPath = (plural: string, name = '') =>
    `/apis/related.operon.test/v1/namespaces/${ns()}/${plural}${name ? `/${name}` : ''}`;
  const putSecret = async (name: string, password: string, labels?: Record<string, string>) => {
    const body = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name, ...(labels ? { labels } : {}) },
      stringData: { password },
    };
    try {
      await c.api.request({ method: 'POST', path: secretsPath(), body });
    } catch (e) {
      if (!ApiError.isAlreadyExists(e)) throw e;
      await c.api.request({
        method: 'PATCH',
        path: secretsPath(name),
        contentType: 'application/merge-patch+json',
        body: { stringData: { password }, ...(labels ? { metadata: { labels } } : {}) },
      });
    }
  };
  const labelSecret = (name: string, labels: Record<string, string | null>) =>
    c.api.request({
      method: 'PATCH',
      path: secretsPath(name),
      contentType: 'application/merge-patch+json',
      body: { metadata: { labels } },
    });
  const create = (plural: string, kind: string, name: string, spec: object) =>
    c.api.request({
      method: 'POST',
      path: parentPath(plural),
      body: { apiVersion: 'related.operon.test/v1', kind, metadata: { name }, spec },
    });
  const statusOf = (plural: string, name: string, key: string, value: string) =>
    eventually(
      async () => {
        const p = await c.api.request<WithStatus>({ method: 'GET', path: parentPath(plural, name) });
        const synced = p.status?.conditions?.some((x) => x.type === 'Synced' && x.status === 'True');
        return synced && p.status?.[key] === value ? p : undefined;
      },
      { what: `${plural}/${name} status.${key}=${value}`, timeoutMs: 30_000 },
    );

  /** Waits until no pass has run for 1 s, then returns the pass counts. */
  async function settled(): Promise<Record<string, number>> {
    const counts = () =>
      JSON.stringify([...db.calls, ...[...mirror.calls].map(([k, v]) => [`mirror/${k}`, v] as const)]);
    let last = counts();
    let since = Date.now();
    await eventually(
      () => {
        const now = counts();
        if (now !== last) {
          last = now;
          since = Date.now();
        }
        return Date.now() - since >= 1000;
      },
      { what: 'no pass for 1 s', timeoutMs: 30_000, intervalMs: 50 },
    );
    return Object.fromEntries(JSON.parse(last) as [string, number][]);
  }
  const delta = (before: Record<string, number>, after: Record<string, number>) =>
    Object.fromEntries(
      Object.keys(after)
        .map((k) => [k, (after[k] ?? 0) - (before[k] ?? 0)] as const)
        .filter(([, d]) => d !== 0),
    );

  before(async () => {
    c = await useTestCluster('related');
    await installOperatorCrds(c.kubeConfig, [DatabaseOperator, MirrorOperator]);
    watchesBefore = await secretWatches(c, 'namespace');
    const container = new Container({ defaultScope: 'Singleton' });
    container.bind(DatabaseOperator).toSelf();
    container.bind(MirrorOperator).toSelf();
    host = Operon.create(container, { kubeConfig: c.kubeConfig, namespaces: [ns()], resyncIntervalMs: 0 });
    host.api.onRequest((r) => {
      if (r.verb === 'watch') watchRequests.push(r.path);
      if (r.verb === 'get' && r.path.startsWith(`${secretsPath()}/`)) secretGets.push(r.path);
    });
    await host.start();
    db = container.get(DatabaseOperator);
    mirror = container.get(MirrorOperator);
  });
  after(async () => {
    await host?.stop();
    await c.cleanup();
  });

  it('runs exactly the parents that name a Secret when it changes', async () => {
    await putSecret('pw-a', 'one');
    await putSecret('pw-b', 'two');
    await putSecret('unrelated', 'x');
    await create('databases', 'Database', 'd1', { passwordSecret: 'pw-a' });
    await create('databases', 'Database', 'd2', { passwordSecret: 'pw-a' });
    await create('databases', 'Database', 'd3', { passwordSecret: 'pw-b' });
    await statusOf('databases', 'd1', 'password', 'one');
    await statusOf('databases', 'd2', 'password', 'one');
    await statusOf('databases', 'd3', 'password', 'two');

    let before = await settled();
    await putSecret('pw-a', 'one-changed');
    await statusOf('databases', 'd1', 'password', 'one-changed');
    await statusOf('databases', 'd2', 'password', 'one-changed');
    let after = await settled();
    assert.deepEqual(delta(before, after), { d1: 1, d2: 1 }, 'one pass each for d1 and d2, none for d3');

    before = after;
    await putSecret('unrelated', 'y');
    await labelSecret('unrelated', { some: 'label' });
    after = await settled();
    assert.deepEqual(delta(before, after), {}, 'a Secret nobody selects runs nobody');
    const fromCache = db.seen.get('d1');
    assert.ok(
      fromCache && Object.isFrozen(fromCache) && Object.isFrozen(fromCache.data),
      'frozen, from the cache',
    );
  });

  it('reads a deleted Secret as undefined on the next pass, and follows a parent that changes its selection', async () => {
    let before = await settled();
    await c.api.request({ method: 'DELETE', path: secretsPath('pw-b') });
    await statusOf('databases', 'd3', 'password', 'missing');
    assert.equal(db.seen.get('d3'), undefined);
    let after = await settled();
    assert.deepEqual(delta(before, after), { d3: 1 });

    // d3 now names pw-a: pw-b coming back no longer concerns it; pw-a does.
    await c.api.request({
      method: 'PATCH',
      path: parentPath('databases', 'd3'),
      contentType: 'application/merge-patch+json',
      body: { spec: { passwordSecret: 'pw-a' } },
    });
    await statusOf('databases', 'd3', 'password', 'one-changed');
    before = await settled();
    await putSecret('pw-b', 'two-again');
    after = await settled();
    assert.deepEqual(delta(before, after), {}, 'nobody names pw-b any more');
    await putSecret('pw-a', 'three');
    await statusOf('databases', 'd3', 'password', 'three');
    assert.deepEqual(delta(after, await settled()), { d1: 1, d2: 1, d3: 1 });
  });

  it('runs a selector’s parent when a Secret starts or stops matching it, and no one else', async () => {
    await putSecret('s1', 'a', { mirror: 'x' });
    await putSecret('s2', 'b', { mirror: 'x' });
    await putSecret('s3', 'c', { mirror: 'y' });
    await create('mirrors', 'Mirror', 'mx', { group: 'x' });
    await create('mirrors', 'Mirror', 'my', { group: 'y' });
    await statusOf('mirrors', 'mx', 'sources', 's1,s2');
    await statusOf('mirrors', 'my', 'sources', 's3');

    let before = await settled();
    await putSecret('s4', 'd', { mirror: 'x' });
    await statusOf('mirrors', 'mx', 'sources', 's1,s2,s4');
    let after = await settled();
    assert.deepEqual(delta(before, after), { 'mirror/mx': 1 }, 'a new match runs only its selector’s parent');

    before = after;
    await labelSecret('s1', { mirror: null });
    await statusOf('mirrors', 'mx', 'sources', 's2,s4');
    after = await settled();
    assert.deepEqual(
      delta(before, after),
      { 'mirror/mx': 1 },
      'a Secret that stops matching runs its old parent',
    );

    before = after;
    await labelSecret('s3', { mirror: 'x' });
    await statusOf('mirrors', 'mx', 'sources', 's2,s3,s4');
    await statusOf('mirrors', 'my', 'sources', '');
    after = await settled();
    assert.deepEqual(delta(before, after), { 'mirror/mx': 1, 'mirror/my': 1 }, 'moving a Secret runs both');
    const mx = await c.api.request<WithStatus>({ method: 'GET', path: parentPath('mirrors', 'mx') });
    assert.equal(mx.status?.first, 's2', 'req.related of a selector is the first match by name');
  });

  it('holds ONE Secret watch for two operators relating to Secrets, as the API server counts', async () => {
    const secretInformers = host.sharedInformers().filter((i) => i.type.kind === 'Secret');
    assert.equal(secretInformers.length, 1);
    assert.deepEqual(
      watchRequests.filter((p) => p.endsWith('/secrets')),
      [secretsPath()],
      'the host opened one Secret watch',
    );
    // The API server's own gauge of open watches (eventually: another process may open or close one).
    await eventually(async () => (await secretWatches(c, 'namespace')) - watchesBefore === 1, {
      what: 'exactly one more open Secret watch at the API server',
      timeoutMs: 15_000,
    });
  });

  it('caches Secrets metadata-only and reads in full only the ones parents select', async () => {
    const [informer] = host.sharedInformers().filter((i) => i.type.kind === 'Secret');
    assert.equal(informer?.metadataOnly, true);
    const unrelated = informer?.store.get(`${ns()}/unrelated`);
    assert.ok(unrelated, 'every Secret of the namespace is known, by its metadata');
    assert.deepEqual(Object.keys(unrelated).sort(), ['apiVersion', 'kind', 'metadata']);
    assert.ok(
      informer?.store.list().every((o) => !('data' in o) && !('stringData' in o)),
      'no Secret data in the shared cache',
    );
    const fetched = new Set(secretGets.map((p) => p.slice(p.lastIndexOf('/') + 1)));
    assert.ok(!fetched.has('unrelated'), `a Secret nobody selects is never read (read: ${[...fetched]})`);
    for (const name of fetched) assert.match(name, /^(pw-a|pw-b|s[1-4])$/);

    // The Accept values the reflector sends are the ones the API server answers with metadata.
    const list = await c.api.request<{ kind?: string; items?: KubeObject[] }>({
      method: 'GET',
      path: secretsPath(),
      accept: METADATA_LIST_ACCEPT,
    });
    assert.equal(list.kind, 'PartialObjectMetadataList');
    assert.ok(list.items?.length && list.items.every((i) => !('data' in i)));
    const controller = new AbortController();
    const watch = await c.api.stream({
      path: secretsPath(),
      query: { watch: 1, resourceVersion: '0' },
      accept: METADATA_WATCH_ACCEPT,
      signal: controller.signal,
    });
    let first = '';
    try {
      for await (const chunk of watch) {
        first += String(chunk);
        if (first.includes('\n')) break;
      }
    } finally {
      controller.abort();
      watch.destroy();
    }
    const event = JSON.parse(first.slice(0, first.indexOf('\n'))) as { object: KubeObject };
    assert.equal(event.object.kind, 'PartialObjectMetadata');
    assert.equal(event.object.apiVersion, 'meta.k8s.io/v1');
  });
});

describe('the related-secret example with only its generated RBAC', () => {
  let c: TestCluster;
  before(async () => {
    c = await useTestCluster('related-rbac');
    await installOperatorCrds(c.kubeConfig, [ExampleDatabaseOperator]);
  });
  after(() => c.cleanup());

  const declarations = declarationsFromClasses([ExampleDatabaseOperator]);
  const ns = () => c.namespace;
  const dbPath = (name = '') =>
    `/apis/example.com/v1alpha1/namespaces/${ns()}/databases${name ? `/${name}` : ''}`;
  const podOf = async (name: string) => {
    try {
      return await c.api.request<V1Pod>({
        method: 'GET',
        path: `/api/v1/namespaces/${ns()}/pods/${name}-db`,
      });
    } catch (e) {
      if (ApiError.isNotFound(e)) return undefined;
      throw e;
    }
  };
  const status = (name: string, check: (s: WithStatus['status']) => boolean, what: string) =>
    eventually(
      async () => {
        const d = await c.api.request<WithStatus>({ method: 'GET', path: dbPath(name) });
        return check(d.status) ? d.status : undefined;
      },
      { what, timeoutMs: 60_000 },
    );

  /** A kubeconfig of a ServiceAccount bound to the generated Role (optionally edited). */
  async function account(name: string, edit: (rules: V1PolicyRule[]) => V1PolicyRule[] = (r) => r) {
    const objects = generateRbac(declarations, {
      name,
      namespace: ns(),
      watchNamespaces: [ns()],
      secureMetrics: false,
    }).map((o) =>
      o.kind === 'Role' ? { ...o, rules: edit((o as KubeObject & { rules: V1PolicyRule[] }).rules) } : o,
    );
    assert.deepEqual(
      objects.map((o) => o.kind),
      ['ServiceAccount', 'Role', 'RoleBinding'],
    );
    await applyObjects(c.kubeConfig, objects);
    return serviceAccountKubeConfig(c.kubeConfig, { namespace: ns(), name });
  }
  /**
   * Waits until the API server's OwnerReferencesPermissionEnforcement admission knows the Database
   * kind for this account. For a user who may not finalize everything it resolves an owner's kind
   * through discovery, which learns a new CRD some seconds later; until then it refuses a child
   * whose owner reference blocks owner deletion (403, "cannot find RESTMapping"). Operon retries
   * that with backoff; this test counts every 403, so it starts once admission knows the kind.
   */
  async function admissionKnowsDatabase(kubeConfig: KubeConfig): Promise<void> {
    const asAccount = new ApiClient(kubeConfig);
    try {
      await eventually(
        async () => {
          try {
            await asAccount.request({
              method: 'POST',
              path: `/api/v1/namespaces/${ns()}/pods`,
              query: { dryRun: 'All' },
              body: {
                apiVersion: 'v1',
                kind: 'Pod',
                metadata: {
                  name: 'owner-mapping-probe',
                  ownerReferences: [
                    {
                      apiVersion: 'example.com/v1alpha1',
                      kind: 'Database',
                      name: 'probe',
                      uid: '00000000-0000-0000-0000-000000000000',
                      controller: true,
                      blockOwnerDeletion: true,
                    },
                  ],
                },
                spec: { containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.10' }] },
              },
            });
            return true;
          } catch (e) {
            if (e instanceof ApiError && e.status === 403) return false;
            throw e;
          }
        },
        { what: 'owner-reference admission to know the Database kind', timeoutMs: 60_000 },
      );
    } finally {
      asAccount.close();
    }
  }
  const createDatabase = (name: string, passwordSecret: string) =>
    c.api.request({
      method: 'POST',
      path: dbPath(),
      body: {
        apiVersion: 'example.com/v1alpha1',
        kind: 'Database',
        metadata: { name },
        spec: { passwordSecret },
      },
    });
  function run(kubeConfig: KubeConfig): { host: OperonHost; forbidden: RequestRecord[] } {
    const container = new Container();
    container.bind(ExampleDatabaseOperator).toSelf();
    const host = Operon.create(container, { kubeConfig, namespaces: [ns()], resyncIntervalMs: 0 });
    const forbidden: RequestRecord[] = [];
    host.api.onRequest((r) => {
      if (r.code === 403) forbidden.push(r);
    });
    return { host, forbidden };
  }

  it('waits for the Secret, runs the Pod, recreates it on a new password, and waits again without one', async () => {
    const kc = await account('related-db');
    assert.deepEqual(
      await missingPermissions(kc, declarations, { namespaces: [ns()], secureMetrics: false }),
      [],
    );
    await admissionKnowsDatabase(kc);
    const { host, forbidden } = run(kc);
    await host.start();
    try {
      await createDatabase('orders', 'orders-pw');
      await status(
        'orders',
        (s) => String(s?.password).startsWith('waiting for Secret orders-pw'),
        'waiting',
      );
      const secret = (password: string) => ({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'orders-pw' },
        stringData: { password },
      });
      await c.api.request({
        method: 'POST',
        path: `/api/v1/namespaces/${ns()}/secrets`,
        body: secret('one'),
      });
      await status('orders', (s) => s?.password === 'found', 'the password found');
      const first = await eventually(podOf.bind(null, 'orders'), { what: 'the postgres Pod' });
      assert.ok(first.metadata?.annotations?.['example.com/password-hash']);
      await c.api.request({
        method: 'PUT',
        path: `/api/v1/namespaces/${ns()}/secrets/orders-pw`,
        body: secret('two'),
      });
      // A new password changes the Pod's hash annotation, so the Pod is recreated: deleted first
      // (gracefully, over 30 s; the new one follows once it is gone, which this test need not wait for).
      const leaving = (p: V1Pod | undefined) =>
        !p || p.metadata?.uid !== first.metadata?.uid || p.metadata?.deletionTimestamp !== undefined;
      await eventually(async () => leaving(await podOf('orders')) || undefined, {
        what: 'the Pod being recreated for the new password',
      });
      await c.api.request({ method: 'DELETE', path: `/api/v1/namespaces/${ns()}/secrets/orders-pw` });
      await status('orders', (s) => String(s?.password).startsWith('waiting'), 'waiting again');
    } finally {
      await host.stop();
    }
    assert.deepEqual(forbidden, []);
  });

  it('without list on Secrets: does not reconcile, and says which permission is missing', async () => {
    const kc = await account('related-nolist', (rules) =>
      rules.flatMap((r) => {
        if (!r.resources?.includes('secrets')) return [r];
        const others = r.resources.filter((x) => x !== 'secrets');
        return [
          ...(others.length ? [{ ...r, resources: others }] : []),
          { ...r, resources: ['secrets'], verbs: r.verbs.filter((v) => v !== 'list') },
        ];
      }),
    );
    const missing = await missingPermissions(kc, declarations, { namespaces: [ns()], secureMetrics: false });
    assert.deepEqual(
      missing.map((m) => `${m.verb} ${m.resource}`),
      ['list secrets'],
    );
    await createDatabase('blocked', 'x');
    const { host } = run(kc);
    const starting = host.start().catch(() => undefined);
    try {
      const cond = await status(
        'blocked',
        (s) => s?.conditions?.some((x) => x.reason === 'MissingPermission') === true,
        'MissingPermission on the Database',
      );
      const message = cond?.conditions?.find((x) => x.reason === 'MissingPermission')?.message ?? '';
      assert.match(message, /list secrets in namespace/);
      assert.equal(host.ready, false, 'not reconciling before the related cache synced');
      assert.equal(cond?.password, undefined, 'sync never ran');
    } finally {
      await host.stop();
      await starting;
    }
  });
});
