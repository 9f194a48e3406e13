// Operators benchmark: the same workload run by Operon, a controller-runtime peer (Go), a
// hand-rolled @kubernetes/client-node peer and a raw-write floor, each on a fresh local control
// plane, interleaved round by round.
//
// Workload: N `Widget` parents (bench.example/v1, spec {replicas, data}), each kept with 3 children
// (ConfigMap, headless Service, Deployment; controller owner references) and the status
// {observedGeneration, children: 3}. Per run:
//   cold converge  N Widgets are created first (16 in flight); the clock runs from the system's process
//                  start until every Widget's status shows observedGeneration == generation and
//                  children == 3 and the 3N children exist (the driver polls LISTs every 250 ms);
//   edit wave      every Widget's spec.data is changed (16 in flight); the clock runs from the first
//                  edit until every status caught up and every ConfigMap holds the new data;
//   no-op restart  (operators only) the operator is stopped and started again; the requests it
//                  sends until the API server's counters stay unchanged for 6 s.
// Requests: deltas of the API server's apiserver_request_total per verb/resource over each phase,
// minus the driver's own requests (it counts them); Lease requests and WATCH are left out.
// CPU: utime+stime from /proc of the system's process (including its start-up), kube-apiserver, etcd
// and kube-controller-manager over the phase. The floor reports its own CPU when it exits.
//
// `npm run bench operators`; environment:
//   BENCH_OPS_N        parents (default 1000)
//   BENCH_OPS_ROUNDS   rounds (default 3)
//   BENCH_OPS_SYSTEMS  comma-separated, from floor,operon,controller-runtime,client-node (default: all)
//   BENCH_OPS_GC_WAIT  seconds to wait after creating the CRD, so the garbage collector has
//                      discovered it before any child exists (default 32; see the results' method)
//   BENCH_OPS_CHART    where the SVG chart goes (default bench/results/operators.svg; "" for none)
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { ApiClient, PatchType, type RequestRecord } from '../src/runtime/api/api-client.js';
import { startControlPlane } from '../src/testkit/control-plane.js';
import { installCrds } from '../src/testkit/install.js';
import type { KubeObject } from '../src/types/kube-object.js';
import { type BenchResult, machine, summary, table } from './harness.js';
import {
  barChart,
  controlPlanePids,
  cpuSeconds,
  diffCounts,
  type RequestCounts,
  requestCounts,
  rssMiB,
  scrapeMetrics,
  totals,
  watchesOpen,
} from './operators/lib.js';

const here = dirname(fileURLToPath(import.meta.url)); // dist/bench
const repo = resolve(here, '..', '..');
const NS = 'bench';
const WIDGETS = `/apis/bench.example/v1/namespaces/${NS}/widgets`;
const CONVERGE_TIMEOUT_MS = 600_000;
const DRIVER_IN_FLIGHT = 16;
/** Single edits of the latency phase. */
const LATENCY_EDITS = 50;

type SystemName = 'floor' | 'operon' | 'controller-runtime' | 'client-node';
const LABELS: Record<SystemName, string> = {
  floor: 'Raw-write floor (Node, 4 in flight, no watch)',
  operon: 'Operon (defaults: concurrency 4)',
  'controller-runtime': 'controller-runtime v0.25.2 (4 workers)',
  'client-node': 'client-node 1.4.0 hand-rolled (4 workers)',
};
const ALL: SystemName[] = ['floor', 'operon', 'controller-runtime', 'client-node'];

interface Sample {
  system: SystemName;
  round: number;
  load1: number;
  error?: string;
  coldS: number;
  editS: number;
  cold: RequestCounts;
  edit: RequestCounts;
  restart?: RequestCounts;
  watches?: number;
  cpuCold: { operator: number; apiserver: number; etcd: number; kcm: number };
  cpuEdit: { operator: number; apiserver: number; etcd: number; kcm: number };
  rssMiB?: number;
  /** Single edits, one at a time: edit sent → the driver's watch saw the ConfigMap changed, ms. */
  latencyMs: number[];
}

interface Widget {
  metadata: { name: string; generation: number };
  status?: { observedGeneration?: number; children?: number };
}

