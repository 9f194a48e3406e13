// A first run without a cluster, or with one that cannot be reached or lacks a CRD: Operon fails at
// once (or within the start timeout) and says what to do, instead of waiting for ever.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Container } from 'inversify';
import { runOperators } from '../../src/app/run-operators.js';
import { OperonError } from '../../src/errors/operon-error.js';
import { type TestCluster, useTestCluster } from '../support/cluster.js';
import { GreetingOperator } from '../unit/cli/entries/greeting-operator.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const bin = join(root, 'bin', 'operon.js');
const entries = join('dist', 'test', 'unit', 'cli', 'entries');

interface Ended {
  code: number | null;
  out: string;
  ms: number;
}

/** Runs node with `args` in a clean environment plus `env`; kills it after 20 s. */
function node(args: string[], env: Record<string, string>): Promise<Ended> {
  const {
    KUBECONFIG: _k,
    KUBERNETES_SERVICE_HOST: _h,
    NODE_TEST_CONTEXT: _t,
    LOG_LEVEL: _l,
    ...rest
  } = process.env;
  const started = Date.now();
  const child = spawn(process.execPath, args, { cwd: root, env: { ...rest, ...env }, stdio: 'pipe' });
  let out = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const kill = setTimeout(() => child.kill('SIGKILL'), 20_000);
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(kill);
      resolve({ code, out, ms: Date.now() - started });
    }),
  );
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('no cluster, or an unreachable one', () => {
  let dir: string;
  let home: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'operon-no-cluster-'));
    home = mkdtempSync(join(tmpdir(), 'operon-empty-home-'));
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
  });

  const saysNoCluster = (out: string) => {
    assert.match(out, /No cluster is configured/);
    assert.match(out, /KUBERNETES_SERVICE_HOST is not set/);
    assert.match(out, /KUBECONFIG: not set/);
    assert.ok(out.includes(`${join(home, '.kube', 'config')} does not exist`), out);
    assert.ok(out.includes('npx operon cluster up'), out);
  };

  it('`operon run` exits 1 within seconds, saying no cluster is configured and how to get one', async () => {
    const r = await node([bin, 'run', join(entries, 'defines-only.js')], { HOME: home });
    assert.equal(r.code, 1, r.out);
    assert.ok(r.ms < 10_000, `took ${r.ms} ms`);
    saysNoCluster(r.out);
    assert.doesNotMatch(r.out, /TLS|ECONNREFUSED|localhost:8080/);
  });

  it('runOperators fails at once instead of waiting for ever', async () => {
    const r = await node([join(entries, 'main.js')], { HOME: home });
    assert.notEqual(r.code, 0, r.out);
    assert.ok(r.ms < 10_000, `took ${r.ms} ms`);
    saysNoCluster(r.out);
  });

  it('runOperators with a server nobody listens on fails within seconds, naming it, after logging at info', async () => {
    const port = await closedPort();
    const kubeconfig = join(dir, 'closed.kubeconfig');
    writeFileSync(
      kubeconfig,
      `apiVersion: v1
kind: Config
clusters: [{ name: c, cluster: { server: "https://127.0.0.1:${port}", insecure-skip-tls-verify: true } }]
users: [{ name: u, user: { token: t } }]
contexts: [{ name: closed, context: { cluster: c, user: u } }]
current-context: closed
`,
    );
    // The default start timeout (60 s) is not what ends it: an unreachable server fails in seconds.
    const r = await node([join(entries, 'main.js')], {
      HOME: home,
      KUBECONFIG: kubeconfig,
      LOG_FORMAT: 'json',
    });
    assert.notEqual(r.code, 0, r.out);
    assert.ok(r.ms < 10_000, `took ${r.ms} ms`);
    assert.ok(
      r.out.includes(
        `Cannot reach the Kubernetes API server at https://127.0.0.1:${port} (kubeconfig context "closed")`,
      ),
      r.out,
    );
    assert.match(r.out, /ECONNREFUSED/);
    assert.match(r.out, /"level":30,.*"msg":"starting"/, 'the default logger writes info lines');
  });

  it('runOperators fails within its startTimeoutMs when the server is unreachable', async () => {
    const port = await closedPort();
    const { KubeConfig } = await import('@kubernetes/client-node');
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromClusterAndUser(
      { name: 'c', server: `https://127.0.0.1:${port}`, skipTLSVerify: true },
      { name: 'u' },
    );
    const container = new Container();
    container.bind(GreetingOperator).toSelf();
    const started = Date.now();
    const run = runOperators(container, { embedded: true, kubeConfig, startTimeoutMs: 2_000 });
    await assert.rejects(run, (e: Error) => {
      assert.ok(OperonError.hasCode(e, 'NOT_STARTED'), String(e));
      assert.ok(e.message.includes(`https://127.0.0.1:${port}`), e.message);
      return true;
    });
    assert.ok(Date.now() - started < 4_000, `took ${Date.now() - started} ms`);
  });
});

describe('a reachable cluster whose caches cannot sync', () => {
  let c: TestCluster;
  before(async () => {
    c = await useTestCluster('no-crd');
  });
  after(async () => {
    await c.cleanup();
  });

  it('runOperators fails at startTimeoutMs, naming each cache that did not sync and its last error', async () => {
    const container = new Container();
    container.bind(GreetingOperator).toSelf();
    const started = Date.now();
    await assert.rejects(
      runOperators(container, {
        embedded: true,
        kubeConfig: c.kubeConfig,
        namespaces: [c.namespace],
        startTimeoutMs: 2_000,
      }),
      (e: Error) => {
        assert.ok(OperonError.hasCode(e, 'NOT_STARTED'), String(e));
        assert.match(
          e.message,
          /^Operon did not start within 2000 ms \(API server https:\/\/[^)]+\): a cache has not synced/,
        );
        assert.match(
          e.message,
          new RegExp(
            `- Greeting \\(guard\\.example\\.com/v1\\) in namespace ${c.namespace}, needed by greeting: last answer: .*404`,
          ),
        );
        assert.ok(e.message.includes('kubectl get crd greetings.guard.example.com'), e.message);
        assert.ok(e.message.includes('runOperators(source, { startTimeoutMs })'), e.message);
        return true;
      },
    );
    const took = Date.now() - started;
    assert.ok(took >= 2_000 && took < 5_000, `took ${took} ms`);
  });
});
