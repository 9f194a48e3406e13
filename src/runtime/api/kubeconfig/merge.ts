import type { KubeConfigData } from './types.js';

/**
 * Merges `later` into `earlier` the way kubectl merges the files of a `KUBECONFIG` list: the first
 * file to define a cluster, user or context name wins (the later entry of that name is dropped
 * whole, not merged field by field), and `current-context` comes from the first file that sets it.
 *
 * @remarks
 * client-node's `mergeConfig` differs: it throws on a duplicate name and lets the later file's
 * `current-context` win. Operon follows kubectl, so that `KUBECONFIG=a:b` means the same to both.
 */
export function mergeKubeConfigs(earlier: KubeConfigData, later: KubeConfigData): KubeConfigData {
  return {
    clusters: firstWins(earlier.clusters, later.clusters),
    users: firstWins(earlier.users, later.users),
    contexts: firstWins(earlier.contexts, later.contexts),
    currentContext: earlier.currentContext || later.currentContext,
  };
}

function firstWins<T extends { readonly name: string }>(earlier: readonly T[], later: readonly T[]): T[] {
  const names = new Set(earlier.map((e) => e.name));
  return [...earlier, ...later.filter((e) => !names.has(e.name))];
}