/** Runs the benchmark; every run starts and stops its own local control plane. */
export async function run(): Promise<BenchResult> {
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const n = Number(process.env.BENCH_OPS_N) || 1000;
  const rounds = Number(process.env.BENCH_OPS_ROUNDS) || 3;
  const gcWaitS = process.env.BENCH_OPS_GC_WAIT === undefined ? 32 : Number(process.env.BENCH_OPS_GC_WAIT);
  const systems = (process.env.BENCH_OPS_SYSTEMS?.split(',').map((s) => s.trim()) ?? ALL) as SystemName[];
  for (const s of systems)
    if (!ALL.includes(s)) throw new Error(`unknown system ${s}; known: ${ALL.join(', ')}`);
  const host = machine();
  const crBinary = systems.includes('controller-runtime') ? buildControllerRuntime(log) : '';

  const samples: Sample[] = [];
  for (let round = 1; round <= rounds; round++) {
    for (const system of systems) {
      log(`operators: round ${round}/${rounds}, ${system}, ${n} Widgets`);
      const sample = await runOnce(system, round, n, gcWaitS, crBinary, log);
      log(
        sample.error
          ? `operators: ${system} failed: ${sample.error}`
          : `operators: ${system}: cold ${sample.coldS.toFixed(2)} s, edit ${sample.editS.toFixed(2)} s, ` +
              `cold requests ${totals(sample.cold).total}`,
      );
      samples.push(sample);
    }
  }
  const chart = process.env.BENCH_OPS_CHART ?? join(repo, 'bench', 'results', 'operators.svg');
  if (chart) {
    mkdirSync(dirname(chart), { recursive: true });
    writeFileSync(chart, chartOf(systems, samples, n));
    log(`operators: chart written to ${chart}`);
  }
  return { name: 'operators', markdown: report(host, systems, samples, n, rounds, gcWaitS) };
}

/** Builds the Go peer once per go.mod/go.sum/main.go content, into ~/.cache/operon/bench. */
function buildControllerRuntime(log: (line: string) => void): string {
  const src = join(repo, 'bench', 'peers', 'controller-runtime');
  const hash = createHash('sha256');
  for (const f of ['go.mod', 'go.sum', 'main.go']) hash.update(readFileSync(join(src, f)));
  const root =
    process.env.OPERON_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'operon');
  const out = join(root, 'bench', `controller-runtime-${hash.digest('hex').slice(0, 12)}`);
  if (!existsSync(out)) {
    log(`operators: building the controller-runtime peer into ${out} (first run only)`);
    mkdirSync(dirname(out), { recursive: true });
    execFileSync('go', ['build', '-trimpath', '-o', out, '.'], {
      cwd: src,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, GOTOOLCHAIN: 'local', CGO_ENABLED: '0', GOFLAGS: '-mod=readonly' },
    });
  }
  return out;
}

const WIDGET_CRD = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.bench.example' },
  spec: {
    group: 'bench.example',
    scope: 'Namespaced',
    names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: {
                type: 'object',
                properties: { replicas: { type: 'integer' }, data: { type: 'string' } },
              },
              status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
            },
          },
        },
      },
    ],
  },
} as KubeObject;

/** The API server's verb and resource of one of the driver's requests, as its metrics name them. */
function driverKey(r: RequestRecord): string | undefined {
  const parts = r.path.split('?')[0].split('/').filter(Boolean);
  if (parts[0] !== 'api' && parts[0] !== 'apis') return undefined; // /metrics and the like
  let rest = parts[0] === 'api' ? parts.slice(2) : parts.slice(3);
  if (rest[0] === 'namespaces' && rest.length >= 3) rest = rest.slice(2);
  const verb = { create: 'POST', update: 'PUT' }[r.verb] ?? r.verb.toUpperCase();
  if (verb === 'WATCH') return undefined;
  return `${verb} ${rest[0]}${rest[2] ? `/${rest[2]}` : ''}`;
}

function cpCpu(pids: Map<string, number>): { apiserver: number; etcd: number; kcm: number } {
  const of = (name: string) => {
    const pid = pids.get(name);
    return pid === undefined ? Number.NaN : cpuSeconds(pid);
  };
  return { apiserver: of('kube-apiserver'), etcd: of('etcd'), kcm: of('kube-controller-manager') };
}

