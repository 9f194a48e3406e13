// `operon run` as the generated Deployment runs it: the EchoServer example as a child process, with the
// credentials of a ServiceAccount that has only what `operon rbac` printed.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { V1PolicyRule } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { EchoServerOperator } from '../../examples/echo-server/echo-server.js';
import { serviceAccountKubeConfig } from '../../src/testkit/control-plane.js';
import { applyObjects, installOperatorCrds } from '../../src/testkit/install.js';
import type { KubeObject } from '../../src/types/kube-object.js';
import { eventually, type TestCluster, useTestCluster } from '../support/cluster.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const bin = join(root, 'bin', 'operon.js');
const example = 'dist/examples/echo-server/echo-server.js';

type Condition = { type: string; status: string };
type EchoObject = KubeObject & { status?: { observedGeneration?: number; conditions?: Condition[] } };

describe('operon run with the generated RBAC', () => {
  let c: TestCluster;
  let dir: string;
  const children: ChildProcess[] = [];
  before(async () => {
    c = await useTestCluster('cli-run');
    dir = mkdtempSync(join(tmpdir(), 'operon-run-'));
    await installOperatorCrds(c.kubeConfig, [EchoServerOperator]);
  });
  after(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    await c.cleanup();
  });

  /** `operon rbac` for the example, applied (edited by `edit`), and a kubeconfig file of its ServiceAccount. */
  async function accountFromCli(
    name: string,
    edit = (rules: V1PolicyRule[]) => rules,
    flags: string[] = [],
  ): Promise<string> {
    const r = spawnSync(
      process.execPath,
      [
        bin,
        'rbac',
        example,
        '--name',
        name,
        '--namespace',
        c.namespace,
        '--watch-namespace',
        c.namespace,
        ...flags,
      ],
      { cwd: root, encoding: 'utf8' },
    );
    assert.equal(r.status, 0, r.stderr);
    const objects = parseAllDocuments(r.stdout).map(
      (d) => d.toJSON() as KubeObject & { rules?: V1PolicyRule[] },
    );
    await applyObjects(
      c.kubeConfig,
      objects.map((o) => (o.rules ? { ...o, rules: edit(o.rules) } : o)),
    );
    const kc = await serviceAccountKubeConfig(c.kubeConfig, { namespace: c.namespace, name });
    const file = join(dir, `${name}.kubeconfig`);
    writeFileSync(file, kc.exportConfig());
    return file;
  }

  const env = (kubeconfig: string, extra: Record<string, string> = {}) => {
    const { KUBERNETES_SERVICE_HOST: _inCluster, ...rest } = process.env;
    return { ...rest, KUBECONFIG: kubeconfig, ...extra };
  };

  /** Starts `operon run <example> ...args` under `kubeconfig`; `out()` is everything it printed so far. */
  function startRun(kubeconfig: string, args: string[], extraEnv: Record<string, string>) {
    const child = spawn(process.execPath, [bin, 'run', example, ...args], {
      cwd: root,
      env: env(kubeconfig, { OPERON_WATCH_NAMESPACES: c.namespace, LOG_LEVEL: 'info', ...extraEnv }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    return { child, exited, out: () => out };
  }

  /** Creates the EchoServer `name` and waits until it is Synced=True for its current generation. */
  async function createSynced(name: string): Promise<void> {
    const path = `/apis/example.com/v1alpha1/namespaces/${c.namespace}/echoservers`;
    await c.api.request({
      method: 'POST',
      path,
      body: {
        apiVersion: 'example.com/v1alpha1',
        kind: 'EchoServer',
        metadata: { name },
        spec: { message: 'hi' },
      },
    });
    await eventually(
      async () => {
        const e = await c.api.request<EchoObject>({ method: 'GET', path: `${path}/${name}` });
        const synced = e.status?.conditions?.find((x) => x.type === 'Synced');
        return synced?.status === 'True' && e.status?.observedGeneration === e.metadata?.generation;
      },
      { what: `EchoServer ${name} Synced=True`, timeoutMs: 60_000 },
    );
  }

  it('`operon run --shard` under `operon rbac --sharding`: joins the ring, converges, leaves it on SIGTERM', async () => {
    const kubeconfig = await accountFromCli('echo-shard', undefined, ['--sharding']);
    const { child, exited, out } = startRun(
      kubeconfig,
      ['--shard', '--health-port', '0', '--metrics-port', '0'],
      {
        POD_NAMESPACE: c.namespace,
      },
    );
    const leases = async () =>
      (
        await c.api.request<{ items: KubeObject[] }>({
          method: 'GET',
          path: `/apis/coordination.k8s.io/v1/namespaces/${c.namespace}/leases`,
          query: { labelSelector: 'operon.dev/shard-group=echo-server' },
        })
      ).items;
    await eventually(async () => (await leases()).length === 1 || undefined, {
      what: "the replica's shard Lease",
    });
    await createSynced('sharded');
    child.kill('SIGTERM');
    assert.equal(await exited, 0, out());
    assert.deepEqual(await leases(), [], 'a graceful stop deletes the shard Lease');
    assert.doesNotMatch(out(), /"level":(40|50)/, 'no warning or error while running');
    await c.api.request({
      method: 'DELETE',
      path: `/apis/example.com/v1alpha1/namespaces/${c.namespace}/echoservers/sharded`,
    });
  });

  it('`operon run --shard --leader-elect` is refused: they exclude each other', () => {
    const r = spawnSync(process.execPath, [bin, 'run', example, '--shard', '--leader-elect'], {
      cwd: root,
      encoding: 'utf8',
    });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /option '--shard' cannot be used with option '--leader-elect'/);
  });

  it('`operon rbac --check` confirms the generated role is enough', async () => {
    const kubeconfig = await accountFromCli('echo-run');
    const r = spawnSync(
      process.execPath,
      [bin, 'rbac', example, '--check', '-n', c.namespace, '-w', c.namespace],
      {
        cwd: root,
        encoding: 'utf8',
        env: env(kubeconfig),
      },
    );
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /every permission the operators need is granted/);
  });

  it('runs the example until SIGTERM, converging an EchoServer, then exits 0', async () => {
    const kubeconfig = await accountFromCli('echo-run');
    // The namespaces come from the environment, as in the generated Deployment.
    const { child, exited, out } = startRun(kubeconfig, ['--health-port', '0', '--metrics-port', '0'], {});
    await eventually(() => out().includes('operators running'), { what: 'operon run to start' });
    await createSynced('run');
    const pod = await c.api.request<KubeObject>({
      method: 'GET',
      path: `/api/v1/namespaces/${c.namespace}/pods/run-0`,
    });
    assert.equal(pod.metadata?.labels?.['operon.dev/operator'], 'echo-server');

    child.kill('SIGTERM');
    assert.equal(await exited, 0, out());
    assert.match(out(), /"msg":"shutting down: finishing in-flight reconciles"/);
    assert.doesNotMatch(out(), /"level":(40|50)/, 'no warning or error while running');
  });

  it('refuses to start without a permission, listing what is missing, with exit 1', async () => {
    const kubeconfig = await accountFromCli('echo-nowatch', (rules) =>
      rules.map((r) =>
        r.resources?.includes('pods') ? { ...r, verbs: r.verbs.filter((v) => v !== 'watch') } : r,
      ),
    );
    const check = spawnSync(
      process.execPath,
      [bin, 'rbac', example, '--check', '-n', c.namespace, '-w', c.namespace],
      {
        cwd: root,
        encoding: 'utf8',
        env: env(kubeconfig),
      },
    );
    assert.equal(check.status, 1);
    assert.match(check.stdout, /lack 1 RBAC permission:\n {2}- watch pods \(API group ""\) in namespace/);

    const run = spawnSync(process.execPath, [bin, 'run', example, '-w', c.namespace], {
      cwd: root,
      encoding: 'utf8',
      env: env(kubeconfig),
      timeout: 90_000,
    });
    assert.equal(run.status, 1, run.stdout + run.stderr);
    assert.match(run.stderr, /operon: The operator's credentials lack 1 RBAC permission/);
    assert.match(run.stderr, /watch pods \(API group ""\) in namespace/);
  });
});
