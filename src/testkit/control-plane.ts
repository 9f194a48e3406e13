import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { KubeConfig, type V1PolicyRule } from '@kubernetes/client-node';
import { OperonError } from '../errors/operon-error.js';
import { ApiClient } from '../runtime/api/api-client.js';
import { ApiError } from '../runtime/api/api-error.js';
import { controlPlaneBinaries } from './control-plane-binaries.js';
import { writeKubeConfig } from './kubeconfig-file.js';
import { freePort, type ManagedProcess, startProcess, stopProcesses, waitReady } from './processes.js';

/** Options of {@link startControlPlane}. */
export interface ControlPlaneOptions {
  /**
   * Use the cluster named by `OPERON_KUBECONFIG` or `KUBECONFIG` when one is set (default true).
   * `OPERON_KUBECONFIG` wins over `KUBECONFIG`; `OPERON_LOCAL_CONTROL_PLANE=1` forces a local one.
   */
  useExistingCluster?: boolean;
  /** Working folder (certificates, etcd data, logs). Default: a new folder under the OS temp dir. */
  dir?: string;
  /** Keep the processes running after this Node process exits (for `operon cluster up`). */
  detached?: boolean;
  /** Progress lines (build progress, start-up steps). */
  log?: (line: string) => void;
  /** Start-up timeouts in ms; defaults suit 2 cores: etcd 30 s, API server 120 s, controller manager 60 s. */
  timeouts?: { etcd?: number; apiserver?: number; controllerManager?: number };
}

/** A service account's access, for {@link ControlPlane.serviceAccountKubeConfig}. */
export interface ServiceAccountAccess {
  namespace: string;
  name: string;
  /** Rules granted in `namespace` only (a Role and RoleBinding). */
  rules?: V1PolicyRule[];
  /** Rules granted cluster-wide (a ClusterRole and ClusterRoleBinding). */
  clusterRules?: V1PolicyRule[];
}

/** A running control plane (or an existing cluster the test kit was pointed at). */
export interface ControlPlane {
  /** Admin access (group `system:masters`). */
  readonly kubeConfig: KubeConfig;
  /** Path of the admin kubeconfig file, for kubectl or a child process. */
  readonly kubeconfigPath: string;
  /** True when this is an existing cluster from the environment: `stop()` then leaves it running. */
  readonly external: boolean;
  /** The working folder of a local control plane. */
  readonly dir?: string;
  /**
   * Creates a ServiceAccount with exactly the given RBAC rules and returns a kubeconfig that
   * authenticates as it, with a real token from the TokenRequest API.
   */
  serviceAccountKubeConfig(access: ServiceAccountAccess): Promise<KubeConfig>;
  /** Ends every process (SIGTERM, then SIGKILL after 10 s) and removes the working folder. */
  stop(): Promise<void>;
  /**
   * Stops kube-apiserver only (SIGTERM, then SIGKILL after 10 s), leaving etcd and the controller
   * manager running: clients see connection errors until {@link ControlPlane.startApiServer}.
   * For tests of what an operator does while the API server is away.
   *
   * @throws OperonError (`CONTROL_PLANE`) on an existing cluster from the environment.
   */
  stopApiServer(): Promise<void>;
  /**
   * Starts kube-apiserver again on the same port, with the same flags and certificates (so the
   * kubeconfigs stay valid), and waits until it is ready. Does nothing if it is running.
   *
   * @throws OperonError (`CONTROL_PLANE`) on an existing cluster, or when it does not become ready.
   */
  startApiServer(): Promise<void>;
  /** {@link ControlPlane.stopApiServer}, then {@link ControlPlane.startApiServer}. */
  restartApiServer(): Promise<void>;
}

/** Stops and starts one process of a local control plane (for {@link ControlPlane.stopApiServer}). */
interface ApiServerControl {
  stop(): Promise<void>;
  start(): Promise<void>;
}

/** What `cluster up` leaves behind so that `cluster down` (another process) can stop it. */
interface StateFile {
  pids: { name: string; pid: number }[];
  kubeconfig: string;
}