async function runOnce(
  system: SystemName,
  round: number,
  n: number,
  gcWaitS: number,
  crBinary: string,
  log: (line: string) => void,
): Promise<Sample> {
  const sample: Sample = {
    system,
    round,
    load1: loadavg()[0],
    coldS: Number.NaN,
    editS: Number.NaN,
    cold: new Map(),
    edit: new Map(),
    cpuCold: { operator: Number.NaN, apiserver: Number.NaN, etcd: Number.NaN, kcm: Number.NaN },
    cpuEdit: { operator: Number.NaN, apiserver: Number.NaN, etcd: Number.NaN, kcm: Number.NaN },
    latencyMs: [],
  };
  const cp = await startControlPlane({ useExistingCluster: false, profile: 'minimal' });
  const api = new ApiClient(cp.kubeConfig, 'operon-bench-driver');
  let driver: RequestCounts = new Map();
  api.onRequest((r) => {
    const key = driverKey(r);
    if (key) driver.set(key, (driver.get(key) ?? 0) + 1);
  });
  const env = { ...process.env, KUBECONFIG: cp.kubeconfigPath, OPERON_KUBECONFIG: cp.kubeconfigPath };
  let operator: ChildProcess | undefined;
  const start = (): ChildProcess =>
    system === 'controller-runtime'
      ? launch(crBinary, [], { ...env, BENCH_WORKERS: '4' })
      : launch(
          process.execPath,
          [join(here, 'systems', `${system === 'operon' ? 'operon-widget' : 'client-node'}.js`)],
          env,
        );
  try {
    if (!cp.dir) throw new Error('the operators benchmark needs a local control plane');
    await installCrds(cp.kubeConfig, [WIDGET_CRD]);
    await api.request({
      method: 'POST',
      path: '/api/v1/namespaces',
      body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } },
    });
    if (gcWaitS > 0) await sleep(gcWaitS * 1000);
    await pool(n, DRIVER_IN_FLIGHT, (i) =>
      api.request({
        method: 'POST',
        path: WIDGETS,
        body: {
          apiVersion: 'bench.example/v1',
          kind: 'Widget',
          metadata: { name: `w-${i}` },
          spec: { replicas: 1, data: 'v1' },
        },
      }),
    );
    const pids = controlPlanePids(cp.dir);
    log(
      `operators: ${n} Widgets created; control plane pids ${[...pids].map(([k, v]) => `${k}=${v}`).join(' ')}`,
    );

    // Cold converge.
    let m = await scrapeMetrics(api);
    let counts = requestCounts(m);
    const watchesBefore = watchesOpen(m);
    let cpu = cpCpu(pids);
    driver = new Map();
    const t0 = performance.now();
    let floorCpuS = Number.NaN;
    if (system === 'floor') floorCpuS = await runFloor('cold', env);
    else operator = start();
    await until(() => converged(api, n, 'v1', true), CONVERGE_TIMEOUT_MS, operator);
    sample.coldS = (performance.now() - t0) / 1000;
    const pid = operator?.pid;
    m = await scrapeMetrics(api);
    let after = requestCounts(m);
    sample.cold = diffCounts(after, counts, driver);
    let cpuAfter = cpCpu(pids);
    sample.cpuCold = {
      operator: pid ? cpuSeconds(pid) : floorCpuS,
      apiserver: cpuAfter.apiserver - cpu.apiserver,
      etcd: cpuAfter.etcd - cpu.etcd,
      kcm: cpuAfter.kcm - cpu.kcm,
    };
    if (pid) {
      sample.rssMiB = rssMiB(pid);
      sample.watches = watchesOpen(m) - watchesBefore;
    }

    // Edit wave.
    counts = after;
    cpu = cpuAfter;
    const operatorCpu = pid ? cpuSeconds(pid) : 0;
    driver = new Map();
    const t1 = performance.now();
    await pool(n, DRIVER_IN_FLIGHT, (i) =>
      api.request({
        method: 'PATCH',
        path: `${WIDGETS}/w-${i}`,
        contentType: PatchType.merge,
        body: { spec: { data: 'v2' } },
      }),
    );
    if (system === 'floor') floorCpuS = await runFloor('edit', env);
    await until(() => converged(api, n, 'v2', false), CONVERGE_TIMEOUT_MS, operator);
    sample.editS = (performance.now() - t1) / 1000;
    m = await scrapeMetrics(api);
    after = requestCounts(m);
    sample.edit = diffCounts(after, counts, driver);
    cpuAfter = cpCpu(pids);
    sample.cpuEdit = {
      operator: pid ? cpuSeconds(pid) - operatorCpu : floorCpuS,
      apiserver: cpuAfter.apiserver - cpu.apiserver,
      etcd: cpuAfter.etcd - cpu.etcd,
      kcm: cpuAfter.kcm - cpu.kcm,
    };

    // Latency (operators only: the floor does not react to edits).
    if (operator) sample.latencyMs = await latencies(api, Math.min(LATENCY_EDITS, n));

    // No-op restart, once every status has caught up with the latency edits.
    if (operator) {
      await until(() => statusesCaughtUp(api), CONVERGE_TIMEOUT_MS, operator);
      await stop(operator);
      operator = undefined;
      counts = requestCounts(await scrapeMetrics(api));
      driver = new Map();
      operator = start();
      let last = counts;
      let stableSince = performance.now();
      const deadline = performance.now() + 60_000;
      while (performance.now() - stableSince < 6_000 && performance.now() < deadline) {
        await sleep(1_000);
        const now = requestCounts(await scrapeMetrics(api));
        if (totals(diffCounts(now, last, driver)).total > 0) stableSince = performance.now();
        last = now;
        driver = new Map();
      }
      sample.restart = diffCounts(last, counts);
    }
  } catch (e) {
    sample.error = e instanceof Error ? e.message : String(e);
  } finally {
    if (operator) await stop(operator);
    api.close();
    await cp.stop();
  }
  return sample;
}

