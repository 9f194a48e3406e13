import { Command } from 'commander';
import { OperonError } from '../errors/operon-error.js';
import { ApiClient, PatchType } from '../runtime/api/api-client.js';
import { ApiError } from '../runtime/api/api-error.js';
import { defaultKubeConfig } from '../runtime/host/load-kubeconfig.js';
import { ALLOW_DELETIONS_ANNOTATION } from '../types/deletion-budget.js';
import type { KubeObject } from '../types/kube-object.js';
import { UsageError } from './cli-errors.js';

/** One resource of the API server's discovery, as far as finding a kind by name needs it. */
interface DiscoveredResource {
  name: string;
  singularName?: string;
  kind: string;
  namespaced: boolean;
  shortNames?: string[];
}

/**
 * `operon approve <kind>/<name>`: releases the deletions the deletion budget held for one parent,
 * by setting `operon.dev/allow-deletions` to the parent's current generation (what
 * `kubectl annotate` would do, without having to look the generation up).
 */
export function approveCommand(): Command {
  return new Command('approve')
    .description('release the child deletions Operon held for a parent (for its current generation)')
    .argument('<kind/name>', 'the parent, e.g. echoserver/web (kind, plural or short name, as kubectl takes)')
    .option('-n, --namespace <namespace>', 'namespace of a namespaced parent', 'default')
    .action(async (target: string, opts: { namespace: string }) => {
      const [what, name, extra] = target.split('/');
      if (!what || !name || extra !== undefined) {
        throw new UsageError(`expected <kind>/<name>, e.g. echoserver/web; got "${target}"`);
      }
      const api = new ApiClient(defaultKubeConfig(), 'operon-approve');
      try {
        const { path, resource } = await findResource(api, what);
        const objectPath = resource.namespaced
          ? `${path}/namespaces/${opts.namespace}/${resource.name}/${name}`
          : `${path}/${resource.name}/${name}`;
        const parent = await api.request<KubeObject>({ method: 'GET', path: objectPath }).catch((e) => {
          if (!ApiError.isNotFound(e)) throw e;
          const where = resource.namespaced ? ` in namespace "${opts.namespace}"` : '';
          throw new OperonError('API_ERROR', `${resource.kind} "${name}"${where} does not exist.`);
        });
        const generation = parent.metadata?.generation;
        // A test of the generation makes the consent exactly for the spec that was looked at.
        await api.request({
          method: 'PATCH',
          path: objectPath,
          contentType: PatchType.json,
          body: [
            { op: 'test', path: '/metadata/generation', value: generation },
            {
              op: 'add',
              path: parent.metadata?.annotations
                ? '/metadata/annotations/operon.dev~1allow-deletions'
                : '/metadata/annotations',
              value: parent.metadata?.annotations
                ? String(generation)
                : { [ALLOW_DELETIONS_ANNOTATION]: String(generation) },
            },
          ],
        });
        process.stdout.write(
          `approved the held deletions of ${resource.kind} ${name} for generation ${generation}; ` +
            'a later spec change needs its own approval\n',
        );
      } finally {
        api.close();
      }
    });
}

/** Finds a resource by kind, plural, singular or short name (case-insensitive) in discovery. */
async function findResource(
  api: ApiClient,
  what: string,
): Promise<{ path: string; resource: DiscoveredResource }> {
  const wanted = what.toLowerCase();
  const matches = (r: DiscoveredResource) =>
    !r.name.includes('/') &&
    (r.kind.toLowerCase() === wanted ||
      r.name === wanted ||
      r.singularName === wanted ||
      (r.shortNames ?? []).includes(wanted));
  const groups = await api.request<{ groups: { preferredVersion: { groupVersion: string } }[] }>({
    method: 'GET',
    path: '/apis',
  });
  const paths = ['/api/v1', ...groups.groups.map((g) => `/apis/${g.preferredVersion.groupVersion}`)];
  for (const path of paths) {
    const list = await api.request<{ resources: DiscoveredResource[] }>({ method: 'GET', path });
    const resource = list.resources.find(matches);
    if (resource) return { path, resource };
  }
  throw new UsageError(`the cluster has no resource type named "${what}" (try its kind, e.g. echoserver)`);
}
