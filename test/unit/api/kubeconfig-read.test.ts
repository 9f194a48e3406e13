// Reading kubeconfig files as kubectl does: fields, relative paths, merging, the current context.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { OperonKubeConfig } from '../../../src/runtime/api/kubeconfig/operon-kube-config.js';
import { tempFolder } from './kubeconfig-fixtures.js';

const FULL = `
apiVersion: v1
kind: Config
preferences: {}
clusters:
- name: prod
  cluster:
    server: https://prod.example:6443/
    certificate-authority-data: Q0E=
    tls-server-name: api.prod
    proxy-url: http://proxy:3128
- name: dev
  cluster:
    server: https://dev.example:6443
    insecure-skip-tls-verify: true
    certificate-authority: certs/ca.crt
users:
- name: admin
  user:
    client-certificate-data: Q0VSVA==
    client-key-data: S0VZ
    as: someone
- name: reader
  user:
    token: abc
- name: files
  user:
    client-certificate: certs/client.crt
    client-key: /abs/client.key
    tokenFile: token
- name: basic
  user: { username: ann, password: secret }
- name: plugin
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: ./bin/plugin
      args: [get-token, --x]
      env: [{ name: A, value: b }]
      installHint: brew install plugin
      interactiveMode: Never
      provideClusterInfo: true
- name: path-plugin
  user:
    exec: { apiVersion: client.authentication.k8s.io/v1beta1, command: aws }
- name: anonymous
contexts:
- name: prod-admin
  context: { cluster: prod, user: admin, namespace: ops }
- name: dev-files
  context: { cluster: dev, user: files }
current-context: prod-admin
`;

describe('OperonKubeConfig: reading a kubeconfig', () => {
  let dir: ReturnType<typeof tempFolder>;
  beforeEach(() => {
    dir = tempFolder();
  });
  afterEach(() => dir.remove());

  it('reads clusters, users and contexts in client-node’s shapes', () => {
    const kc = new OperonKubeConfig();
    kc.loadFromString(FULL);
    assert.equal(kc.getCurrentContext(), 'prod-admin');
    assert.deepEqual(kc.getCurrentCluster(), {
      name: 'prod',
      server: 'https://prod.example:6443',
      caData: 'Q0E=',
      caFile: undefined,
      skipTLSVerify: false,
      tlsServerName: 'api.prod',
      proxyUrl: 'http://proxy:3128',
    });
    const admin = kc.getCurrentUser();
    assert.equal(admin?.certData, 'Q0VSVA==');
    assert.equal(admin?.keyData, 'S0VZ');
    assert.equal(admin?.impersonateUser, 'someone');
    assert.deepEqual(
      kc.getContexts().map((c) => [c.name, c.cluster, c.user, c.namespace]),
      [
        ['prod-admin', 'prod', 'admin', 'ops'],
        ['dev-files', 'dev', 'files', undefined],
      ],
    );
    assert.equal(kc.getCluster('dev')?.skipTLSVerify, true);
    assert.equal(kc.getUser('reader')?.token, 'abc');
    assert.equal(kc.getUser('basic')?.username, 'ann');
    assert.equal(kc.getUser('basic')?.password, 'secret');
    assert.deepEqual(kc.getUser('plugin')?.exec, {
      apiVersion: 'client.authentication.k8s.io/v1',
      command: './bin/plugin',
      args: ['get-token', '--x'],
      env: [{ name: 'A', value: 'b' }],
      installHint: 'brew install plugin',
      provideClusterInfo: true,
      interactiveMode: 'Never',
    });
    assert.equal(kc.getUser('anonymous')?.token, undefined);
  });

  it('accepts client-node’s `token-file` spelling as well as kubectl’s `tokenFile`', () => {
    const kc = new OperonKubeConfig();
    kc.loadFromString('users: [{ name: a, user: { token-file: /t } }, { name: b, user: { tokenFile: /u } }]');
    assert.equal(kc.getUser('a')?.tokenFile, '/t');
    assert.equal(kc.getUser('b')?.tokenFile, '/u');
  });

  it('resolves relative paths against the kubeconfig file’s folder, as kubectl does', () => {
    mkdirSync(join(dir.path, 'sub'));
    const file = dir.file('sub/config', FULL);
    const kc = new OperonKubeConfig();
    kc.loadFromFile(file);
    const sub = join(dir.path, 'sub');
    assert.equal(kc.getCluster('dev')?.caFile, join(sub, 'certs/ca.crt'));
    const files = kc.getUser('files');
    assert.equal(files?.certFile, join(sub, 'certs/client.crt'));
    assert.equal(files?.keyFile, '/abs/client.key', 'absolute paths stay');
    assert.equal(files?.tokenFile, join(sub, 'token'));
    // A command with a path separator is a file next to the kubeconfig; a bare name is looked up in PATH.
    assert.equal(kc.getUser('plugin')?.exec?.command, join(sub, 'bin/plugin'));
    assert.equal(kc.getUser('path-plugin')?.exec?.command, 'aws');
  });

  it('loadFromString leaves relative paths alone unless given a folder', () => {
    const kc = new OperonKubeConfig();
    kc.loadFromString(FULL);
    assert.equal(kc.getCluster('dev')?.caFile, 'certs/ca.crt');
    kc.loadFromString(FULL, '/etc/kube');
    assert.equal(kc.getCluster('dev')?.caFile, '/etc/kube/certs/ca.crt');
  });

  it('names the field that is wrong or missing', () => {
    const kc = new OperonKubeConfig();
    const cases: [string, RegExp][] = [
      ['users: [{ name: u, user: { token: 123 } }]', /users\[0\]\.user\.token must be a string/],
      [
        'clusters: [{ name: c, cluster: { certificate-authority: x } }]',
        /clusters\[0\]\.cluster\.server is missing/,
      ],
      ['clusters: [{ cluster: { server: https://x } }]', /clusters\[0\]\.name is missing/],
      ['contexts: [{ name: x, context: { user: u } }]', /contexts\[0\]\.context\.cluster is missing/],
      [
        'clusters: [{ name: c, cluster: { server: s, insecure-skip-tls-verify: "yes" } }]',
        /must be true or false/,
      ],
      ['clusters: {}', /clusters must be a list/],
      [
        'users: [{ name: u, user: { exec: { command: x, args: [1] } } }]',
        /users\[0\]\.user\.exec\.args\[0\] must be a string/,
      ],
      ['- just\n- a list', /the kubeconfig must be a mapping/],
      ['clusters: [: nope', /./],
    ];
    for (const [yaml, message] of cases) assert.throws(() => kc.loadFromString(yaml), message, yaml);
  });

  it('reads an empty document as an empty config (kubectl skips empty files)', () => {
    const kc = new OperonKubeConfig();
    kc.loadFromString('');
    assert.equal(kc.getCurrentContext(), '');
    assert.equal(kc.getCurrentCluster(), null);
    assert.deepEqual(kc.getContexts(), []);
  });
});

