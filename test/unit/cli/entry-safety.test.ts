// `operon` imports the entry module: one that starts operators when imported is refused at once
// (exit 2), instead of hanging `operon crd` or running every operator twice under `operon run`.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  entryStartsOperatorsMessage,
  refuseStartWhileLoadingEntry,
  whileLoadingEntry,
} from '../../../src/runtime/host/start-guard.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..', '..');
const bin = join(root, 'bin', 'operon.js');
const entry = (name: string) => relative(root, join(here, 'entries', `${name}.js`));
const home = mkdtempSync(join(tmpdir(), 'operon-entry-home-'));
after(() => rmSync(home, { recursive: true, force: true }));

/** The command in a child process, with no cluster configured, killed after 15 s if it hangs. */
function operon(...args: string[]): { code: number | null; stdout: string; stderr: string; ms: number } {
  const { KUBECONFIG: _k, KUBERNETES_SERVICE_HOST: _h, ...env } = process.env;
  const started = Date.now();
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...env, HOME: home },
    timeout: 15_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, ms: Date.now() - started };
}

const refusal = (name: string, what = 'Operon.run') =>
  new RegExp(
    `^operon: ${entry(name).replaceAll('.', '\\.')} starts operators when it is imported \\(${what.replace('.', '\\.')} at top level\\)\\. Move that call into a separate main module \\(see the README, "An operator": one module declares the operators, another runs them\\) and point operon at the module that only defines the operators\\.$`,
    'm',
  );

describe('an entry module that starts operators when imported', () => {
  for (const command of ['crd', 'rbac', 'manifests', 'run']) {
    it(`is refused by \`operon ${command}\` with exit 2, within seconds`, () => {
      const extra = command === 'manifests' ? ['--image', 'img:1', '--namespace', 'ops'] : [];
      const r = operon(command, entry('top-level-run'), ...extra);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, refusal('top-level-run'));
      assert.ok(r.ms < 10_000, `took ${r.ms} ms`);
    });
  }

  it('is refused when it swallows the failure and keeps the process up', () => {
    const r = operon('crd', entry('swallowed-run'));
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, refusal('swallowed-run'));
    assert.equal(r.stdout, '', 'nothing generated');
    assert.ok(r.ms < 10_000, `took ${r.ms} ms`);
  });

  it('is refused when its main() starts them after the import has finished', () => {
    const run = operon('run', entry('deferred-run'), '--health-port', '0', '--metrics-port', '0');
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, refusal('deferred-run'));
    assert.doesNotMatch(run.stderr, /main failed/, 'the command ends before the module handles it');
    const crd = operon('crd', entry('deferred-run'));
    assert.equal(crd.code, 2, crd.stderr);
    assert.match(crd.stderr, refusal('deferred-run'));
  });

  it('a main module importing the operators is refused as well: point operon at the other one', () => {
    const main = operon('crd', entry('main'));
    assert.equal(main.code, 2, main.stderr);
    assert.match(main.stderr, refusal('main', 'runOperators'));
    const definitions = operon('crd', entry('defines-only'));
    assert.equal(definitions.code, 0, definitions.stderr);
    assert.match(definitions.stdout, /name: greetings\.guard\.example\.com/);
  });

  it('is refused when it calls runOperators at top level', () => {
    const r = operon('crd', entry('run-operators'));
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, refusal('run-operators', 'runOperators'));
  });

  it('is refused when it starts an OperonHost at top level', () => {
    const r = operon('crd', entry('host-start'));
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, refusal('host-start', 'OperonHost.start'));
  });
});

describe('refuseStartWhileLoadingEntry', () => {
  it('does nothing outside an entry load', () => {
    refuseStartWhileLoadingEntry('Operon.run');
  });

  it('throws inside the load, and in everything the load defers, and reports each attempt', async () => {
    const seen: string[] = [];
    let deferred: Promise<void> | undefined;
    await whileLoadingEntry(
      'app.js',
      (what) => seen.push(what),
      async () => {
        assert.throws(() => refuseStartWhileLoadingEntry('Operon.run'), {
          code: 'NOT_STARTED',
          message: entryStartsOperatorsMessage('app.js', 'Operon.run'),
        });
        deferred = new Promise<void>((resolve) => setTimeout(resolve, 10)).then(() =>
          refuseStartWhileLoadingEntry('runOperators'),
        );
      },
    );
    refuseStartWhileLoadingEntry('Operon.run'); // the loader's own context is free
    await assert.rejects(
      deferred as Promise<void>,
      /app\.js starts operators when it is imported \(runOperators/,
    );
    assert.deepEqual(seen, ['Operon.run', 'runOperators']);
  });
});
