import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { startControlPlane, stopDetachedControlPlane } from '../testkit/control-plane.js';

/** Where `operon cluster up` keeps its control plane unless `--dir` says otherwise. */
export function defaultClusterDir(): string {
  return process.env.OPERON_CLUSTER_DIR ?? join(homedir(), '.operon', 'cluster');
}

/** `operon cluster up|down|status`: a local control plane in the background, for people. */
export function clusterCommand(): Command {
  const cmd = new Command('cluster').description(
    'run a local Kubernetes control plane (etcd, kube-apiserver, kube-controller-manager) in the background',
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
    .action(async (opts: { dir: string }) => {
      const running = kubeconfigOf(opts.dir);
      if (running) {
        process.stdout.write(`${running}\n`);
        process.stderr.write(`already running; use it with: export KUBECONFIG=${running}\n`);
        return;
      }
      const cp = await startControlPlane({
        useExistingCluster: false,
        detached: true,
        dir: opts.dir,
        log: (l) => process.stderr.write(`${l}\n`),
      });
      process.stdout.write(`${cp.kubeconfigPath}\n`);
      process.stderr.write(
        `use it with: export KUBECONFIG=${cp.kubeconfigPath}\nstop it with: npx operon cluster down\n`,
      );
    });

  cmd
    .command('down')
    .description('stop it and remove its folder')
    .option(...dirOption)
    .action(async (opts: { dir: string }) => {
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