/**
 * `count` single edits, one at a time: the time from sending a Widget's edit to the driver's own
 * watch of ConfigMaps delivering that Widget's ConfigMap with the new data.
 */
async function latencies(api: ApiClient, count: number): Promise<number[]> {
  const path = `/api/v1/namespaces/${NS}/configmaps`;
  const list = await api.request<{ metadata: { resourceVersion: string } }>({
    method: 'GET',
    path,
    query: { labelSelector: 'app=widget', limit: 1 },
  });
  const res = await api.stream({
    path,
    query: { watch: 1, labelSelector: 'app=widget', resourceVersion: list.metadata.resourceVersion },
  });
  const seen = new Map<string, number>();
  let buffer = '';
  res.on('data', (chunk: Buffer) => {
    const at = performance.now();
    buffer += chunk.toString('utf8');
    let nl = buffer.indexOf('\n');
    while (nl >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      nl = buffer.indexOf('\n');
      if (!line.trim()) continue;
      const event = JSON.parse(line) as { object?: { data?: Record<string, string> } };
      const data = event.object?.data?.data;
      if (data && !seen.has(data)) seen.set(data, at);
    }
  });
  res.on('error', () => {});
  const out: number[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const marker = `latency-${i}`;
      const sent = performance.now();
      await api.request({
        method: 'PATCH',
        path: `${WIDGETS}/w-${i}`,
        contentType: PatchType.merge,
        body: { spec: { data: marker } },
      });
      const deadline = sent + 10_000;
      while (!seen.has(marker) && performance.now() < deadline) await sleep(1);
      const at = seen.get(marker);
      if (at === undefined) throw new Error(`latency edit ${i}: ConfigMap not updated within 10 s`);
      out.push(at - sent);
    }
  } finally {
    res.destroy();
  }
  return out;
}

/** Starts a system's process; its stderr tail is kept for error messages. */
function launch(cmd: string, args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let tail = '';
  child.stderr?.on('data', (d: Buffer) => {
    tail = (tail + d.toString()).slice(-2000);
  });
  (child as ChildProcess & { tail: () => string }).tail = () => tail;
  return child;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const killed = await Promise.race([exited.then(() => true), sleep(15_000).then(() => false)]);
  if (!killed) {
    child.kill('SIGKILL');
    await exited;
  }
}

