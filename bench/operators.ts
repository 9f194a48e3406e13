// Operators benchmark: the same workload run by Operon, a controller-runtime peer (Go), a
// hand-rolled @kubernetes/client-node peer and a raw-write floor, each on a fresh local control
// plane, interleaved round by round.
//
// Workload: N `Widget` parents (bench.example/v1, spec {replicas, data}), each kept with 3 children
// (ConfigMap, headless Service, Deployment; controller owner references) and the status
// {observedGeneration, children: 3}. Per run:
//   idle           (operators only) during the garbage collector's wait, before any Widget exists,
//                  the system runs in a process of its own until it holds its watches and has sent
//                  no request for 6 s; its memory is read, then it is stopped. (A separate process
//                  rather than the cold one started early: the cold clock and request counts keep
//                  measuring a start against N existing Widgets, the floor's case too, and the idle
//                  process is in the same state as the restarted one below minus the cached objects.)
//   cold converge  N Widgets are created first (16 in flight); the clock runs from the system's process
//                  start until every Widget's status shows observedGeneration == generation and
//                  children == 3 and the 3N children exist (the driver polls LISTs every 250 ms,
//                  less often beyond 1000 Widgets: pollMs);
//   edit wave      every Widget's spec.data is changed (16 in flight); the clock runs from the first
//                  edit until every status caught up and every ConfigMap holds the new data;
//   no-op restart  (operators only) the operator is stopped and started again; the requests it
//                  sends until the API server's counters stay unchanged for 6 s.
// Operon runs with the node flags its generated Deployment passes (OPERATOR_NODE_FLAGS).
// Memory (operators only): VmRSS from /proc when idle, after the cold converge and after the no-op
// restart; for the Node systems also V8's heapUsed after two forced full GCs (bench/systems/
// heap-probe.ts, loaded with NODE_OPTIONS, answers SIGUSR2). RSS is read before that GC, as for the
// Go peer whose GC is not forced. Per cached object: (after restart − idle) / 4N (N Widgets + 3N
// children), for the heap and for RSS.
// Requests: deltas of the API server's apiserver_request_total per verb/resource over each phase,
// minus the driver's own requests (it counts them); Lease requests and WATCH are left out.
// CPU: utime+stime from /proc of the system's process (including its start-up), kube-apiserver, etcd
// and kube-controller-manager over the phase. The floor reports its own CPU when it exits.
// Machine: the 1-minute load average at each run's start, and the CPU the rest of the machine used
// during the cold phase (/proc/stat busy time minus the processes above and the driver).
// Scale point: with BENCH_OPS_SCALE, one more run per system (floor, Operon, controller-runtime) at
// that N after the main rounds, cold converge only. Timeouts and the driver's poll interval grow
// with N (see convergeTimeoutMs, pollMs).
//
// `npm run bench operators`; environment:
//   BENCH_OPS_N        parents (default 1000)
//   BENCH_OPS_ROUNDS   rounds (default 3)
//   BENCH_OPS_SYSTEMS  comma-separated, from floor,operon,controller-runtime,client-node (default: all)
//   BENCH_OPS_GC_WAIT  seconds to wait after creating the CRD, so the garbage collector has
//                      discovered it before any child exists (default 32; see the results' method)
//   BENCH_OPS_CHART    where the SVG chart goes (default bench/results/operators.svg; "" for none)
//   BENCH_OPS_SCALE    N of the scale point (e.g. 5000; default: none)
// Results go to stdout; bench/results/operators.md is only written with `--out bench/results`.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { OPERATOR_NODE_FLAGS } from '../src/generate/deployment.js';
import { ApiClient, PatchType, type RequestRecord } from '../src/runtime/api/api-client.js';
import { startControlPlane } from '../src/testkit/control-plane.js';
import { installCrds } from '../src/testkit/install.js';
import type { KubeObject } from '../src/types/kube-object.js';
import { type BenchResult, machine, pool, summary, table } from './harness.js';
import {
  barChart,
  controlPlanePids,
  cpuSeconds,
  diffCounts,
  machineBusySeconds,
  type RequestCounts,
  requestCounts,
  rssMiB,
  scrapeMetrics,
  stackSvg,
  totals,
  watchesOpen,
} from './operators/lib.js';

