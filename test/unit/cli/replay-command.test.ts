// `operon replay <entry> <dir>`: fixtures recorded from the EchoServer example, replayed by the
// command in a child process, as the example itself (exit 0) and with another image (exit 1, the
// diff on stdout); `--update` accepts the change.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { EchoImage, EchoServerOperator } from '../../../examples/echo-server/echo-server.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { SyncRecorder } from '../../../src/runtime/record/sync-recorder.js';
import { buildRequest, operatorConfigOf } from '../../../src/testkit/sync-harness.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..', '..');
const bin = join(root, 'bin', 'operon.js');
const entry = relative(root, join(root, 'dist', 'examples', 'echo-server', 'echo-server.js'));
const dir = mkdtempSync(join(tmpdir(), 'operon-replay-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function operon(env: Record<string, string>, ...args: string[]) {
  const { KUBECONFIG: _k, ECHO_IMAGE: _i, ...rest } = process.env;
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...rest, ...env },
    timeout: 30_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

before(async () => {
  const config = operatorConfigOf(new EchoServerOperator(new EchoImage()));
  const rec = new SyncRecorder({ dir }, silentLogger());
  const parent = {
    apiVersion: 'example.com/v1alpha1',
    kind: 'EchoServer',
    metadata: { name: 'web', namespace: 'demo', uid: 'u1', generation: 1 },
    spec: { message: 'hi', replicas: 2 },
  };
  const request = await buildRequest(config, { parent }, false);
  rec.forOperator(config)(request, await config.sync(request), parent);
  await rec.flush();
});

describe('operon replay', () => {
  it('exits 0 when every response is as recorded', () => {
    const r = operon({}, 'replay', entry, dir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /^Replayed 1 fixture of operator "echo-server" from .*: 1 unchanged, 0 changed\.$/m,
    );
  });

  it('exits 1 with the diff when the operator changed, and 0 once --update rewrote the fixture', () => {
    const changed = operon({ ECHO_IMAGE: 'hashicorp/http-echo:1.1' }, 'replay', entry, dir);
    assert.equal(changed.code, 1, changed.stderr);
    assert.match(
      changed.stdout,
      /recreate Pod\/web-0\n.*~ spec\.containers\[name=echo\]\.image: "hashicorp\/http-echo:1\.0" → "hashicorp\/http-echo:1\.1"/,
    );
    assert.match(changed.stdout, /recreate Pod\/web-1/);
    assert.match(changed.stderr, /run with --update to accept them/);
    const updated = operon({ ECHO_IMAGE: 'hashicorp/http-echo:1.1' }, 'replay', entry, dir, '--update');
    assert.equal(updated.code, 0, updated.stderr);
    assert.match(updated.stdout, /1 changed, 1 rewritten/);
    assert.equal(operon({ ECHO_IMAGE: 'hashicorp/http-echo:1.1' }, 'replay', entry, dir).code, 0);
  });

  it('is a usage error for an unknown --operator, and a failure for a folder without fixtures', () => {
    const unknown = operon({}, 'replay', entry, dir, '--operator', 'nope');
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /--operator nope: .* has no such operator \(it has echo-server\)/);
    const empty = mkdtempSync(join(dir, 'empty-'));
    const none = operon({}, 'replay', entry, empty);
    assert.equal(none.code, 1);
    assert.match(
      none.stderr,
      /holds no fixture of the operators in .* \(echo-server\); it holds fixtures of none/,
    );
  });
});
