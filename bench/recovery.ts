// How fast an informer catches up after an API server outage, on the real local control plane.
//
// Each run: a fresh informer (production defaults) watches one custom object; the API server is
// stopped; while it is down the object is changed *in etcd* (the API server is the only way in, so
// the change goes straight to its storage, as another API server of an HA cluster would have
// written it); after the outage the API server is started again, and the clock runs from the
// moment it is ready (its /readyz answers 200) until the informer has delivered that change. The
// informer can only learn of it by watching or listing again, which is exactly the recovery path.
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiClient } from '../src/runtime/api/api-client.js';
import { SharedInformer } from '../src/runtime/informers/shared-informer.js';
import { type ControlPlane, startControlPlane } from '../src/testkit/control-plane.js';
import { installCrds } from '../src/testkit/install.js';
import type { KubeObject } from '../src/types/kube-object.js';
import { resourceType } from '../src/types/resource-type.js';
import { type BenchResult, machine, seconds, summary, table } from './harness.js';

/** Settings of {@link run}; the environment can set them for `npm run bench`. */
export interface RecoveryOptions {
  /** Outage lengths in ms. Default 5 000 and 20 000 (env `BENCH_RECOVERY_OUTAGES=5,20`, seconds). */
  outagesMs?: number[];
  /** Runs per outage length. Default 3 (env `BENCH_RECOVERY_RUNS`). */
  runs?: number;
  /** Progress lines. Default: stderr. */
  log?: (line: string) => void;
}

interface Probe extends KubeObject {
  spec?: { marker?: string };
}

const GROUP = 'bench.operon.dev';
const NAMESPACE = 'default';
const NAME = 'probe';
const ProbeType = resourceType<Probe>({ group: GROUP, version: 'v1', kind: 'Probe' });
const PATH = `/apis/${GROUP}/v1/namespaces/${NAMESPACE}/probes`;
/** A run whose change has not arrived by then counts as failed (and is reported as such). */
const DELIVERY_TIMEOUT_MS = 120_000;

/** One measured outage. */
interface Sample {
  outageMs: number;
  /** API server launched again → its /readyz answered 200. */
  startupMs: number;
  /** /readyz answered 200 → the informer delivered the change (negative: it caught up earlier). */
  caughtUpMs: number;
  /** The change came through a relist (else through a resumed watch). */
  relisted: boolean;
  /** Failed list/watch attempts of the informer while the API server was away. */
  failures: number;
}

/** Runs the benchmark on a local control plane it starts and stops itself. */
export async function run(options: RecoveryOptions = {}): Promise<BenchResult> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const outagesMs =
    options.outagesMs ??
    (process.env.BENCH_RECOVERY_OUTAGES?.split(',').map((s) => Number(s) * 1000) || [5_000, 20_000]);
  const runs = options.runs ?? (Number(process.env.BENCH_RECOVERY_RUNS) || 3);
  const host = machine();

  log('recovery: starting a local control plane (minimal profile)');
  const cp = await startControlPlane({ useExistingCluster: false, profile: 'minimal' });
  const api = new ApiClient(cp.kubeConfig, 'operon-bench');
  const samples: Sample[] = [];
  try {
    const etcd = etcdUrl(cp);
    await installProbe(cp, api);
    for (const outageMs of outagesMs) {
      for (let i = 1; i <= runs; i++) {
        const sample = await measure(cp, api, etcd, outageMs, `${outageMs}-${i}`);
        log(
          `recovery: outage ${seconds(outageMs)} run ${i}: caught up ${seconds(sample.caughtUpMs)} after ready` +
            ` (startup ${seconds(sample.startupMs)}, ${sample.relisted ? 'relist' : 'watch'}, ${sample.failures} failed attempts)`,
        );
        samples.push(sample);
      }
    }
  } finally {
    api.close();
    await cp.stop();
  }
  return { name: 'recovery', markdown: report(host, samples) };
}

async function measure(
  cp: ControlPlane,
  api: ApiClient,
  etcd: string,
  outageMs: number,
  marker: string,
): Promise<Sample> {
  // A fresh informer per run: every outage starts from a healthy informer with no failure history.
  const client = new ApiClient(cp.kubeConfig, 'operon-bench-informer');
  const informer = new SharedInformer(client, ProbeType, { namespace: NAMESPACE });
  let seenAt = Number.NaN;
  let listsAtDelivery = 0;
  informer.addHandler({
    onUpdate: (_old, obj) => {
      if (obj.spec?.marker === marker && Number.isNaN(seenAt)) {
        seenAt = performance.now();
        listsAtDelivery = informer.health().lists;
      }
    },
  });
  try {
    informer.start();
    await informer.waitForSync(AbortSignal.timeout(30_000));
    await until(() => informer.health().watching, 10_000);
    const listsBefore = informer.health().lists;
    const errorsBefore = informer.health().errors;

    await cp.stopApiServer();
    const downAt = performance.now();
    await setMarkerInEtcd(etcd, marker);
    await sleep(Math.max(0, downAt + outageMs - performance.now()));
    const launchedAt = performance.now();
    await cp.startApiServer();
    const readyAt = performance.now();
    await until(() => !Number.isNaN(seenAt), DELIVERY_TIMEOUT_MS);
    // The bench's own client checks the change really is what the API server serves now.
    const live = await api.request<Probe>({ method: 'GET', path: `${PATH}/${NAME}` });
    if (live.spec?.marker !== marker) throw new Error(`the API server serves marker ${live.spec?.marker}`);
    return {
      outageMs,
      startupMs: readyAt - launchedAt,
      caughtUpMs: seenAt - readyAt,
      relisted: listsAtDelivery > listsBefore,
      failures: informer.health().errors - errorsBefore,
    };
  } finally {
    await informer.stop();
    client.close();
  }
}