const here = dirname(fileURLToPath(import.meta.url)); // dist/bench
const repo = resolve(here, '..', '..');
const NS = 'bench';
const WIDGETS = `/apis/bench.example/v1/namespaces/${NS}/widgets`;
const DRIVER_IN_FLIGHT = 16;
/** Single edits of the latency phase. */
const LATENCY_EDITS = 50;
/**
 * Quiet this long (no request; for idle, watches unchanged too) ends the no-op restart and the idle
 * phase alike, so that both read memory at about the same age of their process: V8 gives memory
 * back to the OS some 15 s into idleness, which would otherwise land in one reading and not the other.
 */
const QUIET_MS = 6_000;
/** A system not idle this long after its start is reported without idle figures. */
const IDLE_TIMEOUT_MS = 60_000;
/** Two full GCs of even a 5000-Widget cache take well under a second; this is for a loaded machine. */
const HEAP_PROBE_TIMEOUT_MS = 30_000;
const MiB = 1024 * 1024;
/** Seconds after creating the CRD before any child exists; see shortGcWaitWarning. */
const DEFAULT_GC_WAIT_S = 32;

/** Converge waits: 600 s at 1000 Widgets (ample for every system), growing linearly beyond. */
const convergeTimeoutMs = (n: number): number => 600 * Math.max(n, 1000);
/** The no-op restart's listing grows with N too: 60 s at 1000 Widgets. */
const restartTimeoutMs = (n: number): number => 60 * Math.max(n, 1000);
/**
 * The driver's convergence poll: 250 ms up to 1000 Widgets, then slower in proportion, so that its
 * full LISTs cost the API server the same per second at a scale point as in the main rounds (each
 * LIST grows with N); ±1.25 s at 5000 Widgets is still under 2 % of any system's converge there.
 */
const pollMs = (n: number): number => 250 * Math.max(1, n / 1000);

type SystemName = 'floor' | 'operon' | 'controller-runtime' | 'client-node';
const LABELS: Record<SystemName, string> = {
  floor: 'Raw-write floor (Node, 4 in flight, no watch)',
  operon: `Operon (defaults: concurrency 4; node ${OPERATOR_NODE_FLAGS.join(' ')}, as its Deployment)`,
  'controller-runtime': 'controller-runtime v0.25.2 (4 workers)',
  'client-node': 'client-node 1.4.0 hand-rolled (4 workers)',
};
const ALL: SystemName[] = ['floor', 'operon', 'controller-runtime', 'client-node'];
/**
 * The scale point asks how Operon's distance to the floor and to the Go peer grows with N; the
 * client-node peer is left out to keep that long extra round shorter.
 */
const SCALE_SYSTEMS: SystemName[] = ['floor', 'operon', 'controller-runtime'];
/** Node processes, into which the heap probe is loaded. */
const isNode = (s: SystemName): boolean => s === 'operon' || s === 'client-node';

interface Memory {
  /** VmRSS, MiB, read before the probe's forced GC. */
  rssMiB: number;
  /** V8 heapUsed after two full GCs, MiB (Node systems). */
  heapMiB?: number;
}