/** Runs the floor for one phase; resolves with its own CPU seconds. */
async function runFloor(phase: 'cold' | 'edit', env: NodeJS.ProcessEnv): Promise<number> {
  const child = spawn(process.execPath, [join(here, 'systems', 'floor.js'), phase, NS], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    err = (err + d.toString()).slice(-2000);
  });
  const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  if (code !== 0) throw new Error(`the floor failed (${code}): ${err}`);
  return (JSON.parse(out.trim().split('\n').pop() ?? '{}') as { cpuMs: number }).cpuMs / 1000;
}

/** Every Widget's status caught up; on cold, all 3N children exist; on edit, every ConfigMap holds `data`. */
async function converged(api: ApiClient, n: number, data: string, cold: boolean): Promise<boolean> {
  const widgets = await api.request<{ items: Widget[] }>({ method: 'GET', path: WIDGETS });
  if (widgets.items.length !== n) return false;
  for (const w of widgets.items) {
    if (w.status?.observedGeneration !== w.metadata.generation || w.status?.children !== 3) return false;
  }
  const cms = await api.request<{ items: { data?: Record<string, string> }[] }>({
    method: 'GET',
    path: `/api/v1/namespaces/${NS}/configmaps`,
    query: { labelSelector: 'app=widget' },
  });
  if (cms.items.length !== n || cms.items.some((c) => c.data?.data !== data)) return false;
  if (!cold) return true;
  for (const path of [`/api/v1/namespaces/${NS}/services`, `/apis/apps/v1/namespaces/${NS}/deployments`]) {
    const list = await api.request<{ items: unknown[] }>({
      method: 'GET',
      path,
      query: { labelSelector: 'app=widget', limit: n + 1 },
    });
    if (list.items.length !== n) return false;
  }
  return true;
}

/** Every Widget's status shows its current generation. */
async function statusesCaughtUp(api: ApiClient): Promise<boolean> {
  const widgets = await api.request<{ items: Widget[] }>({ method: 'GET', path: WIDGETS });
  return widgets.items.every((w) => w.status?.observedGeneration === w.metadata.generation);
}

async function until(
  check: () => Promise<boolean>,
  timeoutMs: number,
  operator: ChildProcess | undefined,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (operator && (operator.exitCode !== null || operator.signalCode !== null)) {
      const tail = (operator as ChildProcess & { tail?: () => string }).tail?.() ?? '';
      throw new Error(`the operator exited (${operator.exitCode ?? operator.signalCode}): ${tail}`);
    }
    if (await check()) return;
    if (performance.now() > deadline) throw new Error(`not converged within ${timeoutMs / 1000} s`);
    await sleep(250);
  }
}

async function pool(n: number, inFlight: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < n) await fn(next++);
    }),
  );
}

// ---- Report ----

const fmt = (v: number, digits = 2): string => (Number.isFinite(v) ? v.toFixed(digits) : 'n/a');

function stat(values: number[], digits = 2): { text: string; median: number } {
  const ok = values.filter(Number.isFinite);
  if (ok.length === 0) return { text: 'n/a', median: Number.NaN };
  const s = summary(ok);
  const text =
    ok.length === 1 || s.min === s.max
      ? fmt(s.median, digits)
      : `${fmt(s.median, digits)} (${fmt(s.min, digits)}–${fmt(s.max, digits)})`;
  return { text, median: s.median };
}

const ratio = (v: number, ref: number): string =>
  Number.isFinite(v) && Number.isFinite(ref) && ref > 0 ? `${(v / ref).toFixed(2)}×` : 'n/a';

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

function totalCpu(c: Sample['cpuCold']): number {
  return c.operator + c.apiserver + c.etcd + c.kcm;
}