/**
 * Starts etcd, kube-apiserver (TLS, token auth, RBAC) and kube-controller-manager (garbage
 * collector and namespace controllers) on free loopback ports, and waits until each is ready.
 *
 * @remarks
 * When `OPERON_KUBECONFIG` or `KUBECONFIG` names a cluster (and `useExistingCluster` is not false),
 * that cluster is used instead and nothing is started. The binaries are compiled from Go modules on
 * first use (see `controlplane/README.md`). Any process that dies during start-up fails this call
 * with the process's name and the tail of its log.
 *
 * @example
 * ```ts
 * const cp = await startControlPlane();
 * try { ...use cp.kubeConfig... } finally { await cp.stop(); }
 * ```
 */
export async function startControlPlane(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const log = options.log ?? (() => {});
  const existing = existingClusterKubeconfig(options);
  if (existing) {
    log(`using the existing cluster in ${existing}`);
    const kc = new KubeConfig();
    kc.loadFromFile(existing);
    return makeHandle(kc, existing, true, undefined, async () => {});
  }

  const bins = await controlPlaneBinaries(log);
  const dir = options.dir ? resolve(options.dir) : mkdtempSync(join(tmpdir(), 'operon-cp-'));
  mkdirSync(dir, { recursive: true });
  const pki = join(dir, 'pki');
  execFileSync(bins.pki, [pki]);
  const [etcdPort, peerPort, apiPort, kcmPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const adminToken = randomBytes(24).toString('hex');
  const kcmToken = randomBytes(24).toString('hex');
  writeFileSync(
    join(dir, 'tokens.csv'),
    `${adminToken},operon-admin,uid-admin,"system:masters"\n${kcmToken},system:kube-controller-manager,uid-kcm,"system:masters"\n`,
    { mode: 0o600 },
  );
  const timeouts = { etcd: 30_000, apiserver: 120_000, controllerManager: 60_000, ...options.timeouts };
  const procs: ManagedProcess[] = [];
  let apiServerControl: ApiServerControl | undefined;
  const stopAll = async () => {
    await stopProcesses([...procs].reverse());
  };
  // A test process that crashes must not leave a control plane behind.
  const onExit = () => {
    for (const p of procs) p.child.kill('SIGKILL');
  };
  if (!options.detached) process.once('exit', onExit);

  try {
    log(`starting etcd on 127.0.0.1:${etcdPort}`);
    const etcd = startProcess(
      'etcd',
      bins.etcd,
      [
        '--name=operon',
        `--data-dir=${join(dir, 'etcd')}`,
        `--listen-client-urls=http://127.0.0.1:${etcdPort}`,
        `--advertise-client-urls=http://127.0.0.1:${etcdPort}`,
        `--listen-peer-urls=http://127.0.0.1:${peerPort}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
        `--initial-cluster=operon=http://127.0.0.1:${peerPort}`,
        '--initial-cluster-state=new',
        '--unsafe-no-fsync=true',
        '--quota-backend-bytes=4294967296',
        '--log-level=warn',
      ],
      join(dir, 'etcd.log'),
      options.detached,
    );
    procs.push(etcd);
    await waitReady(etcd, () => probe(`http://127.0.0.1:${etcdPort}/health`), timeouts.etcd);

    log(`starting kube-apiserver on https://127.0.0.1:${apiPort}`);
    const apiserverArgs = [
      `--etcd-servers=http://127.0.0.1:${etcdPort}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${apiPort}`,
      '--advertise-address=127.0.0.1',
      `--tls-cert-file=${join(pki, 'apiserver.crt')}`,
      `--tls-private-key-file=${join(pki, 'apiserver.key')}`,
      `--cert-dir=${join(dir, 'apiserver-certs')}`,
      `--client-ca-file=${join(pki, 'ca.crt')}`,
      `--token-auth-file=${join(dir, 'tokens.csv')}`,
      '--authorization-mode=RBAC',
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${join(pki, 'sa.pub')}`,
      `--service-account-signing-key-file=${join(pki, 'sa.key')}`,
      '--service-cluster-ip-range=10.0.0.0/24',
      '--allow-privileged=true',
      '--disable-admission-plugins=ServiceAccount',
      // As on real clusters: setting blockOwnerDeletion needs `update` on the owner's finalizers.
      '--enable-admission-plugins=OwnerReferencesPermissionEnforcement',
      '--endpoint-reconciler-type=none',
      '--enable-priority-and-fairness=false',
      '--profiling=false',
      '--v=1',
    ];
    const ca = readFileSync(join(pki, 'ca.crt'));
    const launchApiServer = async (): Promise<ManagedProcess> => {
      const p = startProcess(
        'kube-apiserver',
        bins.kubeApiserver,
        apiserverArgs,
        join(dir, 'kube-apiserver.log'),
        options.detached,
      );
      procs.push(p);
      await waitReady(p, () => probe(`https://127.0.0.1:${apiPort}/readyz`, ca), timeouts.apiserver);
      return p;
    };
    let apiserver: ManagedProcess | undefined = await launchApiServer();
    apiServerControl = {
      stop: async () => {
        const p = apiserver;
        if (!p) return;
        apiserver = undefined;
        await stopProcesses([p]);
        procs.splice(procs.indexOf(p), 1);
      },
      start: async () => {
        if (apiserver) return;
        apiserver = await launchApiServer();
        // `cluster down` reads the pids from the state file: keep it current.
        if (options.detached) {
          const state: StateFile = {
            pids: procs.map((p) => ({ name: p.name, pid: p.child.pid ?? 0 })),
            kubeconfig: join(dir, 'admin.kubeconfig'),
          };
          writeFileSync(join(dir, 'state.json'), JSON.stringify(state, null, 2));
        }
      },
    };

    const server = `https://127.0.0.1:${apiPort}`;
    const caFile = join(pki, 'ca.crt');
    const kubeconfigPath = join(dir, 'admin.kubeconfig');
    const kc = writeKubeConfig(kubeconfigPath, { server, caFile, user: 'operon-admin', token: adminToken });
    const kcmConfig = join(dir, 'kcm.kubeconfig');
    writeKubeConfig(kcmConfig, { server, caFile, user: 'kube-controller-manager', token: kcmToken });

    log(`starting kube-controller-manager (garbage collector, namespace controller)`);
    const kcm = startProcess(
      'kube-controller-manager',
      bins.kubeControllerManager,
      [
        `--kubeconfig=${kcmConfig}`,
        `--authentication-kubeconfig=${kcmConfig}`,
        `--authorization-kubeconfig=${kcmConfig}`,
        '--controllers=garbage-collector-controller,namespace-controller',
        '--leader-elect=false',
        '--use-service-account-credentials=false',
        '--bind-address=127.0.0.1',
        `--secure-port=${kcmPort}`,
        '--kube-api-qps=100',
        '--kube-api-burst=200',
        '--concurrent-gc-syncs=20',
        '--concurrent-namespace-syncs=10',
        '--v=1',
      ],
      join(dir, 'kube-controller-manager.log'),
      options.detached,
    );
    procs.push(kcm);
    await waitReady(
      kcm,
      () => probe(`https://127.0.0.1:${kcmPort}/healthz`, undefined, true),
      timeouts.controllerManager,
    );

    if (options.detached) {
      const state: StateFile = {
        pids: procs.map((p) => ({ name: p.name, pid: p.child.pid ?? 0 })),
        kubeconfig: kubeconfigPath,
      };
      writeFileSync(join(dir, 'state.json'), JSON.stringify(state, null, 2));
    }
    log(`control plane ready: KUBECONFIG=${kubeconfigPath}`);
    return makeHandle(
      kc,
      kubeconfigPath,
      false,
      dir,
      async () => {
        process.off('exit', onExit);
        await stopAll();
        rmSync(dir, { recursive: true, force: true });
      },
      apiServerControl,
    );
  } catch (e) {
    process.off('exit', onExit);
    await stopAll();
    if (!options.dir) rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

/**
 * Stops a control plane that `startControlPlane({ detached: true, dir })` left running, from any
 * process, and removes its folder. Returns false when nothing was running there.
 */
export async function stopDetachedControlPlane(dir: string): Promise<boolean> {
  const stateFile = join(dir, 'state.json');
  if (!existsSync(stateFile)) return false;
  const state = JSON.parse(readFileSync(stateFile, 'utf8')) as StateFile;
  for (const { pid } of [...state.pids].reverse()) {
    signal(pid, 'SIGTERM');
    const deadline = Date.now() + 10_000;
    while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    if (alive(pid)) signal(pid, 'SIGKILL');
  }
  rmSync(dir, { recursive: true, force: true });
  return true;
}

function existingClusterKubeconfig(options: ControlPlaneOptions): string | undefined {
  if (options.useExistingCluster === false || process.env.OPERON_LOCAL_CONTROL_PLANE === '1')
    return undefined;
  const path = process.env.OPERON_KUBECONFIG || process.env.KUBECONFIG?.split(':')[0];
  return path && existsSync(path) ? path : undefined;
}

function makeHandle(
  kubeConfig: KubeConfig,
  kubeconfigPath: string,
  external: boolean,
  dir: string | undefined,
  stop: () => Promise<void>,
  apiServer?: ApiServerControl,
): ControlPlane {
  let stopped: Promise<void> | undefined;
  const control = (): ApiServerControl => {
    if (apiServer) return apiServer;
    throw new OperonError(
      'CONTROL_PLANE',
      'This control plane is an existing cluster from the environment, so its API server cannot be stopped or started from here. Use startControlPlane({ useExistingCluster: false }) for such a test.',
    );
  };
  return {
    kubeConfig,
    kubeconfigPath,
    external,
    dir,
    serviceAccountKubeConfig: (access) => serviceAccountKubeConfig(kubeConfig, access),
    stop: () => {
      stopped ??= stop();
      return stopped;
    },
    stopApiServer: () => control().stop(),
    startApiServer: () => control().start(),
    restartApiServer: async () => {
      await control().stop();
      await control().start();
    },
  };
}

/**
 * Creates a ServiceAccount with exactly the given RBAC rules, using `admin`, and returns a
 * kubeconfig that authenticates as it with a token from the TokenRequest API (valid 24 h).
 */
export async function serviceAccountKubeConfig(
  admin: KubeConfig,
  access: ServiceAccountAccess,
): Promise<KubeConfig> {
  const api = new ApiClient(admin, 'operon-testkit');
  const { namespace: ns, name } = access;
  const subject = [{ kind: 'ServiceAccount', name, namespace: ns }];
  const create = async (path: string, body: object) => {
    try {
      await api.request({ method: 'POST', path, body });
    } catch (e) {
      if (!ApiError.isAlreadyExists(e)) throw e;
      await api.request({
        method: 'PUT',
        path: `${path}/${(body as { metadata: { name: string } }).metadata.name}`,
        body,
      });
    }
  };
  try {
    await create('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }).catch(
      (e) => {
        if (!(e instanceof ApiError && e.status === 409)) throw e;
      },
    );
    await create(`/api/v1/namespaces/${ns}/serviceaccounts`, {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name },
    });
    const rbac = '/apis/rbac.authorization.k8s.io/v1';
    if (access.rules) {
      await create(`${rbac}/namespaces/${ns}/roles`, {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'Role',
        metadata: { name },
        rules: access.rules,
      });
      await create(`${rbac}/namespaces/${ns}/rolebindings`, {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
        subjects: subject,
      });
    }
    if (access.clusterRules) {
      const crName = `${ns}-${name}`;
      await create(`${rbac}/clusterroles`, {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name: crName },
        rules: access.clusterRules,
      });
      await create(`${rbac}/clusterrolebindings`, {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: crName },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: crName },
        subjects: subject,
      });
    }
    const tr = await api.request<{ status: { token: string } }>({
      method: 'POST',
      path: `/api/v1/namespaces/${ns}/serviceaccounts/${name}/token`,
      body: {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: { expirationSeconds: 86_400 },
      },
    });
    const cluster = admin.getCurrentCluster();
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ ...cluster, name: 'cluster' }],
      users: [{ name: `${ns}-${name}`, token: tr.status.token }],
      contexts: [{ name: 'sa', cluster: 'cluster', user: `${ns}-${name}` }],
      currentContext: 'sa',
    });
    return kc;
  } finally {
    api.close();
  }
}

function probe(url: string, ca?: Buffer, insecure = false): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const done = (ok: boolean) => resolvePromise(ok);
    const onRes = (res: import('node:http').IncomingMessage) => {
      res.resume();
      done(res.statusCode === 200);
    };
    const req = url.startsWith('https:')
      ? httpsGet(url, { ca, rejectUnauthorized: !insecure, timeout: 2000 }, onRes)
      : httpGet(url, { timeout: 2000 }, onRes);
    req.on('error', () => done(false));
    req.on('timeout', () => {
      req.destroy();
      done(false);
    });
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // An exited process whose parent (here: whatever adopted it after `cluster up` exited) has not
  // reaped it yet still answers signal 0; it is a zombie, not a running process.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}