interface Sample {
  system: SystemName;
  round: number;
  /** 1-minute load average when the run started (before its control plane). */
  load1: number;
  /** CPU seconds the rest of the machine used during the cold phase (see the header). */
  otherCpuCold: number;
  error?: string;
  /** Problems that cost a figure but not the run, such as an idle phase that never went quiet. */
  notes: string[];
  coldS: number;
  editS: number;
  cold: RequestCounts;
  edit: RequestCounts;
  restart?: RequestCounts;
  watches?: number;
  cpuCold: { operator: number; apiserver: number; etcd: number; kcm: number };
  cpuEdit: { operator: number; apiserver: number; etcd: number; kcm: number };
  /**
   * Operators only: idle (own process, empty namespace), after the cold converge, after the no-op
   * restart; for Operon also idle as deployed (see {@link deployedCommand}).
   */
  memory: { idle?: Memory; converged?: Memory; restarted?: Memory; deployed?: Memory };
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
  const gcWaitS =
    process.env.BENCH_OPS_GC_WAIT === undefined ? DEFAULT_GC_WAIT_S : Number(process.env.BENCH_OPS_GC_WAIT);
  const systems = (process.env.BENCH_OPS_SYSTEMS?.split(',').map((s) => s.trim()) ?? ALL) as SystemName[];
  for (const s of systems)
    if (!ALL.includes(s)) throw new Error(`unknown system ${s}; known: ${ALL.join(', ')}`);
  const host = machine();
  const crBinary = systems.includes('controller-runtime') ? buildControllerRuntime(log) : '';

  const samples: Sample[] = [];
  for (let round = 1; round <= rounds; round++) {
    for (const system of systems) {
      log(`operators: round ${round}/${rounds}, ${system}, ${n} Widgets`);
      const sample = await runOnce(system, round, n, gcWaitS, crBinary, log, false);
      log(progressLine(sample));
      samples.push(sample);
    }
  }
  const scale = await scalePoint(systems, rounds, gcWaitS, crBinary, log);
  const chart = process.env.BENCH_OPS_CHART ?? join(repo, 'bench', 'results', 'operators.svg');
  if (chart) {
    mkdirSync(dirname(chart), { recursive: true });
    writeFileSync(chart, chartOf(systems, samples, n, scale));
    log(`operators: chart written to ${chart}`);
  }
  return { name: 'operators', markdown: report(host, systems, samples, n, rounds, gcWaitS, scale) };
}

/** The scale point's runs: one per system, at N = BENCH_OPS_SCALE. */
interface Scale {
  n: number;
  systems: SystemName[];
  samples: Sample[];
}

/** One cold-only run per scale system at BENCH_OPS_SCALE Widgets, after the main rounds; none when unset. */
async function scalePoint(
  systems: SystemName[],
  rounds: number,
  gcWaitS: number,
  crBinary: string,
  log: (line: string) => void,
): Promise<Scale | undefined> {
  const n = Number(process.env.BENCH_OPS_SCALE) || 0;
  if (n <= 0) return undefined;
  const scale: Scale = { n, systems: SCALE_SYSTEMS.filter((s) => systems.includes(s)), samples: [] };
  for (const system of scale.systems) {
    log(`operators: scale point, ${system}, ${n} Widgets (cold converge only)`);
    const sample = await runOnce(system, rounds + 1, n, gcWaitS, crBinary, log, true);
    log(progressLine(sample));
    scale.samples.push(sample);
  }
  return scale;
}

