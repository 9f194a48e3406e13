// The `operon` command as a user runs it: a child process, its output and its exit code.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { OPERATOR_NODE_FLAGS } from '../../../src/generate/deployment.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..', '..');
const bin = join(root, 'bin', 'operon.js');
const entry = (name: string) => join(here, 'entries', `${name}.js`);

function operon(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  return operonWith([], ...args);
}
function operonWith(
  nodeFlags: readonly string[],
  ...args: string[]
): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [...nodeFlags, bin, ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const kinds = (yaml: string) => parseAllDocuments(yaml).map((d) => (d.toJSON() as { kind: string }).kind);
const names = (yaml: string) =>
  parseAllDocuments(yaml).map((d) => (d.toJSON() as { metadata: { name: string } }).metadata.name);

describe('operon CLI', () => {
  it('starts under the node flags of the generated Deployment (a flag node refuses would crash every Pod)', () => {
    const r = operonWith(OPERATOR_NODE_FLAGS, '--help');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Usage: operon/);
  });

  it('stops quietly when its reader closes the pipe (`operon crd app.js | head`)', async () => {
    const child = spawn(process.execPath, [bin, 'crd', '--help'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Closed before the first write: every write the command makes meets EPIPE.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const [code] = (await once(child, 'close')) as [number | null];
    assert.equal(stderr, '');
    assert.equal(code, 0);
  });

  it('prints help with exit 0, listing the commands', () => {
    const r = operon('--help');
    assert.equal(r.code, 0);
    for (const cmd of ['crd', 'rbac', 'manifests', 'run', 'cluster'])
      assert.match(r.stdout, new RegExp(`\\n  ${cmd} `));
    const sub = operon('manifests', '--help');
    assert.equal(sub.code, 0);
    assert.match(sub.stdout, /--image <image>/);
    assert.match(sub.stdout, /createContainer/);
  });

  it('exits 2 on usage errors: no command, unknown command or option, missing argument or option', () => {
    assert.equal(operon().code, 2);
    assert.equal(operon('frobnicate').code, 2);
    assert.equal(operon('crd', '--bogus', entry('registry')).code, 2);
    const missingArg = operon('crd');
    assert.equal(missingArg.code, 2);
    assert.match(missingArg.stderr, /missing required argument 'entry'/);
    const missingImage = operon('manifests', entry('registry'), '--namespace', 'ops');
    assert.equal(missingImage.code, 2);
    assert.match(missingImage.stderr, /--image <image>' not specified/);
  });

  it('exits 2 with a clear message when the entry module does not exist, or is TypeScript', () => {
    const missing = operon('crd', 'no/such/module.js');
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /Cannot find the entry module no\/such\/module\.js/);
    const ts = operon('crd', join(root, 'examples', 'echo-server', 'echo-server.ts'));
    assert.equal(ts.code, 2);
    assert.match(ts.stderr, /is TypeScript.*Compile it/);
  });

  it('exits 2 on an invalid name or namespace', () => {
    const r = operon('rbac', entry('registry'), '--namespace', 'Bad_NS');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--namespace "Bad_NS" is not a valid name/);
  });

  it('exits 1 when the module fails to import, naming the module and the error', () => {
    const r = operon('crd', entry('throws'));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Loading .*throws\.js failed: boom while importing/);
  });

  it('exits 1 when the module defines no operator, saying how to provide one', () => {
    const r = operon('rbac', entry('no-operators'));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /defines no operator\. Decorate a class with @Operator/);
  });

  it('exits 1 with the ConfigError on invalid decorator use', () => {
    const r = operon('crd', entry('bad-decorators'));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /problems? in the operator configuration/);
    assert.match(r.stderr, /BrokenOperator: no method is marked @Sync/);
    assert.match(r.stderr, /Broken_Name/);
  });

  it('exits 1 when an export holds something that is not an operator', () => {
    const r = operon('crd', entry('bad-export'));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /`operators` export holds NotAnOperator, which has no @Operator decorator/);
  });

  it('finds operators in the registry, a container factory, or a configs export', () => {
    const registry = operon('crd', entry('registry'));
    assert.equal(registry.code, 0, registry.stderr);
    assert.deepEqual(names(registry.stdout), ['echos.example.com', 'tenants.example.com']);
    const container = operon('crd', entry('container'));
    assert.equal(container.code, 0, container.stderr);
    assert.deepEqual(names(container.stdout), ['echos.example.com'], 'only the bound operator');
    const configs = operon('crd', entry('configs'));
    assert.equal(configs.code, 0, configs.stderr);
    assert.deepEqual(names(configs.stdout), ['kitchens.example.com']);
  });

  it('prints RBAC, and explains it', () => {
    const r = operon('rbac', entry('container'), '--namespace', 'ops', '-w', 'a,b');
    assert.equal(r.code, 0, r.stderr);
    // The reviews of secure metrics are cluster-scoped: a ClusterRole even with watched namespaces.
    assert.deepEqual(kinds(r.stdout), [
      'ServiceAccount',
      'Role',
      'Role',
      'ClusterRole',
      'RoleBinding',
      'RoleBinding',
      'ClusterRoleBinding',
    ]);
    const explain = operon('rbac', entry('container'), '--explain');
    assert.match(
      explain.stdout,
      /pods \(core, watched\): get, list, watch, create, delete\n {4}operator echo owns Pod \(recreate\)/,
    );
    assert.match(
      explain.stdout,
      /tokenreviews \(authentication\.k8s\.io, cluster\): create\n {4}secure metrics/,
    );
    assert.match(explain.stdout, /subjectaccessreviews \(authorization\.k8s\.io, cluster\): create/);
  });

  it('`operon run` exits 2 on a bad bind address, a port given twice, or a bad --metrics-secure', () => {
    const bad = operon('run', entry('container'), '--metrics-bind-address', '8443:localhost');
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /--metrics-bind-address: "8443:localhost" is not a bind address: use host:port/);
    const twice = operon(
      'run',
      entry('container'),
      '--health-port',
      '9000',
      '--health-bind-address',
      ':9001',
    );
    assert.equal(twice.code, 2, twice.stderr);
    assert.match(twice.stderr, /--health-port <port>' cannot be used with option '--health-bind-address/);
    const secure = operon('run', entry('container'), '--metrics-secure=maybe');
    assert.equal(secure.code, 2, secure.stderr);
    assert.match(
      secure.stderr,
      /--metrics-secure \[bool\]' argument 'maybe' is invalid\. expected true or false/,
    );
    const help = operon('run', '--help');
    assert.match(help.stdout, /--metrics-bind-address <host:port>/);
    assert.match(help.stdout, /--health-bind-address <host:port>/);
  });

  it('writes manifests into a folder, one file per group, in apply order', () => {
    const out = mkdtempSync(join(tmpdir(), 'operon-cli-'));
    try {
      const r = operon(
        'manifests',
        entry('container'),
        '--image',
        'img:1',
        '--namespace',
        'ops',
        '--create-namespace',
        '--out',
        out,
      );
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, '');
      assert.deepEqual(readdirSync(out).sort(), [
        '00-namespace.yaml',
        '10-crds.yaml',
        '20-rbac.yaml',
        '30-deployment.yaml',
      ]);
      const deployment = parseAllDocuments(
        readFileSync(join(out, '30-deployment.yaml'), 'utf8'),
      )[0]?.toJSON();
      assert.equal(deployment.metadata.name, 'echo');
      assert.deepEqual(deployment.spec.template.spec.containers[0].command, [
        'node',
        '--max-semi-space-size=2',
        'node_modules/operon/bin/operon.js',
        'run',
        'dist/test/unit/generate/entries/container.js',
      ]);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
