// Importing Operon, and talking to a cluster with a kubeconfig, does not load
// @kubernetes/client-node: its module brings client-node's whole generated API (+27 MiB of heap).
// Only a user with a legacy auth-provider loads it, when first used. The `operon` command (what the
// generated Deployment runs) loads none of it either, and issuing a certificate does not load
// @peculiar/x509 here (~11 MiB of RSS, for good): certificates are made in a child process.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const url = (path: string) => pathToFileURL(join(dist, path)).href;

// A module resolve hook that prints every client-node module the process loads.
const hook = `data:text/javascript,${encodeURIComponent(`
import { writeSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  if (r.url.includes('@kubernetes/client-node')) writeSync(1, 'CLIENT-NODE ' + r.url + '\\n');
  if (r.url.includes('@peculiar/x509')) writeSync(1, 'X509 ' + r.url + '\\n');
  return r;
}`)}`;

/** Runs `code` (an ES module body) in a fresh process; returns its stdout. */
function run(code: string): string {
  const child = spawnSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `import { register } from 'node:module'; register(${JSON.stringify(hook)});\n${code}`,
    ],
    { encoding: 'utf8', timeout: 60_000 },
  );
  assert.equal(child.status, 0, child.stderr);
  return child.stdout;
}

describe('no runtime import of @kubernetes/client-node', () => {
  it('the check sees client-node when it is loaded (so it can fail)', () => {
    assert.match(run(`await import('@kubernetes/client-node');`), /CLIENT-NODE .*client-node/);
  });

  it('importing operon, then requests with an OperonKubeConfig, load none of it', () => {
    const out = run(`
      const { createServer } = await import('node:http');
      await import(${JSON.stringify(url('src/index.js'))});
      const { ApiClient, defaultKubeConfig } = await import(${JSON.stringify(url('src/runtime/index.js'))});
      const { OperonKubeConfig } = await import(${JSON.stringify(url('src/runtime/api/kubeconfig/index.js'))});
      const server = createServer((req, res) => res.end(JSON.stringify({ auth: req.headers.authorization })));
      await new Promise((r) => server.listen(0, '127.0.0.1', r));
      const kc = new OperonKubeConfig();
      kc.loadFromString(JSON.stringify({
        clusters: [{ name: 'c', cluster: { server: 'http://127.0.0.1:' + server.address().port } }],
        users: [{ name: 'u', user: { token: 't' } }],
        contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
        'current-context': 'x',
      }));
      const api = new ApiClient(kc, 'test');
      console.log('ANSWER ' + JSON.stringify(await api.request({ method: 'GET', path: '/api' })));
      api.close();
      server.close();
      console.log('HAS defaultKubeConfig ' + typeof defaultKubeConfig);
    `);
    assert.match(out, /ANSWER \{"auth":"Bearer t"\}/);
    assert.match(out, /HAS defaultKubeConfig function/);
    assert.doesNotMatch(out, /CLIENT-NODE/);
  });

  it('a user with an auth-provider loads client-node, on first use only, and gets its credentials', () => {
    const out = run(`
      const { OperonKubeConfig } = await import(${JSON.stringify(url('src/runtime/api/kubeconfig/index.js'))});
      const kc = new OperonKubeConfig();
      kc.loadFromString(JSON.stringify({
        clusters: [{ name: 'c', cluster: { server: 'https://k8s.example' } }],
        users: [{ name: 'u', user: { token: 'legacy', 'auth-provider': { name: 'custom', config: { a: 'b' } } } }],
        contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
        'current-context': 'x',
      }));
      console.log('LOADED');
      const s = await kc.connectionSettings();
      console.log('HEADER ' + s.headers.Authorization);
    `);
    const [before, after] = out.split('LOADED');
    assert.doesNotMatch(before ?? '', /CLIENT-NODE/);
    assert.match(after ?? '', /CLIENT-NODE/);
    assert.match(out, /HEADER Bearer legacy/);
  });

  it('the operon command, as the generated Deployment starts it, loads none of it', () => {
    // `operon run --help` loads every command's module, as `operon run <entry>` does, and stops there.
    const out = run(`
      process.argv = [process.execPath, 'operon', 'run', '--help'];
      await import(${JSON.stringify(url('src/cli/main.js'))});
      console.log('EXIT ' + process.exitCode);
    `);
    assert.match(out, /Usage: operon run/);
    assert.match(out, /EXIT 0/);
    assert.doesNotMatch(out, /CLIENT-NODE|X509/);
  });

  it('the check sees @peculiar/x509 when a certificate is made in this process (so it can fail)', () => {
    const out = run(`
      const { selfSignedKeyPairHere } = await import(${JSON.stringify(url('src/observability/secure-serving/certificate.js'))});
      console.log('CERT ' + (await selfSignedKeyPairHere({ hosts: ['localhost'] })).cert.length);
    `);
    assert.match(out, /CERT \d+/);
    assert.match(out, /X509 .*@peculiar\/x509/);
  });

  it('self-signed and webhook certificates are issued without loading @peculiar/x509 here', () => {
    const out = run(`
      const { selfSignedKeyPair } = await import(${JSON.stringify(url('src/observability/secure-serving/index.js'))});
      const { issueCa, issueServingCertificate } = await import(${JSON.stringify(url('src/webhooks/certificates.js'))});
      const { X509Certificate } = await import('node:crypto');
      const metrics = await selfSignedKeyPair({ hosts: ['localhost'] });
      const notBefore = new Date();
      const ca = await issueCa({ commonName: 'test-ca', notBefore, notAfter: new Date(notBefore.getTime() + 3_600_000) });
      const serving = await issueServingCertificate(ca, { hosts: ['svc.ns.svc'], notBefore, notAfter: new Date(notBefore.getTime() + 60_000) });
      console.log('METRICS ' + new X509Certificate(metrics.cert).subject);
      console.log('SERVING ' + new X509Certificate(serving.cert).checkIssued(new X509Certificate(ca.cert)));
    `);
    assert.match(out, /METRICS CN=localhost/);
    assert.match(out, /SERVING true/);
    assert.doesNotMatch(out, /X509 /);
  });
});