/** One run's outcome on stderr, while the benchmark goes on. */
function progressLine(x: Sample): string {
  if (x.error) return `operators: ${x.system} failed: ${x.error}`;
  const rss = PHASES.map((p) => fmt(x.memory[p]?.rssMiB ?? Number.NaN, 1)).join('/');
  const heap = PHASES.map((p) => fmt(x.memory[p]?.heapMiB ?? Number.NaN, 1)).join('/');
  return (
    `operators: ${x.system}: cold ${fmt(x.coldS)} s, edit ${fmt(x.editS)} s, cold requests ${totals(x.cold).total}, ` +
    `RSS ${rss} MiB, heap ${heap} MiB (idle/converged/restarted), other CPU ${fmt(x.otherCpuCold, 1)} s` +
    (x.notes.length ? `; ${x.notes.join('; ')}` : '')
  );
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
  coldOnly: boolean,
): Promise<Sample> {
  const sample: Sample = {
    system,
    round,
    load1: loadavg()[0],
    otherCpuCold: Number.NaN,
    notes: [],
    coldS: Number.NaN,
    editS: Number.NaN,
    cold: new Map(),
    edit: new Map(),
    cpuCold: { operator: Number.NaN, apiserver: Number.NaN, etcd: Number.NaN, kcm: Number.NaN },
    cpuEdit: { operator: Number.NaN, apiserver: Number.NaN, etcd: Number.NaN, kcm: Number.NaN },
    memory: {},
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
  // The control plane's folder goes with it, so the heap file needs no clean-up of its own.
  const heapFile = isNode(system) && cp.dir ? join(cp.dir, 'heap.json') : undefined;
  let operator: ChildProcess | undefined;
  const start = (): ChildProcess =>
    system === 'controller-runtime'
      ? launch(crBinary, [], { ...env, BENCH_WORKERS: '4' })
      : launch(
          process.execPath,
          // Operon runs with the node flags of the Deployment it generates; the hand-rolled peer
          // with Node's defaults, as its author would run it.
          system === 'operon'
            ? [...OPERATOR_NODE_FLAGS, join(here, 'systems', 'operon-widget.js')]
            : [join(here, 'systems', 'client-node.js')],
          heapFile ? withHeapProbe(env, heapFile) : env,
        );
  try {
    if (!cp.dir) throw new Error('the operators benchmark needs a local control plane');
    await installCrds(cp.kubeConfig, [WIDGET_CRD]);
    await api.request({
      method: 'POST',
      path: '/api/v1/namespaces',
      body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } },
    });
    // The idle phase overlaps the garbage collector's wait: with no Widget, the system only lists
    // and watches, nothing the garbage collector sees, and the run takes no longer than before.
    const gcWaitUntil = performance.now() + gcWaitS * 1000;
    if (system !== 'floor') {
      try {
        sample.memory.idle = await idleMemory(api, start, heapFile, sample.notes);
      } catch (e) {
        sample.notes.push(`idle phase: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    if (system === 'operon') {
      try {
        sample.memory.deployed = await idleMemory(
          api,
          () => launch(process.execPath, deployedCommand(), heapFile ? withHeapProbe(env, heapFile) : env),
          heapFile,
          sample.notes,
        );
      } catch (e) {
        sample.notes.push(`idle phase as deployed: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    const gcWaitLeft = gcWaitUntil - performance.now();
    if (gcWaitLeft > 0) await sleep(gcWaitLeft);
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
    const busy = machineBusySeconds();
    const driverCpu = process.cpuUsage();
    driver = new Map();
    const t0 = performance.now();
    let floorCpuS = Number.NaN;
    if (system === 'floor') floorCpuS = await runFloor('cold', env);
    else operator = start();
    await until(() => converged(api, n, 'v1', true), convergeTimeoutMs(n), operator, pollMs(n));
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
    const driverUsage = process.cpuUsage(driverCpu);
    const driverCpuS = (driverUsage.user + driverUsage.system) / 1e6;
    sample.otherCpuCold = machineBusySeconds() - busy - totalCpu(sample.cpuCold) - driverCpuS;
    if (operator && pid) {
      sample.watches = watchesOpen(m) - watchesBefore;
      // After the CPU readings, and before the edit wave's: the probe's forced GC is in neither.
      sample.memory.converged = await memoryOf(operator, heapFile, sample.notes);
    }
    if (coldOnly) return sample; // the scale point

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
    await until(() => converged(api, n, 'v2', false), convergeTimeoutMs(n), operator, pollMs(n));
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
      await until(() => statusesCaughtUp(api), convergeTimeoutMs(n), operator, pollMs(n));
      await stop(operator);
      operator = undefined;
      counts = requestCounts(await scrapeMetrics(api));
      driver = new Map();
      operator = start();
      let last = counts;
      let stableSince = performance.now();
      const deadline = performance.now() + restartTimeoutMs(n);
      while (performance.now() - stableSince < QUIET_MS && performance.now() < deadline) {
        await sleep(1_000);
        const now = requestCounts(await scrapeMetrics(api));
        if (totals(diffCounts(now, last, driver)).total > 0) stableSince = performance.now();
        last = now;
        driver = new Map();
      }
      sample.restart = diffCounts(last, counts);
      // Its caches hold the 4N objects and it has nothing to do: compared with idle, what they cost.
      sample.memory.restarted = await memoryOf(operator, heapFile, sample.notes);
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

/** The systems' environment plus the heap probe (bench/systems/heap-probe.ts) and its output file. */
function withHeapProbe(env: NodeJS.ProcessEnv, heapFile: string): NodeJS.ProcessEnv {
  const probe = pathToFileURL(join(here, 'systems', 'heap-probe.js')).href;
  return {
    ...env,
    NODE_OPTIONS: [env.NODE_OPTIONS, '--expose-gc', `--import=${probe}`].filter(Boolean).join(' '),
    BENCH_HEAP_FILE: heapFile,
  };
}

/**
 * Memory of a system started on the empty namespace, once idle: in a process of its own, stopped
 * afterwards, so that the cold converge still starts a fresh process against N existing Widgets.
 */
async function idleMemory(
  api: ApiClient,
  start: () => ChildProcess,
  heapFile: string | undefined,
  notes: string[],
): Promise<Memory> {
  const watchesBefore = watchesOpen(await scrapeMetrics(api));
  const child = start();
  try {
    await untilIdle(api, child, watchesBefore);
    return await memoryOf(child, heapFile, notes);
  } finally {
    await stop(child);
  }
}

/**
 * Idle: the system holds more watches than before it started, and for QUIET_MS neither that
 * number nor any request counter has moved (its lists are done, its caches synced). The driver sends
 * no API request meanwhile (/metrics is not counted), so every counted request is someone else's.
 */
async function untilIdle(api: ApiClient, child: ChildProcess, watchesBefore: number): Promise<void> {
  let last: RequestCounts = new Map();
  let lastWatches = Number.NaN;
  let quietSince = performance.now();
  await until(
    async () => {
      const m = await scrapeMetrics(api);
      const counts = requestCounts(m);
      const watches = watchesOpen(m);
      if (watches <= watchesBefore || watches !== lastWatches || totals(diffCounts(counts, last)).total > 0) {
        quietSince = performance.now();
      }
      last = counts;
      lastWatches = watches;
      return performance.now() - quietSince >= QUIET_MS;
    },
    IDLE_TIMEOUT_MS,
    child,
    500,
    'idle',
  );
}

/**
 * RSS first (as for the Go peer, before any forced GC), then, for Node, the heap after full GCs. A
 * probe that does not answer costs the heap figure (noted), not the run's other figures.
 */
async function memoryOf(child: ChildProcess, heapFile: string | undefined, notes: string[]): Promise<Memory> {
  const memory: Memory = { rssMiB: child.pid ? rssMiB(child.pid) : Number.NaN };
  if (!heapFile) return memory;
  try {
    memory.heapMiB = await heapMiB(child, heapFile);
  } catch (e) {
    memory.heapMiB = Number.NaN;
    notes.push(e instanceof Error ? e.message : String(e));
  }
  return memory;
}

/** Asks the heap probe (SIGUSR2) for process.memoryUsage() after two full GCs; heapUsed in MiB. */
async function heapMiB(child: ChildProcess, file: string): Promise<number> {
  rmSync(file, { force: true });
  child.kill('SIGUSR2');
  const deadline = performance.now() + HEAP_PROBE_TIMEOUT_MS;
  while (!existsSync(file)) {
    if (performance.now() > deadline)
      throw new Error(`the heap probe did not answer within ${HEAP_PROBE_TIMEOUT_MS / 1000} s`);
    await sleep(50);
  }
  return (JSON.parse(readFileSync(file, 'utf8')) as NodeJS.MemoryUsage).heapUsed / MiB;
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

/**
 * Operon's Widget operator as its generated Deployment starts it: `operon run` with the Deployment's
 * node flags and defaults (RBAC check at start, probes on :8081, HTTPS metrics with a self-signed
 * certificate on :8443). The timed runs use the embedded form instead, as the Go peer runs without
 * probes or metrics; this form is measured idle only, for the memory a deployed operator holds.
 */
function deployedCommand(): string[] {
  const bin = join(here, '..', '..', 'bin', 'operon.js');
  return [
    ...OPERATOR_NODE_FLAGS,
    bin,
    'run',
    join(here, 'systems', 'operon-widget.js'),
    '--log-level',
    'warn',
  ];
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
  intervalMs: number,
  what = 'converged',
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (operator && (operator.exitCode !== null || operator.signalCode !== null)) {
      const tail = (operator as ChildProcess & { tail?: () => string }).tail?.() ?? '';
      throw new Error(`the operator exited (${operator.exitCode ?? operator.signalCode}): ${tail}`);
    }
    if (await check()) return;
    if (performance.now() > deadline) throw new Error(`not ${what} within ${timeoutMs / 1000} s`);
    await sleep(intervalMs);
  }
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
  scale: Scale | undefined,
): string {
  const ok = (s: SystemName) => samples.filter((x) => x.system === s && !x.error);
  /** Per run, in round order, failed runs included: what the machine was doing meanwhile. */
  const perRunOf = (s: SystemName, f: (x: Sample) => number, digits: number) =>
    samples
      .filter((x) => x.system === s)
      .map((x) => fmt(f(x), digits))
      .join(' / ');
  const memory = (s: SystemName, key: keyof Memory) => {
    const cells = PHASES.map(
      (p) =>
        stat(
          ok(s).map((x) => x.memory[p]?.[key] ?? Number.NaN),
          1,
        ).text,
    );
    return cells.every((c) => c === 'n/a') ? 'n/a' : cells.join(' / ');
  };
  const perObject = (s: SystemName) => {
    const cells = (['heapMiB', 'rssMiB'] as const).map(
      (key) =>
        stat(
          ok(s).map((x) => bytesPerObject(x, key, n)),
          0,
        ).text,
    );
    return cells.every((c) => c === 'n/a') ? 'n/a' : cells.join(' / ');
  };
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
      perRunOf(s, (x) => x.load1, 2),
      perRunOf(s, (x) => x.otherCpuCold, 1),
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
      memory(s, 'rssMiB'),
      memory(s, 'heapMiB'),
      perObject(s),
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
  const runName = (x: Sample) =>
    x.round > rounds ? `scale point, ${x.system}` : `round ${x.round}, ${x.system}`;
  const all = [...samples, ...(scale?.samples ?? [])];
  const failures = all.filter((x) => x.error).map((x) => `- ${runName(x)}: ${x.error}`);
  const notes = all.flatMap((x) => x.notes.map((note) => `- ${runName(x)}: ${note}`));
  const perRun = samples.map(
    (x) =>
      `${x.round}:${x.system} load ${x.load1.toFixed(2)}${x.error ? ' (failed)' : `, cold ${fmt(x.coldS)} s, edit ${fmt(x.editS)} s, total CPU ${fmt(cpu(x), 1)} s, other CPU ${fmt(x.otherCpuCold, 1)} s`}`,
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
    `the Widget CRD, a namespace, a ${gcWaitS} s wait (garbage-collector discovery; the idle phase of the`,
    'operators runs during it), N Widgets created (16 in flight), then the system is started and timed to',
    'convergence (cold), then every Widget is edited (edit wave), then the operator is restarted with',
    'nothing to do (no-op restart). Systems are interleaved round by round. Medians, (min–max) across',
    `rounds. The driver polls LISTs every ${pollMs(n)} ms; its own requests are subtracted from the API`,
    "server's counters. Wall times on a shared 2-core machine are noisy (±30 %); CPU seconds and request",
    'counts are the firmer figures.',
    ...(gcWaitS < DEFAULT_GC_WAIT_S ? [shortGcWaitWarning(gcWaitS)] : []),
    `Latency: ${LATENCY_EDITS} single edits after the edit wave, one at a time, edit sent → the driver's watch saw the ConfigMap changed (pooled over rounds).`,
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
        'load at start',
        'other CPU s, cold',
      ],
      timeRows,
    ),
    '',
    'Load at start: the 1-minute load average when the run began (before its control plane started).',
    'Other CPU: the CPU seconds the rest of the machine used during the cold phase (/proc/stat busy time',
    'minus the system, the control plane and the driver), i.e. other work competing for the cores. Both',
    'per run, in round order.',
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
        'RSS MiB: idle / converged / restarted',
        'V8 heap MiB: idle / converged / restarted',
        'per cached object, bytes: heap / RSS',
      ],
      cpuRows,
    ),
    '',
    "System CPU includes the process's start-up (Node ≈ 1 s). The floor's CPU is its own two short-lived processes.",
    '',
    'Memory of the operators: RSS (VmRSS) and, for the Node systems, the V8 heap used after two forced',
    'full GCs (a probe loaded with `NODE_OPTIONS=--expose-gc --import …` answers SIGUSR2; RSS is read',
    'before that GC, as for the Go peer, whose GC is not forced). **Idle**: during the garbage-collector',
    'wait, before any Widget exists, the system runs in a process of its own until it holds its watches',
    `and neither they nor any request counter have moved for ${QUIET_MS / 1000} s; it is read, then stopped. (A`,
    'separate process rather than the cold one started early, so that the cold clock and requests still',
    'measure a start against N existing Widgets, as for the floor.) **Converged**: the cold process right',
    "after the cold converge. **Restarted**: the no-op restart's process once quiet, its caches holding the",
    `N Widgets and 3N children with nothing to do. **Per cached object**: (restarted − idle) / ${4 * n} objects;`,
    'it counts everything the system keeps per object (informer stores and indexes, queues, per-object',
    'state), not the object alone. Idle and restarted are both read after the same 6 s of quiet, early in',
    "their process's life: V8 gives memory back to the OS some 15 s into idleness, so these are the RSS",
    'of a freshly started operator, alike for both. Below some thousands of objects the RSS difference is',
    'within allocator noise; the heap difference is the firmer one.',
    '',
    ...deployedSection(systems, ok('operon')),
    '### Requests by verb and resource (median per run)',
    '',
    table(['phase: verb resource', ...systems], verbRows),
    '',
    ...scaleSection(scale),
    `Runs (round:system, 1-minute load average at start): ${perRun.join('; ')}.`,
    ...(failures.length ? ['', 'Failed runs:', ...failures] : []),
    ...(notes.length ? ['', 'Notes (figures missing from otherwise complete runs):', ...notes] : []),
  ].join('\n');
}

