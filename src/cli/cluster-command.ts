import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';

// The control plane's module (and @kubernetes/client-node, which it uses) is loaded only when a
// `cluster` command runs: every command shares this process's start-up, and `operon run` is what the
// generated Deployment runs, where client-node alone would add some 40 MiB of RSS.
const controlPlane = () => import('../testkit/control-plane.js');

/** Where `operon cluster up` keeps its control plane unless `--dir` says otherwise. */
export function defaultClusterDir(): string {
  return process.env.OPERON_CLUSTER_DIR ?? join(homedir(), '.operon', 'cluster');
}

/** `operon cluster up|down|status`: a local control plane in the background, for people. */
export function clusterCommand(): Command {
  const cmd = new Command('cluster').description(
    'run a local Kubernetes cluster (control plane, scheduler, simulated Nodes) in the background',
  );
  const dirOption = [
    '--dir <dir>',
    'folder for its certificates, data, logs and kubeconfig',
    defaultClusterDir(),
  ] as const;

  cmd
    .command('up')
    .description('start it (building it from Go modules on first use) and print the kubeconfig path')
    .option(...dirOption)
    .option('--nodes <count>', 'simulated Nodes (KWOK) to run Pods on', parseNodeCount, 3)
    .action(async (opts: { dir: string; nodes: number }) => {
      const running = kubeconfigOf(opts.dir);
      if (running) {
        process.stdout.write(`${running}\n`);
        process.stderr.write(`already running\n${clusterHints(running, opts.dir).join('\n')}\n`);
        return;
      }
      const { startControlPlane } = await controlPlane();
      const cp = await startControlPlane({
        useExistingCluster: false,
        detached: true,
        dir: opts.dir,
        nodes: opts.nodes,
        log: (l) => process.stderr.write(`${l}\n`),
      });
      process.stdout.write(`${cp.kubeconfigPath}\n`);
      process.stderr.write(`${clusterHints(cp.kubeconfigPath, opts.dir).join('\n')}\n`);
    });

  cmd
    .command('down')
    .description('stop it and remove its folder')
    .option(...dirOption)
    .action(async (opts: { dir: string }) => {
      const { stopDetachedControlPlane } = await controlPlane();
      const stopped = await stopDetachedControlPlane(opts.dir);
      process.stderr.write(stopped ? 'stopped\n' : `no local control plane is running in ${opts.dir}\n`);
    });

  cmd
    .command('status')
    .description('print the kubeconfig path if it is running (exit 1 if not)')
    .option(...dirOption)
    .action((opts: { dir: string }) => {
      const running = kubeconfigOf(opts.dir);
      if (!running) {
        process.stderr.write(`no local control plane is running in ${opts.dir}\n`);
        process.exitCode = 1;
        return;
      }
      process.stdout.write(`${running}\n`);
    });
  return cmd;
}

/**
 * What `operon cluster up` tells a person (on stderr) once the cluster runs: how to use it, check
 * it and stop it. The `status` and `down` commands carry `--dir` when the folder is not the
 * default one, so they find the same cluster.
 */
export function clusterHints(kubeconfigPath: string, dir: string): string[] {
  const flag = resolve(dir) === resolve(defaultClusterDir()) ? '' : ` --dir ${shellQuote(dir)}`;
  return [
    `use it with: export KUBECONFIG=${shellQuote(kubeconfigPath)}`,
    `check it with: npx operon cluster status${flag}`,
    `stop it with: npx operon cluster down${flag}`,
  ];
}

/** `value` as one shell word: as is when it is plain, else in single quotes. */
function shellQuote(value: string): string {
  return /^[A-Za-z0-9_./~:=@%+,-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

function parseNodeCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 100) {
    throw new InvalidArgumentError('expected a whole number of Nodes from 0 to 100.');
  }
  return n;
}

function kubeconfigOf(dir: string): string | undefined {
  const state = join(dir, 'state.json');
  if (!existsSync(state)) return undefined;
  const parsed = JSON.parse(readFileSync(state, 'utf8')) as { pids: { pid: number }[]; kubeconfig: string };
  const alive = parsed.pids.every(({ pid }) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  });
  return alive ? parsed.kubeconfig : undefined;
}
