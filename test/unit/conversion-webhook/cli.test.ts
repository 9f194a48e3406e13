// `operon crd` and `operon manifests` for a parent with several versions, as a user runs them.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..', '..');
const entry = join(here, 'entries', 'versions.js');

function operon(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(root, 'bin', 'operon.js'), ...args], {
    cwd: root,
    encoding: 'utf8',
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface Crd {
  spec: {
    versions: { name: string; storage: boolean }[];
    conversion?: { webhook: { clientConfig: object } };
  };
}

describe('operon crd for a parent with several versions', () => {
  it('prints every version and the conversion webhook at --webhook-url, or the Service of --webhook', () => {
    const url = operon('crd', entry, '--webhook-url', 'https://127.0.0.1:9443');
    assert.equal(url.code, 0, url.stderr);
    const crd = parse(url.stdout) as Crd;
    assert.deepEqual(
      crd.spec.versions.map((v) => [v.name, v.storage]),
      [
        ['v1alpha1', true],
        ['v1', false],
      ],
    );
    assert.deepEqual(crd.spec.conversion?.webhook.clientConfig, {
      url: 'https://127.0.0.1:9443/convert-versions-operon-test-shard',
    });
    const service = operon('crd', entry, '--webhook', '-n', 'ops');
    assert.equal(service.code, 0, service.stderr);
    assert.deepEqual((parse(service.stdout) as Crd).spec.conversion?.webhook.clientConfig, {
      service: {
        name: 'shards-webhook',
        namespace: 'ops',
        path: '/convert-versions-operon-test-shard',
        port: 443,
      },
    });
  });

  it('says how to reach the operator when neither flag is given, and refuses --webhook without a namespace', () => {
    const crd = operon('crd', entry);
    assert.equal(crd.code, 1);
    assert.match(crd.stderr, /converts between its versions through the operator.*--webhook-url/);
    const manifests = operon('manifests', entry, '-i', 'img:1', '-n', 'ops');
    assert.equal(manifests.code, 1);
    assert.match(manifests.stderr, /operon manifests --webhook/);
    const noNamespace = operon('crd', entry, '--webhook');
    assert.equal(noNamespace.code, 2);
    assert.match(noNamespace.stderr, /--webhook needs --namespace/);
  });
});
