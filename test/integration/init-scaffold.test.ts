// `npx operon init` end to end, as a new user gets it: Operon packed as npm would publish it, a
// project scaffolded with the packed command, its dependencies installed from the npm registry, and
// its own `npm test` (unit test + integration test) passing against the test cluster.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

interface Run {
  code: number;
  output: string;
  ms: number;
}

/**
 * Runs a command and collects its output. The environment is cleaned of what the outer test run
 * sets: node's test runner context (a nested `node --test` would report to it instead of printing)
 * and npm's script variables (the scaffold's npm must read its own package.json and config).
 */
function run(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}): Promise<Run> {
  const clean: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k === 'NODE_TEST_CONTEXT' || k.toLowerCase().startsWith('npm_')) continue;
    clean[k] = v;
  }
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env: { ...clean, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code, signal) =>
      resolve({ code: code ?? (signal ? 1 : 0), output, ms: Date.now() - started }),
    );
  });
}

const expectOk = (what: string, r: Run) =>
  assert.equal(r.code, 0, `${what} failed (exit ${r.code}):\n${r.output}`);
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

describe('operon init, end to end', () => {
  it('scaffolds a project whose npm install, build and npm test pass against the test cluster', {
    timeout: 600_000,
  }, async (t) => {
    const kubeconfig = process.env.OPERON_TEST_KUBECONFIG;
    assert.ok(kubeconfig, 'OPERON_TEST_KUBECONFIG is not set: run integration tests through `npm test`');
    const tmp = mkdtempSync(join(tmpdir(), 'operon-init-'));
    let passed = false;
    try {
      // Operon as npm would publish it (dist is built already, so no prepare/prepack build).
      const pack = await run(
        'npm',
        ['pack', '--pack-destination', tmp, '--ignore-scripts', '--silent'],
        root,
      );
      expectOk('npm pack', pack);
      t.diagnostic(`npm pack: ${seconds(pack.ms)}`);
      const tarball = readdirSync(tmp).find((f) => /^operon-.*\.tgz$/.test(f));
      assert.ok(tarball, `npm pack left no operon-*.tgz in ${tmp}:\n${pack.output}`);

      const project = join(tmp, 'demo-op');
      const init = await run(
        process.execPath,
        [join(root, 'bin', 'operon.js'), 'init', 'demo-op', '--dir', project],
        root,
      );
      expectOk('operon init', init);
      t.diagnostic(`operon init: ${seconds(init.ms)}`);
      assert.match(init.output, /npm install && npm test/);

      // The packed Operon plus the scaffold's other dependencies, from the registry.
      const install = await run('npm', ['install', '--no-audit', '--no-fund', join(tmp, tarball)], project);
      expectOk('npm install', install);
      t.diagnostic(`npm install: ${seconds(install.ms)}`);

      const build = await run('npm', ['run', 'build', '--silent'], project);
      expectOk('npm run build', build);
      t.diagnostic(`npm run build: ${seconds(build.ms)}`);

      // The scaffold's integration test reuses this run's cluster instead of starting its own.
      const test = await run('npm', ['test'], project, { OPERON_KUBECONFIG: kubeconfig });
      t.diagnostic(`npm test: ${seconds(test.ms)}`);
      expectOk('npm test', test);
      const count = (label: string) => Number(new RegExp(`^ℹ ${label} (\\d+)$`, 'm').exec(test.output)?.[1]);
      assert.equal(count('fail'), 0, test.output);
      assert.equal(count('cancelled'), 0, test.output);
      assert.ok(count('pass') >= 4, `expected the unit and integration tests to pass:\n${test.output}`);
      assert.match(
        test.output,
        /using the existing cluster in /,
        'the scaffold should reuse the test cluster',
      );
      assert.match(test.output, /✔ writes the greeting into a ConfigMap and reports Synced=True/);
      passed = true;
    } finally {
      if (passed) rmSync(tmp, { recursive: true, force: true });
      else t.diagnostic(`left the scaffold in ${tmp} for a look`);
    }
  });
});
