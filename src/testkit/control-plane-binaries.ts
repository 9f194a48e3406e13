import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OperonError } from '../errors/operon-error.js';

/** The binaries a local control plane runs, all compiled from Go modules by `controlplane/build.sh`. */
export interface ControlPlaneBinaries {
  /** Path of the `etcd` binary: the control plane's store. */
  etcd: string;
  /** Path of the `kube-apiserver` binary. */
  kubeApiserver: string;
  /** Path of the `kube-controller-manager` binary (garbage collection, Deployments, Jobs, ...). */
  kubeControllerManager: string;
  /** Path of the `kube-scheduler` binary, which binds Pods to the simulated Nodes. */
  kubeScheduler: string;
  /** KWOK's controller: simulated kubelets for fake Nodes. */
  kwok: string;
  /** KWOK's stage file (Node and Pod lifecycles), assembled by `build.sh`. */
  kwokStages: string;
  /**
   * Path of `operon-pki`, which writes the control plane's certificates and keys (CA, API server,
   * admin client, service-account signing) into a folder.
   */
  pki: string;
}

/**
 * Finds the control-plane binaries, building them first when needed (the first run takes minutes;
 * later runs reuse the cache under `~/.cache/operon/controlplane/`).
 *
 * @remarks
 * `OPERON_CONTROLPLANE_BIN` may name a folder that already holds the binaries and KWOK's stage file; otherwise
 * `controlplane/build.sh` of this package is run, and its progress lines are passed to `log`.
 */
export async function controlPlaneBinaries(
  log: (line: string) => void = () => {},
): Promise<ControlPlaneBinaries> {
  const fromEnv = process.env.OPERON_CONTROLPLANE_BIN;
  const dir = fromEnv ? resolve(fromEnv) : await build(log);
  const bins: ControlPlaneBinaries = {
    etcd: join(dir, 'etcd'),
    kubeApiserver: join(dir, 'kube-apiserver'),
    kubeControllerManager: join(dir, 'kube-controller-manager'),
    kubeScheduler: join(dir, 'kube-scheduler'),
    kwok: join(dir, 'kwok'),
    kwokStages: join(dir, 'kwok-stages.yaml'),
    pki: join(dir, 'operon-pki'),
  };
  const missing = Object.values(bins).filter((b) => !existsSync(b));
  if (missing.length > 0) {
    throw new OperonError(
      'CONTROL_PLANE',
      `Control-plane binaries missing: ${missing.join(', ')}. ${fromEnv ? 'Unset OPERON_CONTROLPLANE_BIN or point it at the output of controlplane/build.sh.' : 'Run controlplane/build.sh and check its output.'}`,
    );
  }
  return bins;
}

/** The `controlplane/` folder shipped with this package. */
export function controlPlaneSourceDir(): string {
  // dist/src/testkit/ → package root, whether run from the repository or from node_modules.
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, 'controlplane', 'build.sh'))) return join(dir, 'controlplane');
    dir = dirname(dir);
  }
  throw new OperonError('CONTROL_PLANE', 'Cannot find controlplane/build.sh next to the Operon package.');
}

function build(log: (line: string) => void): Promise<string> {
  const script = join(controlPlaneSourceDir(), 'build.sh');
  return new Promise((resolvePromise, reject) => {
    const child = spawn('bash', [script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const tail: string[] = [];
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    let partial = '';
    child.stderr.on('data', (d: Buffer) => {
      const lines = (partial + d.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        tail.push(line);
        if (tail.length > 30) tail.shift();
        log(line);
      }
    });
    child.on('error', (err) =>
      reject(new OperonError('CONTROL_PLANE', `Cannot run ${script}: ${err.message}`)),
    );
    child.on('close', (code) => {
      const dir = out.trim().split('\n').pop() ?? '';
      if (code === 0 && dir) resolvePromise(dir);
      else {
        reject(
          new OperonError(
            'CONTROL_PLANE',
            `Building the local control plane failed (exit ${code}). Last output:\n${tail.join('\n')}\n` +
              'The build needs Go >= 1.26 and the Go module proxy. To use an existing cluster instead, set OPERON_KUBECONFIG or KUBECONFIG.',
          ),
        );
      }
    });
  });
}
