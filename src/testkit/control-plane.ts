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
import { createKwokNodes, KWOK_NODE_ANNOTATION } from './kwok-nodes.js';
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
  /**
   * Which cluster to start (default `'realistic'`).
   * - `'realistic'`: kube-controller-manager with its default controller set (Deployments,
   *   ReplicaSets, StatefulSets, Jobs, EndpointSlices, ServiceAccounts and their tokens, garbage
   *   collection, ...), kube-scheduler, and KWOK simulating the kubelets of {@link nodes} Nodes:
   *   Pods are scheduled, become Running and Ready, get IPs, and terminate over their grace period.
   * - `'minimal'`: only the garbage collector, namespace and ServiceAccount controllers; no
   *   scheduler and no Nodes, so Pods stay Pending. Faster to start, for tests of the API alone.
   *
   * The API server is the same in both: default admission plugins (ServiceAccount,
   * DefaultTolerationSeconds, ...) plus OwnerReferencesPermissionEnforcement, as on real clusters.
   */
  profile?: 'realistic' | 'minimal';
  /** Simulated Nodes in the realistic profile (default 3; 0 runs no KWOK, so Pods stay Pending). */
  nodes?: number;
  /**
   * Start-up timeouts in ms; defaults suit 2 cores: etcd 30 s, API server 120 s, controller
   * manager, scheduler and KWOK 60 s each, Nodes Ready 60 s.
   */
  timeouts?: { etcd?: number; apiserver?: number; controllerManager?: number; nodes?: number };
}

/** A service account's access, for {@link ControlPlane.serviceAccountKubeConfig}. */
export interface ServiceAccountAccess {
  /** The service account's namespace; created when it does not exist. */
  namespace: string;
  /**
   * The service account's name. Its Role and RoleBinding get the same name; its ClusterRole and
   * ClusterRoleBinding `<namespace>-<name>`.
   */
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
   * The API server's audit log of a local cluster (JSON lines, one per completed write request:
   * create, update, patch, delete, deletecollection), for tests that count writes at the API
   * server. Undefined for an existing cluster.
   */
  readonly auditLog?: string;
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

/** The audit log's file name in a local cluster's folder. */
export const AUDIT_LOG = 'audit.log';

// Writes only, and only when complete: reads and watches would make the log huge for no test's sake.
function writeAuditPolicy(dir: string): string {
  const path = join(dir, 'audit-policy.yaml');
  writeFileSync(
    path,
    [
      'apiVersion: audit.k8s.io/v1',
      'kind: Policy',
      'omitStages: [RequestReceived, ResponseStarted, Panic]',
      'rules:',
      '- level: Metadata',
      '  verbs: [create, update, patch, delete, deletecollection]',
      '- level: None',
      '',
    ].join('\n'),
  );
  return path;
}

/** A process started after the API server, with the URL that answers 200 once it is ready. */
interface Component {
  name: string;
  binary: string;
  args: string[];
  ready: string;
}

/** The minimal profile's controllers: enough for namespaces, garbage collection and Pod admission. */
const MINIMAL_CONTROLLERS = [
  'garbage-collector-controller',
  'namespace-controller',
  // ServiceAccount admission rejects Pods in a namespace without its `default` ServiceAccount.
  'serviceaccount-controller',
  'serviceaccount-token-controller',
];

/**
 * Stops a cluster's processes: the API server's clients first (all at once), then the API server,
 * then etcd, so no component logs a storm of connection errors on the way down.
 */
async function stopCluster(procs: readonly ManagedProcess[]): Promise<void> {
  const order = ['kube-apiserver', 'etcd'];
  await Promise.all(procs.filter((p) => !order.includes(p.name)).map((p) => stopProcesses([p])));
  for (const name of order) await stopProcesses(procs.filter((p) => p.name === name));
}

/** What `cluster up` leaves behind so that `cluster down` (another process) can stop it. */
interface StateFile {
  pids: { name: string; pid: number }[];
  kubeconfig: string;
}

