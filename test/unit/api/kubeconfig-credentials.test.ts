// What a kubeconfig's users turn into (TLS material, headers), and how long that is kept: token
// files re-read at most once a minute, exec credentials until they expire or are rejected.
import assert from 'node:assert/strict';
import { unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import type { RequestOptions } from 'node:https';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { inClusterConfig } from '../../../src/runtime/api/kubeconfig/in-cluster.js';
import { OperonKubeConfig } from '../../../src/runtime/api/kubeconfig/operon-kube-config.js';
import { RefreshingFile } from '../../../src/runtime/api/kubeconfig/refreshing-file.js';
import { execPlugin, kubeconfigYaml, tempFolder } from './kubeconfig-fixtures.js';

/** A clock the test moves. */
function clock(start = Date.parse('2030-01-01T00:00:00Z')) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('OperonKubeConfig credentials', () => {
  let dir: ReturnType<typeof tempFolder>;
  beforeEach(() => {
    dir = tempFolder();
  });
  afterEach(() => dir.remove());

  function config(user: Record<string, unknown>, cluster: Record<string, unknown> = {}, now = Date.now) {
    const kc = new OperonKubeConfig({ now });
    kc.loadFromString(kubeconfigYaml('https://k8s.example:6443', user, cluster), dir.path);
    return kc;
  }

  it('a token, basic auth, impersonation: as headers', async () => {
    assert.deepEqual((await config({ token: 'abc', as: 'jane' }).connectionSettings()).headers, {
      Authorization: 'Bearer abc',
      'Impersonate-User': 'jane',
    });
    assert.deepEqual((await config({ username: 'ann', password: 'pw' }).connectionSettings()).headers, {
      Authorization: `Basic ${b64('ann:pw')}`,
    });
    assert.deepEqual((await config({}).connectionSettings()).headers, {}, 'anonymous');
  });

  it('TLS material from data and files, data winning as in kubectl; skip-verify and server name', async () => {
    dir.file('ca.crt', 'CA-FILE');
    dir.file('client.crt', 'CERT-FILE');
    dir.file('client.key', 'KEY-FILE');
    const fromFiles = await config(
      { 'client-certificate': 'client.crt', 'client-key': 'client.key' },
      { 'certificate-authority': 'ca.crt', 'tls-server-name': 'api.internal' },
    ).connectionSettings();
    assert.equal(String(fromFiles.tls.ca), 'CA-FILE');
    assert.equal(String(fromFiles.tls.cert), 'CERT-FILE');
    assert.equal(String(fromFiles.tls.key), 'KEY-FILE');
    assert.equal(fromFiles.tls.servername, 'api.internal');
    assert.equal(fromFiles.tls.rejectUnauthorized, undefined, 'verification stays on');

    const fromData = await config(
      {
        'client-certificate': 'client.crt',
        'client-certificate-data': b64('CERT-DATA'),
        'client-key-data': b64('KEY'),
      },
      {
        'certificate-authority': 'ca.crt',
        'certificate-authority-data': b64('CA-DATA'),
        'insecure-skip-tls-verify': true,
      },
    ).connectionSettings();
    assert.equal(String(fromData.tls.ca), 'CA-DATA');
    assert.equal(String(fromData.tls.cert), 'CERT-DATA');
    assert.equal(fromData.tls.rejectUnauthorized, false);
  });

  it('applyToHTTPSOptions fills request options as client-node’s does', async () => {
    const opts: RequestOptions = { headers: { Accept: 'application/json' } };
    await config(
      { token: 'abc' },
      { 'certificate-authority-data': b64('CA'), 'insecure-skip-tls-verify': true },
    ).applyToHTTPSOptions(opts);
    assert.deepEqual(opts.headers, { Accept: 'application/json', Authorization: 'Bearer abc' });
    assert.equal(String(opts.ca), 'CA');
    assert.equal(opts.rejectUnauthorized, false);
  });

  it('says which file it cannot read', async () => {
    await assert.rejects(
      config({ token: 't' }, { 'certificate-authority': 'missing.crt' }).connectionSettings(),
      new RegExp(`cannot read the certificate-authority ${join(dir.path, 'missing.crt')}`),
    );
    dir.file('empty-token', '\n');
    await assert.rejects(config({ tokenFile: 'empty-token' }).connectionSettings(), /tokenFile .* is empty/);
  });

  it('derives settings once: the same object until something is due', async () => {
    dir.file('ca.crt', 'CA');
    const kc = config({ token: 't' }, { 'certificate-authority': 'ca.crt' });
    const first = await kc.connectionSettings();
    writeFileSync(join(dir.path, 'ca.crt'), 'CHANGED'); // not looked at again within the minute
    assert.equal(await kc.connectionSettings(), first);
    assert.equal(String((await kc.connectionSettings()).tls.ca), 'CA');
  });

  it('re-reads a token file at most once a minute, and only when it changed', async () => {
    const t = clock();
    const token = dir.file('token', 'one\n');
    const kc = config({ tokenFile: 'token' }, {}, t.now);
    assert.equal((await kc.connectionSettings()).headers.Authorization, 'Bearer one', 'trimmed');

    // Whole seconds, so the time stamp set again below compares equal.
    const stamp = new Date('2029-06-01T00:00:00Z');
    writeFileSync(token, 'two');
    utimesSync(token, stamp, stamp);
    t.advance(59_000);
    assert.equal((await kc.connectionSettings()).headers.Authorization, 'Bearer one', 'within the minute');
    t.advance(1_000);
    assert.equal((await kc.connectionSettings()).headers.Authorization, 'Bearer two', 'after a minute');

    // Same size and modification time: the file is not read again (only stat-ed).
    writeFileSync(token, 'tri');
    utimesSync(token, stamp, stamp);
    t.advance(60_000);
    const unchanged = await kc.connectionSettings();
    assert.equal(unchanged.headers.Authorization, 'Bearer two');

    // A 401 forces a read, whatever the time stamps say.
    kc.invalidateConnectionSettings(unchanged);
    assert.equal((await kc.connectionSettings()).headers.Authorization, 'Bearer tri');
  });

  it('invalidating settings that are no longer current does nothing (one refresh per burst of 401s)', async () => {
    const plugin = execPlugin(dir.path);
    const kc = config({
      exec: { apiVersion: 'client.authentication.k8s.io/v1', command: plugin.command, args: plugin.args },
    });
    const first = await kc.connectionSettings();
    kc.invalidateConnectionSettings(first);
    const second = await kc.connectionSettings();
    kc.invalidateConnectionSettings(first);
    assert.equal(await kc.connectionSettings(), second);
    assert.equal(plugin.runs(), 2);
  });

  describe('exec plugins', () => {
    const exec = (
      plugin: { command: string; args: readonly string[] },
      more: Record<string, unknown> = {},
    ) => ({
      exec: {
        apiVersion: 'client.authentication.k8s.io/v1',
        command: plugin.command,
        args: plugin.args,
        ...more,
      },
    });

    it('runs the plugin with its args and env and KUBERNETES_EXEC_INFO; uses its token', async () => {
      const plugin = execPlugin(dir.path);
      const kc = config(
        exec(plugin, {
          env: [{ name: 'FROM_CONFIG', value: 'yes' }],
          provideClusterInfo: true,
          interactiveMode: 'Always',
        }),
        { 'certificate-authority-data': b64('CA'), 'tls-server-name': 'api' },
      );
      assert.equal((await kc.connectionSettings()).headers.Authorization, 'Bearer tok-1');
      assert.equal(plugin.lastFromConfig(), 'yes');
      assert.deepEqual(plugin.lastExecInfo(), {
        apiVersion: 'client.authentication.k8s.io/v1',
        kind: 'ExecCredential',
        spec: {
          interactive: false,
          cluster: {
            server: 'https://k8s.example:6443',
            'tls-server-name': 'api',
            'insecure-skip-tls-verify': false,
            'certificate-authority-data': b64('CA'),
          },
        },
      });
    });

    it('without an expiry: keeps the credential until it is rejected', async () => {
      const t = clock();
      const plugin = execPlugin(dir.path);
      // With a CA file, settings are derived again each minute: the plugin must not run again then.
      dir.file('ca.crt', 'CA');
      const kc = config(exec(plugin), { 'certificate-authority': 'ca.crt' }, t.now);
      const [a, b] = await Promise.all([kc.connectionSettings(), kc.connectionSettings()]);
      assert.equal(a, b, 'concurrent callers share one run');
      t.advance(24 * 3600_000);
      const later = await kc.connectionSettings();
      assert.notEqual(later, a, 'derived again (the CA file was due)');
      assert.equal(later.headers.Authorization, 'Bearer tok-1');
      assert.equal(plugin.runs(), 1);
      // A 401 to the settings of before still invalidates: the ones of now carry the same token.
      kc.invalidateConnectionSettings(a);
      assert.equal((await kc.connectionSettings()).headers.Authorization, 'Bearer tok-2');
      assert.equal(plugin.runs(), 2);
    });

    it('with an expiry: keeps the credential until then, then runs the plugin again', async () => {
      const t = clock(Date.parse('2030-01-01T00:00:00Z'));
      const plugin = execPlugin(dir.path, {
        expiry: '2030-01-01T00:10:00Z',
        apiVersion: 'client.authentication.k8s.io/v1beta1',
      });
      const kc = config(exec(plugin, { apiVersion: 'client.authentication.k8s.io/v1beta1' }), {}, t.now);
      const first = await kc.connectionSettings();
      assert.equal(first.headers.Authorization, 'Bearer tok-1');
      assert.equal(first.freshUntil, Date.parse('2030-01-01T00:10:00Z'));
      t.advance(9 * 60_000);
      assert.equal(await kc.connectionSettings(), first);
      t.advance(60_000);
      assert.equal((await kc.connectionSettings()).headers.Authorization, 'Bearer tok-2');
      assert.equal(plugin.runs(), 2);
    });

    it('takes a client certificate and key from the plugin', async () => {
      const plugin = execPlugin(dir.path, { certs: [{ cert: 'PEM-CERT', key: 'PEM-KEY' }] });
      const s = await config(exec(plugin)).connectionSettings();
      assert.equal(s.tls.cert, 'PEM-CERT');
      assert.equal(s.tls.key, 'PEM-KEY');
      assert.equal(s.headers.Authorization, undefined);
    });

    it('fails clearly: not installed (with the install hint), non-zero exit, bad output, bad config', async () => {
      await assert.rejects(
        config({
          exec: {
            apiVersion: 'client.authentication.k8s.io/v1',
            command: 'operon-no-such-plugin',
            installHint: 'Install it with brew.',
          },
        }).connectionSettings(),
        /user "u".*cannot run "operon-no-such-plugin".*\nInstall it with brew\./s,
      );
      const failing = execPlugin(dir.path, { exitCode: 3 });
      await assert.rejects(config(exec(failing)).connectionSettings(), /exited with code 3: plugin says no/);
      const garbled = execPlugin(dir.path, { output: 'not json' });
      await assert.rejects(config(exec(garbled)).connectionSettings(), /printed no ExecCredential JSON/);
      const other = execPlugin(dir.path, { apiVersion: 'client.authentication.k8s.io/v1beta1' });
      await assert.rejects(
        config(exec(other)).connectionSettings(),
        /configured for client.authentication.k8s.io\/v1 but returned .*v1beta1/,
      );
      const empty = execPlugin(dir.path, {
        output: JSON.stringify({
          apiVersion: 'client.authentication.k8s.io/v1',
          kind: 'ExecCredential',
          status: {},
        }),
      });
      await assert.rejects(
        config(exec(empty)).connectionSettings(),
        /neither a token nor a client certificate/,
      );
      await assert.rejects(
        config(exec(failing, { apiVersion: 'client.authentication.k8s.io/v1alpha1' })).connectionSettings(),
        /apiVersion "client.authentication.k8s.io\/v1alpha1" is not supported/,
      );
    });
  });
});

describe('RefreshingFile', () => {
  let dir: ReturnType<typeof tempFolder>;
  beforeEach(() => {
    dir = tempFolder();
  });
  afterEach(() => dir.remove());

  it('does not touch the file again within the minute (not even a stat)', async () => {
    const t = clock();
    const path = dir.file('token', 'abc');
    const file = new RefreshingFile(path, t.now);
    assert.equal(String((await file.read()).content), 'abc');
    unlinkSync(path);
    t.advance(59_999);
    const again = await file.read();
    assert.equal(String(again.content), 'abc');
    assert.equal(again.recheckAt, t.now() + 1);
    t.advance(1);
    await assert.rejects(file.read(), /ENOENT/);
  });

  it('invalidate reads it at once', async () => {
    const t = clock();
    const path = dir.file('token', 'abc');
    const file = new RefreshingFile(path, t.now);
    await file.read();
    writeFileSync(path, 'xyz');
    assert.equal(String((await file.read()).content), 'abc');
    file.invalidate();
    assert.equal(String((await file.read()).content), 'xyz');
  });
});

describe('in-cluster configuration', () => {
  let dir: ReturnType<typeof tempFolder>;
  beforeEach(() => {
    dir = tempFolder();
  });
  afterEach(() => dir.remove());

  it('the service host and port, the mounted CA, token file and namespace', async () => {
    const token = dir.file('token', 'sa-token\n');
    dir.file('ca.crt', 'SA-CA');
    dir.file('namespace', 'operators\n');
    const kc = new OperonKubeConfig();
    kc.loadFromCluster({
      env: { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' },
      tokenFile: token,
    });
    assert.equal(kc.getCurrentCluster()?.server, 'https://10.96.0.1:443');
    assert.equal(kc.getCurrentCluster()?.caFile, join(dir.path, 'ca.crt'));
    assert.equal(kc.getContextObject(kc.getCurrentContext())?.namespace, 'operators');
    assert.equal(kc.getCurrentUser()?.tokenFile, token);
    const s = await kc.connectionSettings();
    assert.equal(s.headers.Authorization, 'Bearer sa-token');
    assert.equal(String(s.tls.ca), 'SA-CA');
  });

  it('puts an IPv6 host in brackets, and is https whatever the port', () => {
    const data = inClusterConfig({
      env: { KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '8080' },
      tokenFile: join(dir.path, 'token'),
    });
    assert.equal(data.clusters[0]?.server, 'https://[fd00::1]:8080');
    assert.equal(data.contexts[0]?.namespace, undefined, 'no namespace file');
  });

  it('needs both KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT', () => {
    assert.throws(
      () => inClusterConfig({ env: { KUBERNETES_SERVICE_HOST: '10.0.0.1' } }),
      /KUBERNETES_SERVICE_PORT must both be set/,
    );
  });

  it('re-reads the projected token once a minute (the kubelet rotates it)', async () => {
    const t = clock();
    const token = dir.file('token', 'first');
    dir.file('ca.crt', 'CA');
    const kc = new OperonKubeConfig({ now: t.now });
    kc.loadFromCluster({
      env: { KUBERNETES_SERVICE_HOST: 'h', KUBERNETES_SERVICE_PORT: '443' },
      tokenFile: token,
    });
    assert.equal((await kc.connectionSettings()).headers.Authorization, 'Bearer first');
    writeFileSync(token, 'rotated');
    assert.equal((await kc.connectionSettings()).headers.Authorization, 'Bearer first');
    t.advance(60_000);
    assert.equal((await kc.connectionSettings()).headers.Authorization, 'Bearer rotated');
  });
});
