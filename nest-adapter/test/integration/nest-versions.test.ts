// @operon/nest accepts Nest 11 and Nest 12 (its peer range): for each, the packed packages are
// installed from their tarballs into a fresh project with that Nest major from the registry, and a
// plain-JavaScript Nest app with one operator converges a parent on the test cluster.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const adapterRoot = fileURLToPath(new URL('../../../', import.meta.url));
const repoRoot = join(adapterRoot, '..');

// The app a Nest user would write, without TypeScript: decorators applied as functions.
const APP = `
import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { OperonModule } from '@operon/nest';
import { Child, customResource, Operator, Sync } from 'operon';
import { ConfigMap } from 'operon/types';
import { installOperatorCrds } from 'operon/testkit';
import { KubeConfig } from '@kubernetes/client-node';

const Note = customResource({ group: 'nestver.operon.test', version: 'v1', kind: 'Note' });
class NoteOperator {
  sync(req) {
    return { children: [this.pages.desired({ metadata: { name: req.parent.metadata.name }, data: { text: 'hi' } })] };
  }
}
Injectable()(NoteOperator);
Operator({ parent: Note })(NoteOperator);
Child(ConfigMap)(NoteOperator.prototype, 'pages');
Sync()(NoteOperator.prototype, 'sync', Object.getOwnPropertyDescriptor(NoteOperator.prototype, 'sync'));

const kubeConfig = new KubeConfig();
kubeConfig.loadFromFile(process.env.KC);
const ns = process.env.NS;
class AppModule {}
Module({ imports: [OperonModule.forRoot({ kubeConfig, namespaces: [ns] })], providers: [NoteOperator] })(AppModule);

await installOperatorCrds(kubeConfig, [NoteOperator]);
const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
const { ApiClient } = await import('operon/runtime');
const api = new ApiClient(kubeConfig);
await api.request({ method: 'POST', path: '/apis/nestver.operon.test/v1/namespaces/' + ns + '/notes',
  body: { apiVersion: 'nestver.operon.test/v1', kind: 'Note', metadata: { name: 'n1' }, spec: {} } });
const deadline = Date.now() + 30000;
for (;;) {
  try {
    const cm = await api.request({ method: 'GET', path: '/api/v1/namespaces/' + ns + '/configmaps/n1' });
    if (cm.data?.text === 'hi') break;
  } catch {}
  if (Date.now() > deadline) { console.error('not converged'); process.exit(1); }
  await new Promise((r) => setTimeout(r, 200));
}
api.close();
await app.close();
const { readFileSync } = await import('node:fs');
console.log('converged with Nest', JSON.parse(readFileSync('node_modules/@nestjs/core/package.json', 'utf8')).version);
`;

describe('@operon/nest with each supported Nest major', () => {
  let tmp: string;
  const tarballs: string[] = [];
  before(() => {
    tmp = mkdtempSync(join(tmpdir(), 'operon-nest-versions-'));
    // dist is built by `npm test` already: pack without running the build again.
    for (const dir of [repoRoot, adapterRoot]) {
      execFileSync('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', tmp], { cwd: dir });
    }
    tarballs.push(
      ...readdirSync(tmp)
        .filter((f) => f.endsWith('.tgz'))
        .map((f) => join(tmp, f)),
    );
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  for (const major of [11, 12]) {
    it(`boots an app and converges a parent with Nest ${major}`, { timeout: 300_000 }, (t) => {
      const dir = join(tmp, `nest${major}`);
      mkdirSync(dir);
      writeFileSync(
        join(dir, 'package.json'),
        JSON.stringify({ name: `nest${major}`, private: true, type: 'module' }),
      );
      writeFileSync(join(dir, 'app.mjs'), APP);
      const started = Date.now();
      const install = spawnSync(
        'npm',
        [
          'install',
          '--no-audit',
          '--no-fund',
          ...tarballs,
          `@nestjs/common@${major}`,
          `@nestjs/core@${major}`,
          'rxjs@7',
          'reflect-metadata@0.2',
        ],
        { cwd: dir, encoding: 'utf8' },
      );
      assert.equal(install.status, 0, install.stderr);
      t.diagnostic(`npm install with Nest ${major}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
      const ns = `nestver-${major}-${Date.now().toString(36)}`;
      const kc = process.env.OPERON_TEST_KUBECONFIG ?? '';
      const run = spawnSync(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `import { KubeConfig, CoreV1Api } from '@kubernetes/client-node';
           const kc = new KubeConfig(); kc.loadFromFile(process.env.KC);
           await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: process.env.NS } } });`,
        ],
        { cwd: dir, encoding: 'utf8', env: { ...process.env, KC: kc, NS: ns } },
      );
      assert.equal(run.status, 0, run.stderr);
      const app = spawnSync(process.execPath, ['app.mjs'], {
        cwd: dir,
        encoding: 'utf8',
        env: { ...process.env, KC: kc, NS: ns },
        timeout: 120_000,
      });
      assert.equal(app.status, 0, `${app.stdout}\n${app.stderr}`);
      assert.match(app.stdout, new RegExp(`converged with Nest ${major}\\.`));
    });
  }
});
