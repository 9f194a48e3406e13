import { isAbsolute, join, sep } from 'node:path';
import type { KubeConfigData, User } from './types.js';

/**
 * Makes the file paths of a kubeconfig absolute against `folder`, the folder of the file it came
 * from, as kubectl does: a relative `certificate-authority: ca.crt` means the `ca.crt` next to the
 * kubeconfig, not in the process's working directory.
 *
 * @remarks
 * The paths kubectl resolves: a cluster's `certificate-authority`; a user's `client-certificate`,
 * `client-key` and `tokenFile`; an exec plugin's `command` only when it holds a path separator
 * (`./bin/plugin`), since a bare name is looked up in `PATH`.
 */
export function resolvePaths(data: KubeConfigData, folder: string): KubeConfigData {
  const abs = (p: string | undefined) => (p && !isAbsolute(p) ? join(folder, p) : p);
  return {
    ...data,
    clusters: data.clusters.map((c) => ({ ...c, caFile: abs(c.caFile) })),
    users: data.users.map(
      (u): User => ({
        ...u,
        certFile: abs(u.certFile),
        keyFile: abs(u.keyFile),
        tokenFile: abs(u.tokenFile),
        exec: u.exec && {
          ...u.exec,
          command: u.exec.command?.includes(sep) ? abs(u.exec.command) : u.exec.command,
        },
      }),
    ),
  };
}