describe('OperonKubeConfig: merging (KUBECONFIG=a:b)', () => {
  const a = `
clusters: [{ name: shared, cluster: { server: https://from-a } }, { name: only-a, cluster: { server: https://a } }]
users: [{ name: shared, user: { token: from-a } }]
contexts: [{ name: shared, context: { cluster: shared, user: shared } }]
`;
  const b = `
clusters: [{ name: shared, cluster: { server: https://from-b } }, { name: only-b, cluster: { server: https://b } }]
users: [{ name: shared, user: { token: from-b } }, { name: only-b, user: { token: b } }]
contexts: [{ name: shared, context: { cluster: only-b, user: only-b } }, { name: b, context: { cluster: only-b } }]
current-context: b
`;
  const load = (yaml: string) => {
    const kc = new OperonKubeConfig();
    kc.loadFromString(yaml);
    return kc;
  };

  it('keeps the first file’s entry for a name both define, whole, and adds the others', () => {
    const kc = load(`${a}current-context: shared`);
    kc.mergeConfig(load(b));
    assert.deepEqual(
      kc.getClusters().map((c) => [c.name, c.server]),
      [
        ['shared', 'https://from-a'],
        ['only-a', 'https://a'],
        ['only-b', 'https://b'],
      ],
    );
    assert.equal(kc.getUser('shared')?.token, 'from-a');
    assert.equal(kc.getUser('only-b')?.token, 'b');
    assert.equal(kc.getContextObject('shared')?.cluster, 'shared');
    assert.equal(kc.getCurrentContext(), 'shared', 'the first file that sets current-context wins');
    assert.equal(kc.getCurrentCluster()?.server, 'https://from-a');
  });

  it('takes current-context from a later file when the earlier ones set none', () => {
    const kc = load(a);
    kc.mergeConfig(load(b));
    assert.equal(kc.getCurrentContext(), 'b');
    assert.equal(kc.getCurrentCluster()?.server, 'https://b');
    assert.equal(kc.getCurrentUser(), null, 'a context without a user is anonymous');
  });
});

describe('OperonKubeConfig: the current context', () => {
  const yaml = `
clusters: [{ name: c1, cluster: { server: https://one } }, { name: c2, cluster: { server: https://two } }]
users: [{ name: u1, user: { token: t1 } }, { name: u2, user: { token: t2 } }]
contexts: [{ name: x1, context: { cluster: c1, user: u1 } }, { name: x2, context: { cluster: c2, user: u2 } }]
`;

  it('with no current-context: no cluster, and connection settings say why', async () => {
    const kc = new OperonKubeConfig();
    kc.loadFromString(yaml);
    assert.equal(kc.getCurrentContext(), '');
    assert.equal(kc.getCurrentCluster(), null);
    await assert.rejects(kc.connectionSettings(), /sets no current-context/);
  });

  it('with a current-context that names no cluster: says which', async () => {
    const kc = new OperonKubeConfig();
    kc.loadFromString(`${yaml}current-context: gone`);
    assert.equal(kc.getCurrentCluster(), null);
    await assert.rejects(kc.connectionSettings(), /current context "gone" names no cluster it defines/);
  });

  it('setCurrentContext switches cluster and credentials', async () => {
    const kc = new OperonKubeConfig();
    kc.loadFromString(`${yaml}current-context: x1`);
    assert.equal((await kc.connectionSettings()).headers.Authorization, 'Bearer t1');
    kc.setCurrentContext('x2');
    assert.equal(kc.getCurrentCluster()?.server, 'https://two');
    assert.equal((await kc.connectionSettings()).headers.Authorization, 'Bearer t2');
  });
});