function report(host: string, samples: readonly Sample[]): string {
  const outages = [...new Set(samples.map((s) => s.outageMs))];
  const rows = outages.map((outageMs) => {
    const of = samples.filter((s) => s.outageMs === outageMs);
    const caught = summary(of.map((s) => s.caughtUpMs));
    const startup = summary(of.map((s) => s.startupMs));
    const failures = summary(of.map((s) => s.failures));
    return [
      seconds(outageMs),
      String(of.length),
      seconds(caught.median),
      seconds(caught.min),
      seconds(caught.max),
      seconds(startup.median),
      `${of.filter((s) => s.relisted).length}/${of.length}`,
      String(failures.median),
    ];
  });
  const perRun = samples.map((s) =>
    [seconds(s.outageMs), seconds(s.caughtUpMs), seconds(s.startupMs), s.relisted ? 'relist' : 'watch'].join(
      ' / ',
    ),
  );
  return [
    '## Informer recovery after an API server outage',
    '',
    host,
    '',
    'Time from "API server ready again" (its `/readyz` answered 200; the launcher polls every 150 ms)',
    'to "the informer delivered a change made in etcd during the outage". Informer with production',
    'defaults, one custom object, local control plane (minimal profile). Negative: caught up before',
    '`/readyz` reported ready (the API server serves requests a little before it says it is ready).',
    '',
    table(
      [
        'outage',
        'runs',
        'caught up: median',
        'min',
        'max',
        'API server startup (median)',
        'via relist',
        'failed attempts (median)',
      ],
      rows,
    ),
    '',
    `Per run (outage / caught up after ready / startup / path): ${perRun.join('; ')}.`,
  ].join('\n');
}

/** The local control plane's etcd client URL (the handle does not expose it; its process does). */
function etcdUrl(cp: ControlPlane): string {
  if (!cp.dir) throw new Error('the recovery benchmark needs a local control plane');
  const dataDir = `--data-dir=${cp.dir}/etcd`;
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    let args: string[];
    try {
      args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    } catch {
      continue; // exited meanwhile, or not ours to read
    }
    if (!args.includes(dataDir)) continue;
    const url = args.find((a) => a.startsWith('--listen-client-urls='))?.split('=')[1];
    if (url) return url.split(',')[0];
  }
  throw new Error(`no etcd process with ${dataDir} found under /proc`);
}

async function installProbe(cp: ControlPlane, api: ApiClient): Promise<void> {
  await installCrds(cp.kubeConfig, [
    {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: `probes.${GROUP}` },
      spec: {
        group: GROUP,
        scope: 'Namespaced',
        names: { plural: 'probes', singular: 'probe', kind: 'Probe' },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: {
              openAPIV3Schema: {
                type: 'object',
                properties: { spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
              },
            },
          },
        ],
      },
    } as KubeObject,
  ]);
  await api.request({
    method: 'POST',
    path: PATH,
    body: { apiVersion: `${GROUP}/v1`, kind: 'Probe', metadata: { name: NAME }, spec: { marker: 'initial' } },
  });
}

/**
 * Rewrites the object's `spec.marker` in etcd through etcd's JSON gateway. Custom objects are stored
 * as plain JSON (without resourceVersion, which is etcd's mod_revision), so the API server reads the
 * change back like any write once it is up again.
 */
async function setMarkerInEtcd(etcd: string, marker: string): Promise<void> {
  const key = Buffer.from(`/registry/${GROUP}/probes/${NAMESPACE}/${NAME}`).toString('base64');
  const range = (await (
    await fetch(`${etcd}/v3/kv/range`, { method: 'POST', body: JSON.stringify({ key }) })
  ).json()) as { kvs?: { value: string }[] };
  const stored = range.kvs?.[0]?.value;
  if (!stored) throw new Error('the probe object is not in etcd where the API server stores it');
  const obj = JSON.parse(Buffer.from(stored, 'base64').toString('utf8')) as Probe;
  obj.spec = { ...obj.spec, marker };
  const value = Buffer.from(JSON.stringify(obj)).toString('base64');
  const put = await fetch(`${etcd}/v3/kv/put`, { method: 'POST', body: JSON.stringify({ key, value }) });
  if (!put.ok) throw new Error(`etcd refused the write: ${put.status} ${await put.text()}`);
}

async function until(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`not done within ${timeoutMs} ms`);
    // 5 ms: small next to what is measured; the delivery time itself is taken in the handler.
    await sleep(5);
  }
}
