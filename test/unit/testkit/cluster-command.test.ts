import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { clusterCommand, clusterHints, defaultClusterDir } from '../../../src/cli/cluster-command.js';

/** Runs `operon cluster <args>` and returns what it wrote to stdout and stderr. */
async function run(...args: string[]): Promise<{ out: string; err: string }> {
  let out = '';
  let err = '';
  const write = { out: process.stdout.write, err: process.stderr.write };
  process.stdout.write = ((chunk: string) => {
    out += chunk;
    return true;
  }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string) => {
    err += chunk;
    return true;
  }) as typeof process.stderr.write;
  try {
    await clusterCommand().exitOverride().parseAsync(args, { from: 'user' });
  } finally {
    process.stdout.write = write.out;
    process.stderr.write = write.err;
  }
  return { out, err };
}

describe('operon cluster hints', () => {
  const dir = mkdtempSync(join(tmpdir(), 'operon cluster '));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('name the folder in the stop and status hints when it is not the default', () => {
    assert.deepEqual(clusterHints('/tmp/c/kubeconfig', '/tmp/c'), [
      'use it with: export KUBECONFIG=/tmp/c/kubeconfig',
      'check it with: npx operon cluster status --dir /tmp/c',
      'stop it with: npx operon cluster down --dir /tmp/c',
    ]);
  });

  it('leave --dir out for the default folder', () => {
    const hints = clusterHints(join(defaultClusterDir(), 'kubeconfig'), defaultClusterDir());
    assert.equal(hints[2], 'stop it with: npx operon cluster down');
    assert.equal(hints[1], 'check it with: npx operon cluster status');
  });

  it('quote a folder the shell would split', () => {
    assert.equal(
      clusterHints('/k', "/tmp/my dir's")[2],
      `stop it with: npx operon cluster down --dir '/tmp/my dir'\\''s'`,
    );
  });

  it('are printed by `cluster up --dir X` when it already runs there', async () => {
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(
      join(dir, 'state.json'),
      JSON.stringify({ pids: [{ name: 'test', pid: process.pid }], kubeconfig }),
    );
    const { out, err } = await run('up', '--dir', dir);
    assert.equal(out, `${kubeconfig}\n`);
    assert.match(err, /^already running\n/);
    assert.ok(err.includes(`stop it with: npx operon cluster down --dir '${dir}'\n`), err);
    assert.ok(err.includes(`check it with: npx operon cluster status --dir '${dir}'\n`), err);
    assert.ok(err.includes(`export KUBECONFIG='${kubeconfig}'`), err);
    assert.equal((await run('status', '--dir', dir)).out, `${kubeconfig}\n`);
  });
});