const PHASES = ['idle', 'converged', 'restarted'] as const;

/** Operon's idle memory as deployed (`operon run`), beside the embedded form's, when Operon ran. */
function deployedSection(systems: readonly SystemName[], runs: readonly Sample[]): string[] {
  if (!systems.includes('operon')) return [];
  const cell = (phase: 'idle' | 'deployed', key: keyof Memory) =>
    stat(
      runs.map((x) => x.memory[phase]?.[key] ?? Number.NaN),
      1,
    ).text;
  return [
    '### Operon idle as deployed',
    '',
    table(
      ['Operon started as', 'idle RSS MiB', 'idle V8 heap MiB'],
      [
        [
          'embedded (`runOperators`, no servers), as timed above',
          cell('idle', 'rssMiB'),
          cell('idle', 'heapMiB'),
        ],
        [
          '`operon run`, as the generated Deployment starts it (RBAC check, probes, HTTPS metrics with a self-signed certificate)',
          cell('deployed', 'rssMiB'),
          cell('deployed', 'heapMiB'),
        ],
      ],
    ),
    '',
    'Both read the same way (idle phase above), one after the other in the same run.',
    '',
  ];
}

/**
 * Until the garbage collector has discovered the Widget CRD (its discovery runs about every 30 s),
 * it checks each child's owner with a live GET, which the API server's counters then charge to the
 * system. The operators' idle phase overlaps this wait and can outlast a short one; the floor has
 * none, so it is the one most exposed.
 */