function report(
  host: string,
  systems: SystemName[],
  samples: Sample[],
  n: number,
  rounds: number,
  gcWaitS: number,
): string {
  const ok = (s: SystemName) => samples.filter((x) => x.system === s && !x.error);
  const med = (s: SystemName, f: (x: Sample) => number) => stat(ok(s).map(f)).median;
  const cold = (x: Sample) => x.coldS;
  const edit = (x: Sample) => x.editS;
  const cpu = (x: Sample) => totalCpu(x.cpuCold);
  const reqs = (x: Sample) => totals(x.cold).total;
  const ref = (f: (x: Sample) => number) => ({
    floor: systems.includes('floor') ? med('floor', f) : Number.NaN,
    cr: systems.includes('controller-runtime') ? med('controller-runtime', f) : Number.NaN,
  });
  const refCold = ref(cold);
  const refEdit = ref(edit);
  const refCpu = ref(cpu);
  const refReqs = ref(reqs);

  const timeRows = systems.map((s) => {
    const c = stat(ok(s).map(cold));
    const e = stat(ok(s).map(edit));
    const runs = samples.filter((x) => x.system === s).length;
    const lat = ok(s).flatMap((x) => x.latencyMs);
    return [
      LABELS[s],
      `${ok(s).length}/${runs}`,
      c.text,
      ratio(c.median, refCold.floor),
      ratio(c.median, refCold.cr),
      e.text,
      ratio(e.median, refEdit.floor),
      ratio(e.median, refEdit.cr),
      lat.length ? `${fmt(percentile(lat, 50), 1)} / ${fmt(percentile(lat, 99), 1)}` : 'n/a',
    ];
  });
  const apiRows = systems.map((s) => {
    const t = stat(ok(s).map(reqs), 0);
    const w = stat(
      ok(s).map((x) => totals(x.cold).writes),
      0,
    );
    const r = stat(
      ok(s).map((x) => totals(x.cold).reads),
      0,
    );
    const ew = stat(
      ok(s).map((x) => totals(x.edit).writes),
      0,
    );
    const et = stat(
      ok(s).map((x) => totals(x.edit).total),
      0,
    );
    const rw = stat(
      ok(s).map((x) => (x.restart ? totals(x.restart).writes : Number.NaN)),
      0,
    );
    const rt = stat(
      ok(s).map((x) => (x.restart ? totals(x.restart).total : Number.NaN)),
      0,
    );
    const watches = stat(
      ok(s).map((x) => x.watches ?? Number.NaN),
      0,
    );
    return [
      LABELS[s],
      `${t.text} (${w.text} / ${r.text})`,
      ratio(t.median, refReqs.floor),
      ratio(t.median, refReqs.cr),
      `${et.text} (${ew.text})`,
      `${rw.text} (${rt.text})`,
      watches.text,
    ];
  });
  const cpuRows = systems.map((s) => {
    const total = stat(ok(s).map(cpu), 1);
    return [
      LABELS[s],
      total.text,
      ratio(total.median, refCpu.floor),
      ratio(total.median, refCpu.cr),
      `${
        stat(
          ok(s).map((x) => x.cpuCold.operator),
          1,
        ).text
      } / ${
        stat(
          ok(s).map((x) => x.cpuEdit.operator),
          1,
        ).text
      }`,
      `${
        stat(
          ok(s).map((x) => x.cpuCold.apiserver),
          1,
        ).text
      } / ${
        stat(
          ok(s).map((x) => x.cpuEdit.apiserver),
          1,
        ).text
      }`,
      stat(
        ok(s).map((x) => x.cpuCold.etcd),
        1,
      ).text,
      stat(
        ok(s).map((x) => x.cpuCold.kcm),
        1,
      ).text,
      stat(
        ok(s).map((x) => x.rssMiB ?? Number.NaN),
        1,
      ).text,
    ];
  });
  const keys = [
    ...new Set(
      samples.flatMap((x) => [
        ...[...x.cold.keys()].map((k) => `cold: ${k}`),
        ...[...x.edit.keys()].map((k) => `edit: ${k}`),
        ...[...(x.restart?.keys() ?? [])].map((k) => `restart: ${k}`),
      ]),
    ),
  ].sort();
  const verbRows = keys.map((key) => {
    const [phase, k] = key.split(': ');
    return [
      key,
      ...systems.map((s) => {
        const runs = ok(s);
        const of = (x: Sample) =>
          (phase === 'cold'
            ? x.cold
            : phase === 'edit'
              ? x.edit
              : (x.restart ?? new Map<string, number>())
          ).get(k) ?? 0;
        const v = runs.length ? summary(runs.map(of)).median : 0;
        return v ? String(v) : '–';
      }),
    ];
  });
  const failures = samples.filter((x) => x.error).map((x) => `- round ${x.round}, ${x.system}: ${x.error}`);
  const perRun = samples.map(
    (x) =>
      `${x.round}:${x.system} load ${x.load1.toFixed(2)}${x.error ? ' (failed)' : `, cold ${fmt(x.coldS)} s, edit ${fmt(x.editS)} s, total CPU ${fmt(cpu(x), 1)} s`}`,
  );
  return [
    `## Operators: ${n} Widgets × 3 children, ${rounds} round(s)`,
    '',
    ...(n < 1000 || rounds < 3
      ? [
          `**Small run** (${n} Widgets, ${rounds} round(s); the full benchmark is 1000 Widgets × 3 rounds):`,
          'read it as a smoke test of the harness, not as the figures of record.',
          '',
        ]
      : []),
    host,
    '',
    'Each run: a fresh local control plane (`startControlPlane`, **minimal** profile: etcd +',
    'kube-apiserver + kube-controller-manager with the garbage-collector and namespace controllers),',
    `the Widget CRD, a namespace, a ${gcWaitS} s wait (garbage-collector discovery), N Widgets created`,
    '(16 in flight), then the system is started and timed to convergence (cold), then every Widget is',
    'edited (edit wave), then the operator is restarted with nothing to do (no-op restart). Systems are',
    'interleaved round by round. Medians, (min–max) across rounds. The driver polls LISTs every 250 ms;',
    "its own requests are subtracted from the API server's counters. Wall times on a shared 2-core",
    'machine are noisy (±30 %); CPU seconds and request counts are the firmer figures.',
    `Latency: ${LATENCY_EDITS} single edits after the edit wave, one at a time, edit sent → the driver's watch saw the ConfigMap changed (pooled over rounds).`,
    'Not measured yet: V8 heap, RSS idle / after restart.',
    '',
    '### Time',
    '',
    table(
      [
        'system',
        'runs ok',
        'cold converge s',
        '×floor',
        '×controller-runtime',
        'edit wave s',
        '×floor',
        '×controller-runtime',
        'latency p50 / p99 ms',
      ],
      timeRows,
    ),
    '',
    '### API work (apiserver_request_total deltas; driver, Lease and WATCH requests excluded)',
    '',
    table(
      [
        'system',
        'cold: requests (writes / reads)',
        '×floor',
        '×controller-runtime',
        'edit: requests (writes)',
        'no-op restart: writes (all)',
        'watches held',
      ],
      apiRows,
    ),
    '',
    'Watches held: `apiserver_longrunning_requests{verb="WATCH"}` after the cold converge minus before the',
    'system started (the floor does not watch).',
    '',
    '### CPU and memory',
    '',
    table(
      [
        'system',
        'total CPU s, cold (system + apiserver + etcd + KCM)',
        '×floor',
        '×controller-runtime',
        'system CPU s: cold / edit',
        'apiserver CPU s: cold / edit',
        'etcd CPU s cold',
        'KCM CPU s cold',
        'RSS after converge MiB',
      ],
      cpuRows,
    ),
    '',
    "System CPU includes the process's start-up (Node ≈ 1 s). The floor's CPU is its own two short-lived processes.",
    '',
    '### Requests by verb and resource (median per run)',
    '',
    table(['phase: verb resource', ...systems], verbRows),
    '',
    `Runs (round:system, 1-minute load average at start): ${perRun.join('; ')}.`,
    ...(failures.length ? ['', 'Failed runs:', ...failures] : []),
  ].join('\n');
}

function chartOf(systems: SystemName[], samples: Sample[], n: number): string {
  const med = (s: SystemName, f: (x: Sample) => number) =>
    stat(samples.filter((x) => x.system === s && !x.error).map(f)).median;
  return barChart(
    `Operators benchmark: ${n} Widgets × 3 children (median seconds, lower is better)`,
    's',
    systems.map((s) => s),
    [
      { name: 'cold converge', values: systems.map((s) => med(s, (x) => x.coldS)) },
      { name: 'edit wave', values: systems.map((s) => med(s, (x) => x.editS)) },
    ],
  );
}

// `node dist/bench/operators.js [--out dir]`: this benchmark alone. (bench/run.ts imports this
// module too, and then this block does nothing.)
if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  const result = await run();
  process.stdout.write(`${result.markdown}\n`);
  const outIndex = process.argv.indexOf('--out');
  if (outIndex >= 0) {
    const dir = process.argv[outIndex + 1];
    if (!dir) throw new Error('--out needs a folder');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${result.name}.md`), `${result.markdown}\n`);
  }
}
