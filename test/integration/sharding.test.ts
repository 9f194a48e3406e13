// Sharding across processes: replicas of one operator split the parents between them over a ring of
// membership Leases, and a membership change (a replica killed, a replica added) hands parents over
// without two replicas ever writing the same parent at once. The API server's audit log is the
// checker: each replica's user agent names it, so for every parent the sequence of replicas that
// wrote it (its children and its status) must never go back to a replica it left.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { buildOperatorConfig, runOperators } from '../../src/index.js';
import {
  bucketOf,
  SHARD_ACK_ANNOTATION,
  SHARD_BUCKET_LABEL,
  SHARD_GROUP_LABEL,
} from '../../src/runtime/shard/index.js';
import { parsePrometheusText } from '../../src/testkit/index.js';
import { installOperatorCrds } from '../../src/testkit/install.js';
import { type AuditedWrite, auditedWrites, auditLogOf } from '../support/audit.js';
import { eventually, type TestCluster, useTestCluster } from '../support/cluster.js';
import { TileOperator, tilePath } from '../support/tile-operator.js';

const REPLICA = join(dirname(fileURLToPath(import.meta.url)), '..', 'support', 'tile-replica.js');
const LEASE_DURATION_MS = 3_000;
const PARENTS = 120;

type LogLine = Record<string, unknown> & { msg?: string };

/** One replica process (test/support/tile-replica.ts). */
class Replica {
  readonly logs: LogLine[] = [];
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcess;

  constructor(
    readonly identity: string,
    c: TestCluster,
  ) {
    this.child = spawn(process.execPath, [REPLICA], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        KUBECONFIG: c.kubeconfigPath,
        WATCH_NAMESPACE: c.namespace,
        POD_NAMESPACE: c.namespace,
        REPLICA: identity,
        SHARD_LEASE_MS: String(LEASE_DURATION_MS),
        SHARD_RENEW_MS: '2000',
        SHARD_RETRY_MS: '500',
      },
    });
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
    this.child.stderr?.on('data', (d: Buffer) => this.logs.push({ msg: d.toString() }));
    createInterface({ input: this.child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      try {
        this.logs.push(JSON.parse(line) as LogLine);
      } catch {
        this.logs.push({ msg: line });
      }
    });
  }

  get userAgent(): string {
    return `tile-${this.identity}`;
  }

  async ready(): Promise<void> {
    await eventually(() => this.logs.some((l) => l.msg === 'replica ready') || undefined, {
      what: `replica ${this.identity} to start`,
      timeoutMs: 60_000,
    });
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }

  /** `operon_cached_objects` of each resource, from the replica's own metrics. */
  async cachedObjects(): Promise<Map<string, number>> {
    const ready = this.logs.find((l) => l.msg === 'replica ready') as { metricsUrl?: string } | undefined;
    assert.ok(ready?.metricsUrl, `replica ${this.identity} prints its metrics URL`);
    const text = await (await fetch(`${ready.metricsUrl}/metrics`)).text();
    const out = new Map<string, number>();
    for (const family of parsePrometheusText(text)) {
      if (family.name !== 'operon_cached_objects') continue;
      for (const sample of family.samples) out.set(String(sample.labels.resource), sample.value);
    }
    return out;
  }

  async stop(): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    return this.exited;
  }
}

/** For each parent, the replicas that wrote it (children named after it, and its status), in order. */
function writersByParent(writes: readonly AuditedWrite[], names: ReadonlySet<string>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const w of [...writes].sort((a, b) => a.at - b.at)) {
    if (!w.name || !names.has(w.name) || !w.userAgent.startsWith('tile-')) continue;
    if ((w.code ?? 500) >= 400) continue;
    const seq = out.get(w.name) ?? [];
    if (seq.at(-1) !== w.userAgent) seq.push(w.userAgent);
    out.set(w.name, seq);
  }
  return out;
}

/** Parents some replica wrote again after another replica had written them: two owners at once. */
function interleaved(writers: Map<string, string[]>): string[] {
  return [...writers]
    .filter(([, seq]) => new Set(seq).size !== seq.length)
    .map(([n, seq]) => `${n}: ${seq.join(' → ')}`);
}

