// The measured process of related-heap.ts: one host, measured once every parent is Synced.
// Imports only what an operator process imports (no client-node, no test kit), so the absolute
// numbers are an operator's, not a test harness's.
import type { OperatorConfig } from '../../src/config/operator-config.js';
import { relatedRef } from '../../src/config/related-ref.js';
import { ApiClient, OperonKubeConfig } from '../../src/runtime/api/api-client.js';
import { OperonHost } from '../../src/runtime/host/operon-host.js';
import { Secret } from '../../src/types/builtins.js';
import { customResource } from '../../src/types/custom-resource.js';
import type { KubeObject } from '../../src/types/kube-object.js';
import type { Parent } from '../../src/types/sync.js';

/** Parents in the namespace (each references one Secret). */
export const REFERENCED = 10;

interface DbSpec {
  passwordSecret: string;
}
export const Database = customResource<DbSpec>({
  group: 'heap.operon.test',
  version: 'v1',
  kind: 'Database',
});
const password = relatedRef(Secret, (db: Parent<DbSpec>) => ({ name: db.spec.passwordSecret }), 'password');

/** The operator, with or without its relation to Secrets. */
export function heapConfig(withRelation: boolean): OperatorConfig<unknown> {
  return {
    name: 'heap-db',
    parent: { type: Database },
    children: [],
    ...(withRelation ? { related: [password] } : {}),
    sync: (req) => ({
      children: [],
      status: { password: withRelation ? (req.related(password) ? 'found' : 'missing') : 'not read' },
    }),
  };
}

/**
 * What a child reports: memory, the Secrets its shared caches know (by metadata, or whole), and how
 * many of those cached copies carry data.
 */
export type Measured = NodeJS.MemoryUsage & { secretsCached: number; secretsWithData: number };

type Db = KubeObject & { status?: { conditions?: { type: string; status: string }[] } };

async function measure(variant: string, kubeconfigPath: string, namespace: string): Promise<void> {
  const kubeConfig = new OperonKubeConfig();
  kubeConfig.loadFromFile(kubeconfigPath);
  const host = new OperonHost([heapConfig(variant === 'with')], {
    kubeConfig,
    namespaces: [namespace],
    resyncIntervalMs: 0,
  });
  await host.start();
  const api = new ApiClient(kubeConfig, 'heap-probe');
  for (;;) {
    const list = await api.request<{ items: Db[] }>({
      method: 'GET',
      path: `/apis/heap.operon.test/v1/namespaces/${namespace}/databases`,
    });
    const synced = (d: Db) => d.status?.conditions?.some((c) => c.type === 'Synced' && c.status === 'True');
    if (list.items.length === REFERENCED && list.items.every(synced)) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  api.close();
  await new Promise((r) => setTimeout(r, 2000));
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  gc();
  gc();
  const secretInformers = host.sharedInformers().filter((i) => i.type.kind === 'Secret');
  const secretsCached = secretInformers.reduce((n, i) => n + i.store.size, 0);
  const secretsWithData = secretInformers.reduce(
    (n, i) => n + i.store.list().filter((s) => 'data' in s).length,
    0,
  );
  const measured: Measured = { ...process.memoryUsage(), secretsCached, secretsWithData };
  process.stdout.write(`${JSON.stringify(measured)}\n`);
  await host.stop();
}

const [variant, kubeconfigPath, namespace] = process.argv.slice(2);
if (variant && kubeconfigPath && namespace) await measure(variant, kubeconfigPath, namespace);
