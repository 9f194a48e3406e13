// Which cluster an operator uses when none is given, and what it says when there is none.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { OperonError } from '../../../src/errors/operon-error.js';
import { defaultLogger } from '../../../src/observability/create-logger.js';
import { OperonKubeConfig } from '../../../src/runtime/api/kubeconfig/operon-kube-config.js';
import { defaultKubeConfig } from '../../../src/runtime/host/load-kubeconfig.js';

const kubeconfig = (server: string, currentContext = 'ctx') => `apiVersion: v1
kind: Config
clusters: [{ name: c, cluster: { server: "${server}" } }]
users: [{ name: u, user: { token: t } }]
contexts: [{ name: ctx, context: { cluster: c, user: u } }]
current-context: ${currentContext}
`;

function noCluster(e: unknown): true {
  assert.ok(OperonError.hasCode(e, 'NO_CLUSTER'), String(e));
  return true;
}

describe('defaultKubeConfig', () => {
  let home: string;
  let dir: string;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'operon-home-'));
    dir = mkdtempSync(join(tmpdir(), 'operon-kc-'));
  });
  afterEach(() => {
    rmSync(home, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  });
  const token = () => join(dir, 'no-token');
  const write = (path: string, text: string) => {
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, text);
    return path;
  };

  it('with no source at all: fails at once, listing each source tried and how to get a cluster', () => {
    assert.throws(
      () => defaultKubeConfig({ env: {}, home, serviceAccountToken: token() }),
      (e: Error) => {
        noCluster(e);
        assert.match(e.message, /^No cluster is configured/);
        assert.match(e.message, /in-cluster ServiceAccount: KUBERNETES_SERVICE_HOST is not set/);
        assert.match(e.message, /KUBECONFIG: not set/);
        assert.ok(e.message.includes(`~/.kube/config: ${join(home, '.kube', 'config')} does not exist`));
        assert.ok(e.message.includes('`npx operon cluster up`'));
        assert.ok(e.message.includes('`export KUBECONFIG=$(npx operon cluster status)`'));
        return true;
      },
    );
  });

  it('in a Pod without a token: says the token file is missing', () => {
    assert.throws(
      () =>
        defaultKubeConfig({
          env: { KUBERNETES_SERVICE_HOST: '10.0.0.1' },
          home,
          serviceAccountToken: token(),
        }),
      (e: Error) =>
        noCluster(e) &&
        e.message.includes(`KUBERNETES_SERVICE_HOST is set, but there is no token at ${token()}`),
    );
  });

  it('in a Pod with its token: the ServiceAccount', () => {
    const saved = { host: process.env.KUBERNETES_SERVICE_HOST, port: process.env.KUBERNETES_SERVICE_PORT };
    process.env.KUBERNETES_SERVICE_HOST = '10.0.0.1';
    process.env.KUBERNETES_SERVICE_PORT = '443';
    try {
      const path = write(join(dir, 'token'), 'abc');
      write(join(home, '.kube', 'config'), kubeconfig('https://home:6443'));
      const kc = defaultKubeConfig({ env: process.env, home, serviceAccountToken: path });
      assert.equal(kc.getCurrentCluster()?.server, 'https://10.0.0.1:443');
    } finally {
      for (const [k, v] of [
        ['KUBERNETES_SERVICE_HOST', saved.host],
        ['KUBERNETES_SERVICE_PORT', saved.port],
      ] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });

  it('KUBECONFIG naming a missing file: fails, and does not fall back to ~/.kube/config', () => {
    write(join(home, '.kube', 'config'), kubeconfig('https://home:6443'));
    const missing = join(dir, 'missing.yaml');
    assert.throws(
      () => defaultKubeConfig({ env: { KUBECONFIG: missing }, home, serviceAccountToken: token() }),
      (e: Error) =>
        noCluster(e) &&
        e.message.includes(`KUBECONFIG=${missing}: no such file`) &&
        e.message.includes('~/.kube/config is not read when KUBECONFIG is set'),
    );
  });

  it('KUBECONFIG: the files that exist, merged, the first one deciding the context', () => {
    const a = write(join(dir, 'a.yaml'), kubeconfig('https://a:6443'));
    const env = { KUBECONFIG: [join(dir, 'missing.yaml'), a].join(delimiter) };
    const kc = defaultKubeConfig({ env, home, serviceAccountToken: token() });
    assert.equal(kc.getCurrentCluster()?.server, 'https://a:6443');
  });

  it('without KUBECONFIG: ~/.kube/config', () => {
    write(join(home, '.kube', 'config'), kubeconfig('https://home:6443'));
    const kc = defaultKubeConfig({ env: {}, home, serviceAccountToken: token() });
    assert.equal(kc.getCurrentCluster()?.server, 'https://home:6443');
  });

  it('a kubeconfig whose current context names no cluster, or that cannot be parsed: says which file', () => {
    const none = write(join(dir, 'none.yaml'), kubeconfig('https://a:6443', 'elsewhere'));
    assert.throws(
      () => defaultKubeConfig({ env: { KUBECONFIG: none }, home, serviceAccountToken: token() }),
      (e: Error) =>
        noCluster(e) &&
        e.message.includes(`No cluster is configured in KUBECONFIG=${none}`) &&
        e.message.includes('kubectl config use-context ctx'),
    );
    const broken = write(join(dir, 'broken.yaml'), 'clusters: [: nope');
    assert.throws(
      () => defaultKubeConfig({ env: { KUBECONFIG: broken }, home, serviceAccountToken: token() }),
      (e: Error) => noCluster(e) && e.message.startsWith(`Cannot read the kubeconfig ${broken}`),
    );
  });

  describe('Operon’s own reader, as kubectl reads', () => {
    it('returns an OperonKubeConfig, not client-node’s', () => {
      const a = join(dir, 'a.yaml');
      writeFileSync(a, kubeconfig('https://a:6443'));
      assert.ok(
        defaultKubeConfig({ env: { KUBECONFIG: a }, home, serviceAccountToken: token() }) instanceof
          OperonKubeConfig,
      );
    });

    it('KUBECONFIG=a:b: the first file to define a name, or to set current-context, wins', () => {
      const a = join(dir, 'a.yaml');
      const b = join(dir, 'b.yaml');
      // a sets no context; b sets one, and redefines a's cluster `c`.
      writeFileSync(a, 'clusters: [{ name: c, cluster: { server: "https://from-a" } }]\n');
      writeFileSync(b, kubeconfig('https://from-b'));
      const kc = defaultKubeConfig({
        env: { KUBECONFIG: [a, b].join(delimiter) },
        home,
        serviceAccountToken: token(),
      });
      assert.equal(kc.getCurrentContext(), 'ctx');
      assert.equal(kc.getCurrentCluster()?.server, 'https://from-a');
      // Both set a context: the first one's.
      writeFileSync(a, kubeconfig('https://a2', 'ctx-a').replace('name: ctx,', 'name: ctx-a,'));
      const again = defaultKubeConfig({
        env: { KUBECONFIG: [a, b].join(delimiter) },
        home,
        serviceAccountToken: token(),
      });
      assert.equal(again.getCurrentContext(), 'ctx-a');
      assert.equal(again.getCurrentCluster()?.server, 'https://a2');
    });

    it('relative paths in a kubeconfig are relative to its own folder', () => {
      mkdirSync(join(home, '.kube'), { recursive: true });
      writeFileSync(
        join(home, '.kube', 'config'),
        kubeconfig('https://home:6443').replace(
          'server: "https://home:6443"',
          'server: "https://home:6443", certificate-authority: ca.crt',
        ),
      );
      const kc = defaultKubeConfig({ env: {}, home, serviceAccountToken: token() });
      assert.equal(kc.getCurrentCluster()?.caFile, join(home, '.kube', 'ca.crt'));
    });

    it('in a Pod: reads the env it is given, and the CA and namespace next to the token', async () => {
      const tokenFile = join(dir, 'token');
      writeFileSync(tokenFile, 'sa\n');
      writeFileSync(join(dir, 'ca.crt'), 'CA');
      writeFileSync(join(dir, 'namespace'), 'ops');
      const env = { KUBERNETES_SERVICE_HOST: 'fd00::10', KUBERNETES_SERVICE_PORT: '6443' };
      const kc = defaultKubeConfig({ env, home, serviceAccountToken: tokenFile });
      assert.equal(kc.getCurrentCluster()?.server, 'https://[fd00::10]:6443');
      assert.equal(kc.getContextObject(kc.getCurrentContext())?.namespace, 'ops');
      const settings = await kc.connectionSettings();
      assert.equal(settings.headers.Authorization, 'Bearer sa');
      assert.equal(String(settings.tls.ca), 'CA');
    });

    it('in a Pod without KUBERNETES_SERVICE_PORT: says so, and goes on to the next source', () => {
      const tokenFile = join(dir, 'token');
      writeFileSync(tokenFile, 'sa');
      assert.throws(
        () =>
          defaultKubeConfig({
            env: { KUBERNETES_SERVICE_HOST: '10.0.0.1' },
            home,
            serviceAccountToken: tokenFile,
          }),
        (e: Error) =>
          noCluster(e) &&
          e.message.includes('KUBERNETES_SERVICE_HOST is set, but KUBERNETES_SERVICE_PORT is not') &&
          e.message.includes('KUBECONFIG: not set'),
      );
    });
  });

  describe('defaultLogger (what Operon.run logs with when given no logger)', () => {
    it('logs at info by default, as runOperators does', () => {
      assert.equal(defaultLogger({}).level, 'info');
    });
    it('honours LOG_LEVEL, including silent', () => {
      assert.equal(defaultLogger({ LOG_LEVEL: 'debug' }).level, 'debug');
      assert.equal(defaultLogger({ LOG_LEVEL: 'silent' }).level, 'silent');
    });
    it('is silent under a test runner unless LOG_LEVEL is set', () => {
      assert.equal(defaultLogger({ NODE_TEST_CONTEXT: 'child-v8' }).level, 'silent');
      assert.equal(defaultLogger({ NODE_ENV: 'test' }).level, 'silent');
      assert.equal(defaultLogger({ NODE_ENV: 'test', LOG_LEVEL: 'warn' }).level, 'warn');
    });
  });
});