describe('sharding: replicas split the parents and hand them over safely', { timeout: 300_000 }, () => {
  let c: TestCluster;
  let log: string;
  const replicas: Replica[] = [];

  before(async () => {
    c = await useTestCluster('shard');
    const auditLog = auditLogOf(c.kubeconfigPath);
    assert.ok(auditLog, 'the local cluster keeps an audit log');
    log = auditLog;
    await installOperatorCrds(c.kubeConfig, [TileOperator]);
  });
  after(async () => {
    if (process.env.DUMP_REPLICA_LOGS) {
      const { writeFileSync } = await import('node:fs');
      for (const r of replicas)
        writeFileSync(`/tmp/replica-${r.identity}.log`, r.logs.map((l) => JSON.stringify(l)).join('\n'));
    }
    await Promise.all(replicas.map((r) => r.stop()));
    await c.cleanup();
  });

  /** Waits until exactly these replicas hold live Leases, all acknowledging the same view. */
  const ringActive = async (...members: Replica[]) =>
    eventually(
      async () => {
        const list = (await c.api.request({
          method: 'GET',
          path: `/apis/coordination.k8s.io/v1/namespaces/${c.namespace}/leases`,
          query: { labelSelector: `${SHARD_GROUP_LABEL}=tile` },
        })) as {
          items: { metadata: { annotations?: Record<string, string> }; spec?: { holderIdentity?: string } }[];
        };
        // A killed replica's Lease stays until it expires; only the expected members count.
        const ids = new Set(members.map((m) => m.identity));
        const live = list.items.filter((l) => ids.has(l.spec?.holderIdentity ?? ''));
        const acks = new Set(live.map((l) => l.metadata.annotations?.[SHARD_ACK_ANNOTATION] ?? ''));
        return (live.length === ids.size && acks.size === 1 && !acks.has('')) || undefined;
      },
      {
        what: `a ring of ${members.length} replicas, every one acknowledging the same view`,
        timeoutMs: 30_000,
      },
    );

  /** Waits until replica `r` has written (children or status of) at least `count` parents. */
  const wroteParents = (r: Replica, since: number, count: number) =>
    eventually(
      () => {
        const names = auditedWrites(log, c.namespace, since)
          .filter((w) => w.userAgent === r.userAgent && w.name)
          .map((w) => w.name);
        return new Set(names).size >= count || undefined;
      },
      { what: `replica ${r.identity} to write ${count} parents`, timeoutMs: 30_000 },
    );

  /** A JSON merge patch of one Tile. */
  const patchTile = (name: string, body: object) =>
    c.api.request({
      method: 'PATCH',
      path: tilePath(c.namespace, name),
      contentType: 'application/merge-patch+json',
      body,
    });

  const tiles = (prefix: string) => Array.from({ length: PARENTS }, (_, i) => `${prefix}-${i}`);

  const createAll = async (names: readonly string[]) => {
    let i = 0;
    const worker = async () => {
      while (i < names.length) {
        const n = i++;
        await c.create(tilePath(c.namespace), {
          apiVersion: 'shard.test/v1',
          kind: 'Tile',
          metadata: { name: names[n] },
          spec: { round: 0 },
        });
      }
    };
    await Promise.all(Array.from({ length: 6 }, worker));
  };

  const countChildren = async (names: ReadonlySet<string>) => {
    const counts = new Map<string, number>();
    for (const plural of ['configmaps', 'secrets', 'services']) {
      const list = (await c.api.request({
        method: 'GET',
        path: `/api/v1/namespaces/${c.namespace}/${plural}`,
        query: { labelSelector: 'operon.dev/operator=tile' },
      })) as { items: { metadata: { name: string } }[] };
      for (const o of list.items) {
        if (names.has(o.metadata.name)) counts.set(o.metadata.name, (counts.get(o.metadata.name) ?? 0) + 1);
      }
    }
    return counts;
  };

  const converged = async (names: readonly string[], round: number) =>
    eventually(
      async () => {
        const list = (await c.api.request({ method: 'GET', path: tilePath(c.namespace) })) as {
          items: { metadata: { name: string }; status?: { round?: number } }[];
        };
        const done = list.items.filter((t) => names.includes(t.metadata.name) && t.status?.round === round);
        return done.length === names.length || undefined;
      },
      { what: `${names.length} Tiles at round ${round}`, timeoutMs: 120_000 },
    );

  it('kill -9 one of 3 replicas mid-burst: its parents are taken over, 3 children each, no duplicates', async (t) => {
    const since = Date.now();
    for (const id of ['a', 'b', 'c']) replicas.push(new Replica(id, c));
    await Promise.all(replicas.map((r) => r.ready()));
    await ringActive(...replicas);
    const names = tiles('k');
    const victim = replicas[1] as Replica;
    // Half the burst, then the kill once the victim is busy with its share, then the other half.
    await createAll(names.slice(0, PARENTS / 2));
    await wroteParents(victim, since, 5);
    victim.kill();
    const killedAt = Date.now();
    await createAll(names.slice(PARENTS / 2));
    await converged(names, 0);
    const tookMs = Date.now() - killedAt;
    t.diagnostic(
      `every parent converged ${tookMs} ms after the kill (lease duration ${LEASE_DURATION_MS} ms)`,
    );
    const counts = await countChildren(new Set(names));
    assert.deepEqual(
      names.filter((n) => counts.get(n) !== 3),
      [],
      'exactly 3 children per parent',
    );
    const writers = writersByParent(auditedWrites(log, c.namespace, since), new Set(names));
    assert.deepEqual(interleaved(writers), [], 'no parent went back to a replica it had left');
    const byReplica = new Map<string, number>();
    for (const seq of writers.values()) for (const ua of seq) byReplica.set(ua, (byReplica.get(ua) ?? 0) + 1);
    t.diagnostic(`parents written per replica: ${JSON.stringify(Object.fromEntries(byReplica))}`);
    assert.ok((byReplica.get(victim.userAgent) ?? 0) > 0, 'the killed replica had parents before it died');
    const movedFromVictim = [...writers.values()].filter((s) => s[0] === victim.userAgent && s.length > 1);
    const orphaned = [...writers].filter(([, s]) => s.at(-1) === victim.userAgent);
    t.diagnostic(`${movedFromVictim.length} parents moved from the killed replica`);
    // A parent the victim had fully converged before dying needs no write from its new owner.
    for (const [name] of orphaned) assert.equal(counts.get(name), 3, name);
    await Promise.all(replicas.splice(0).map((r) => r.stop()));
  });

  it('scale from 2 to 3 replicas under load: parents move, none written by two replicas at once', async (t) => {
    const names = tiles('s');
    for (const id of ['d', 'e']) replicas.push(new Replica(id, c));
    await Promise.all(replicas.map((r) => r.ready()));
    await ringActive(...replicas);
    await createAll(names);
    await converged(names, 0);
    const since = Date.now();
    // Edit waves keep every parent busy before, while and after the third replica joins.
    let round = 0;
    let editing = true;
    const edits = (async () => {
      while (editing) {
        round++;
        await Promise.all(names.map((n) => patchTile(n, { spec: { round } })));
        await new Promise((r) => setTimeout(r, 300));
      }
    })();
    await new Promise((r) => setTimeout(r, 1_000));
    const joining = new Replica('f', c);
    replicas.push(joining);
    await joining.ready();
    await ringActive(...replicas);
    await new Promise((r) => setTimeout(r, 2_000));
    editing = false;
    await edits;
    await converged(names, round);
    const writers = writersByParent(auditedWrites(log, c.namespace, since), new Set(names));
    assert.deepEqual(interleaved(writers), [], 'no parent went back to a replica it had left');
    const moved = [...writers.values()].filter((s) => s.length > 1 && s.at(-1) === joining.userAgent);
    t.diagnostic(`${moved.length} of ${PARENTS} parents moved to the new replica`);
    assert.ok(moved.length > PARENTS / 6, `about a third moved to the new replica, not ${moved.length}`);
    const counts = await countChildren(new Set(names));
    assert.deepEqual(
      names.filter((n) => counts.get(n) !== 3),
      [],
      'exactly 3 children per parent',
    );
  });

  it('each replica caches only its share; children of an unsharded operator are labelled in place, not recreated; a wrong bucket label is corrected', async (t) => {
    await Promise.all(replicas.splice(0).map((r) => r.stop()));
    const names = Array.from({ length: 40 }, (_, i) => `m-${i}`);
    // Before sharding: one plain replica writes every child, without a bucket label.
    const plain = await runOperators([buildOperatorConfig(new TileOperator())], {
      embedded: true,
      kubeConfig: c.kubeConfig,
      namespaces: [c.namespace],
      component: 'tile-plain',
      resyncIntervalMs: 0,
    });
    await createAll(names);
    await converged(names, 0);
    await plain.stop();
    const uidsBefore = await childUids(new Set(names));
    assert.equal(uidsBefore.size, names.length * 3);
    const unlabelled = [...uidsBefore.values()].filter((o) => o.bucket === undefined).length;
    assert.equal(unlabelled, names.length * 3, 'the plain replica wrote no bucket label');

    for (const id of ['g', 'h']) replicas.push(new Replica(id, c));
    await Promise.all(replicas.map((r) => r.ready()));
    await ringActive(...replicas);
    // Every parent and child ends up labelled with its parent's bucket, the children in place.
    await eventually(
      async () => {
        const now = await childUids(new Set(names));
        const parents = await tileLabels();
        const ok =
          [...now].every(
            ([key, o]) => o.uid === uidsBefore.get(key)?.uid && o.bucket === bucketOfTile(o.parent),
          ) && names.every((n) => parents.get(n) === bucketOfTile(n));
        return ok || undefined;
      },
      { what: 'every Tile and child labelled with its bucket, no child recreated', timeoutMs: 60_000 },
    );
    // And the sharded replicas reconcile them.
    await Promise.all(names.map((n) => patchTile(n, { spec: { round: 1 } })));
    await converged(names, 1);
    const after = await childUids(new Set(names));
    assert.deepEqual(
      [...after].filter(([key, o]) => uidsBefore.get(key)?.uid !== o.uid).map(([key]) => key),
      [],
      'no child was recreated',
    );

    // Each replica's caches hold its own parents and children only: together, each object once
    // (asked until it holds: a replica that missed a renewal on this busy machine refills its caches).
    const allTiles = (await tileLabels()).size;
    let last = '';
    const tilesCached = await eventually(
      async () => {
        const cached = await Promise.all(replicas.map((r) => r.cachedObjects()));
        const tiles = cached.map((m) => m.get('tiles.shard.test') ?? 0);
        const configMaps = cached.map((m) => m.get('configmaps') ?? 0);
        last = `Tiles ${tiles.join(' + ')}, ConfigMaps ${configMaps.join(' + ')}, of ${allTiles} each`;
        // One ConfigMap per Tile, every Tile converged.
        const once = (xs: number[]) => xs.reduce((x, y) => x + y, 0) === allTiles;
        return (once(tiles) && once(configMaps) && tiles) || undefined;
      },
      { what: 'every Tile and child ConfigMap cached by exactly one replica', timeoutMs: 30_000 },
    ).catch((err: unknown) => {
      throw new Error(`${String(err)}; last seen: ${last}`);
    });
    t.diagnostic(`Tiles cached per replica: ${tilesCached.join(', ')} of ${allTiles}`);
    for (const n of tilesCached) assert.ok(n > allTiles / 4 && n < (allTiles * 3) / 4, `a share, not ${n}`);

    // A wrong label (someone edited it) routes the parent to the wrong replica, or to none: it is
    // corrected, and the parent is reconciled again.
    const [wrong, garbage] = [names[0] as string, names[1] as string];
    for (const [name, value] of [
      [wrong, String((bucketOfTile(wrong) + 1) % 4096)],
      [garbage, 'not-a-bucket'],
    ] as const) {
      await patchTile(name, { metadata: { labels: { [SHARD_BUCKET_LABEL]: value } }, spec: { round: 2 } });
    }
    await eventually(
      async () => {
        const labels = await tileLabels();
        return (
          (labels.get(wrong) === bucketOfTile(wrong) && labels.get(garbage) === bucketOfTile(garbage)) ||
          undefined
        );
      },
      { what: 'the wrong bucket labels corrected', timeoutMs: 30_000 },
    );
    await converged([wrong, garbage], 2);
  });

  const bucketOfTile = (name: string) => bucketOf(`${c.namespace}/${name}`);

  /** Each Tile's bucket label, parsed (undefined when missing or not a number). */
  const tileLabels = async () => {
    const list = (await c.api.request({ method: 'GET', path: tilePath(c.namespace) })) as {
      items: { metadata: { name: string; labels?: Record<string, string> } }[];
    };
    return new Map(
      list.items.map((t) => [t.metadata.name, numberOf(t.metadata.labels?.[SHARD_BUCKET_LABEL])]),
    );
  };

  /** The children of these Tiles: uid, bucket label and parent, by `plural/name`. */
  const childUids = async (names: ReadonlySet<string>) => {
    const out = new Map<string, { uid: string; bucket: number | undefined; parent: string }>();
    for (const plural of ['configmaps', 'secrets', 'services']) {
      const list = (await c.api.request({
        method: 'GET',
        path: `/api/v1/namespaces/${c.namespace}/${plural}`,
        query: { labelSelector: 'operon.dev/operator=tile' },
      })) as { items: { metadata: { name: string; uid: string; labels?: Record<string, string> } }[] };
      for (const o of list.items) {
        if (!names.has(o.metadata.name)) continue;
        out.set(`${plural}/${o.metadata.name}`, {
          uid: o.metadata.uid,
          bucket: numberOf(o.metadata.labels?.[SHARD_BUCKET_LABEL]),
          parent: o.metadata.name,
        });
      }
    }
    return out;
  };
});

function numberOf(value: string | undefined): number | undefined {
  return value !== undefined && /^[0-9]+$/.test(value) ? Number(value) : undefined;
}