function shortGcWaitWarning(gcWaitS: number): string {
  return (
    `**Short garbage-collector wait** (${gcWaitS} s < ${DEFAULT_GC_WAIT_S} s): Widgets may not be discovered before ` +
    "the children appear; its live `GET widgets` then count as the system's (the floor most exposed: the " +
    "operators' idle phase lengthens their wait)."
  );
}

/** (restarted − idle) / 4N, bytes: what one cached object costs the system, all it keeps for it included. */
function bytesPerObject(x: Sample, key: keyof Memory, n: number): number {
  return (((x.memory.restarted?.[key] ?? Number.NaN) - (x.memory.idle?.[key] ?? Number.NaN)) * MiB) / (4 * n);
}

/** The scale point's table and method, or nothing without BENCH_OPS_SCALE. */
function scaleSection(scale: Scale | undefined): string[] {
  if (!scale) return [];
  const of = (s: SystemName) => scale.samples.find((x) => x.system === s && !x.error);
  const refOf = (s: SystemName, f: (x: Sample) => number) => {
    const x = of(s);
    return x ? f(x) : Number.NaN;
  };
  const cpu = (x: Sample) => totalCpu(x.cpuCold);
  const rows = scale.systems.map((s) => {
    const x = of(s);
    const load = scale.samples.find((y) => y.system === s)?.load1 ?? Number.NaN;
    if (!x) return [LABELS[s], 'failed', '', '', '', '', '', '', fmt(load), ''];
    const t = totals(x.cold);
    return [
      LABELS[s],
      fmt(x.coldS),
      ratio(
        x.coldS,
        refOf('floor', (y) => y.coldS),
      ),
      ratio(
        x.coldS,
        refOf('controller-runtime', (y) => y.coldS),
      ),
      `${t.total} (${t.writes} / ${t.reads})`,
      fmt(cpu(x), 1),
      fmt(x.memory.converged?.rssMiB ?? Number.NaN, 1),
      fmt(x.memory.converged?.heapMiB ?? Number.NaN, 1),
      fmt(x.load1),
      fmt(x.otherCpuCold, 1),
    ];
  });
  return [
    `### Scale point: ${scale.n} Widgets × 3 children, one run per system`,
    '',
    `After the main rounds, one run at ${scale.n} Widgets for the floor, Operon and controller-runtime, cold`,
    'converge only (no edit wave, latency or restart); otherwise the same method. The driver polls every',
    `${pollMs(scale.n)} ms (250 ms, × N / 1000 beyond 1000 Widgets, so that its LISTs cost the API server per second`,
    `what they cost at 1000) and converge waits allow ${convergeTimeoutMs(scale.n) / 1000} s. The local control plane's`,
    'Service ClusterIP range does not limit N: the Services are headless. One run each: read the ratios,',
    'not the second decimal.',
    '',
    table(
      [
        'system',
        'cold converge s',
        '×floor',
        '×controller-runtime',
        'cold: requests (writes / reads)',
        'total CPU s, cold',
        'RSS after converge MiB',
        'V8 heap after converge MiB',
        'load at start',
        'other CPU s, cold',
      ],
      rows,
    ),
    '',
  ];
}

function chartOf(systems: SystemName[], samples: Sample[], n: number, scale: Scale | undefined): string {
  const med = (s: SystemName, f: (x: Sample) => number) =>
    stat(samples.filter((x) => x.system === s && !x.error).map(f)).median;
  const main = barChart(
    `Operators benchmark: ${n} Widgets × 3 children (median seconds, lower is better)`,
    's',
    systems.map((s) => s),
    [
      { name: 'cold converge', values: systems.map((s) => med(s, (x) => x.coldS)) },
      { name: 'edit wave', values: systems.map((s) => med(s, (x) => x.editS)) },
    ],
  );
  if (!scale) return main;
  // A panel of its own: on the main chart's axis, its bars would dwarf the main ones.
  const cold = (s: SystemName) => scale.samples.find((x) => x.system === s && !x.error)?.coldS ?? Number.NaN;
  const point = barChart(
    `Scale point: ${scale.n} Widgets × 3 children (one run, seconds, lower is better)`,
    's',
    scale.systems,
    [{ name: 'cold converge', values: scale.systems.map(cold) }],
  );
  return stackSvg([main, point], `Operators benchmark: ${n} Widgets, and a scale point at ${scale.n}`);
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