/**
 * Starts a local cluster on free loopback ports and waits until it can run Pods: etcd,
 * kube-apiserver (TLS, token auth, Node+RBAC authorization, the default admission plugins),
 * kube-controller-manager and, in the realistic profile (the default), kube-scheduler and KWOK
 * with three Ready Nodes. See {@link ControlPlaneOptions.profile}.
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
  const profile = options.profile ?? 'realistic';
  const nodes = options.nodes ?? (profile === 'realistic' ? 3 : 0);
  if (profile === 'minimal' && nodes > 0) {
    throw new OperonError(
      'CONTROL_PLANE',
      `The minimal profile runs no scheduler, so its ${nodes} Node(s) would never get a Pod. Use profile 'realistic' for Nodes, or leave nodes out.`,
    );
  }
  if (!Number.isInteger(nodes) || nodes < 0 || nodes > 100) {
    throw new OperonError('CONTROL_PLANE', `nodes must be a whole number from 0 to 100; got ${nodes}.`);
  }
  const [etcdPort, peerPort, apiPort, kcmPort, schedulerPort, kwokPort] = await Promise.all(
    Array.from({ length: 6 }, () => freePort()),
  );
  // One identity per component, as on real clusters (all in system:masters: this is a test cluster,
  // and the components' own RBAC bootstrap roles are not what Operon's tests are about).
  const tokens = {
    admin: randomBytes(24).toString('hex'),
    kcm: randomBytes(24).toString('hex'),
    scheduler: randomBytes(24).toString('hex'),
    kwok: randomBytes(24).toString('hex'),
  };
  writeFileSync(
    join(dir, 'tokens.csv'),
    [
      `${tokens.admin},operon-admin,uid-admin,"system:masters"`,
      `${tokens.kcm},system:kube-controller-manager,uid-kcm,"system:masters"`,
      `${tokens.scheduler},system:kube-scheduler,uid-scheduler,"system:masters"`,
      `${tokens.kwok},kwok-controller,uid-kwok,"system:masters"`,
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  const timeouts = {
    etcd: 30_000,
    apiserver: 120_000,
    controllerManager: 60_000,
    nodes: 60_000,
    ...options.timeouts,
  };
  const procs: ManagedProcess[] = [];
  let apiServerControl: ApiServerControl | undefined;
  const stopAll = () => stopCluster(procs);
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
      '--authorization-mode=Node,RBAC',
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${join(pki, 'sa.pub')}`,
      `--service-account-signing-key-file=${join(pki, 'sa.key')}`,
      // A /16 holds 65k ClusterIPs: a /24 stops at 254 Services ("range is full").
      '--service-cluster-ip-range=10.96.0.0/16',
      '--allow-privileged=true',
      // The default admission plugins (ServiceAccount, DefaultTolerationSeconds, Priority, ...)
      // plus, as on real clusters, OwnerReferencesPermissionEnforcement: setting
      // blockOwnerDeletion needs `update` on the owner's finalizers.
      '--enable-admission-plugins=OwnerReferencesPermissionEnforcement',
      // Without a request-header CA, the controller manager and the scheduler log a missing
      // "requestheader-client-ca-file" every few seconds. No front-proxy certificate is issued.
      `--requestheader-client-ca-file=${join(pki, 'ca.crt')}`,
      '--requestheader-allowed-names=front-proxy-client',
      '--requestheader-username-headers=X-Remote-User',
      '--requestheader-group-headers=X-Remote-Group',
      '--requestheader-extra-headers-prefix=X-Remote-Extra-',
      '--endpoint-reconciler-type=none',
      // Every write, at Metadata level, so tests can count requests at the API server itself.
      `--audit-policy-file=${writeAuditPolicy(dir)}`,
      `--audit-log-path=${join(dir, AUDIT_LOG)}`,
      '--audit-log-format=json',
      '--audit-log-maxsize=200',
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
    const kc = writeKubeConfig(kubeconfigPath, { server, caFile, user: 'operon-admin', token: tokens.admin });
    const componentConfig = (name: string, token: string) => {
      const path = join(dir, `${name}.kubeconfig`);
      writeKubeConfig(path, { server, caFile, user: name, token });
      return path;
    };
    const kcmConfig = componentConfig('kube-controller-manager', tokens.kcm);
    const components: Component[] = [
      {
        name: 'kube-controller-manager',
        binary: bins.kubeControllerManager,
        args: [
          `--kubeconfig=${kcmConfig}`,
          `--authentication-kubeconfig=${kcmConfig}`,
          `--authorization-kubeconfig=${kcmConfig}`,
          `--controllers=${profile === 'realistic' ? '*' : MINIMAL_CONTROLLERS.join(',')}`,
          // The token controller signs ServiceAccount tokens and publishes kube-root-ca.crt.
          `--service-account-private-key-file=${join(pki, 'sa.key')}`,
          `--root-ca-file=${caFile}`,
          `--cluster-signing-cert-file=${caFile}`,
          `--cluster-signing-key-file=${join(pki, 'ca.key')}`,
          // One ServiceAccount per controller in kube-system, as on real clusters.
          '--use-service-account-credentials=true',
          '--leader-elect=false',
          '--bind-address=127.0.0.1',
          `--secure-port=${kcmPort}`,
          '--kube-api-qps=100',
          '--kube-api-burst=200',
          '--concurrent-gc-syncs=20',
          '--concurrent-namespace-syncs=10',
          '--v=1',
        ],
        ready: `https://127.0.0.1:${kcmPort}/healthz`,
      },
    ];
    if (profile === 'realistic') {
      const schedulerConfig = componentConfig('kube-scheduler', tokens.scheduler);
      components.push({
        name: 'kube-scheduler',
        binary: bins.kubeScheduler,
        args: [
          `--kubeconfig=${schedulerConfig}`,
          `--authentication-kubeconfig=${schedulerConfig}`,
          `--authorization-kubeconfig=${schedulerConfig}`,
          '--leader-elect=false',
          '--bind-address=127.0.0.1',
          `--secure-port=${schedulerPort}`,
          '--v=1',
        ],
        ready: `https://127.0.0.1:${schedulerPort}/healthz`,
      });
    }
    if (nodes > 0) {
      components.push({
        name: 'kwok',
        binary: bins.kwok,
        args: [
          `--kubeconfig=${componentConfig('kwok', tokens.kwok)}`,
          `--config=${bins.kwokStages}`,
          `--manage-nodes-with-annotation-selector=${KWOK_NODE_ANNOTATION}=fake`,
          '--node-lease-duration-seconds=40',
          // Pod IPs come from each Node's podCIDR; this range must not overlap the service range.
          '--cidr=10.244.0.0/16',
          `--server-address=127.0.0.1:${kwokPort}`,
        ],
        ready: `http://127.0.0.1:${kwokPort}/readyz`,
      });
    }

    log(`starting ${components.map((c) => c.name).join(', ')}`);
    // Independent of each other: start them together, then wait for each.
    const started = components.map((c) => {
      const p = startProcess(c.name, c.binary, c.args, join(dir, `${c.name}.log`), options.detached);
      procs.push(p);
      return { c, p };
    });
    await Promise.all(
      started.map(({ c, p }) =>
        waitReady(p, () => probe(c.ready, undefined, true), timeouts.controllerManager),
      ),
    );
    if (nodes > 0) {
      log(`creating ${nodes} simulated Node(s) and waiting for them to be Ready`);
      await createKwokNodes(kc, nodes, timeouts.nodes, started.find(({ c }) => c.name === 'kwok')!.p);
    }

    if (options.detached) {
      const state: StateFile = {
        pids: procs.map((p) => ({ name: p.name, pid: p.child.pid ?? 0 })),
        kubeconfig: kubeconfigPath,
      };
      writeFileSync(join(dir, 'state.json'), JSON.stringify(state, null, 2));
    }
    log(`${profile} cluster ready: KUBECONFIG=${kubeconfigPath}`);
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
  const stopPid = async (pid: number) => {
    signal(pid, 'SIGTERM');
    const deadline = Date.now() + 10_000;
    while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    if (alive(pid)) signal(pid, 'SIGKILL');
  };
  // Same order as stopCluster: the API server's clients, then the API server, then etcd.
  const order = ['kube-apiserver', 'etcd'];
  await Promise.all(state.pids.filter((p) => !order.includes(p.name)).map((p) => stopPid(p.pid)));
  for (const name of order) for (const p of state.pids.filter((q) => q.name === name)) await stopPid(p.pid);
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
    ...(dir ? { auditLog: join(dir, AUDIT_LOG) } : {}),
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
