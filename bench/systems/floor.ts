// The raw-write floor of the operators benchmark (bench/operators.ts): the least API work that gets
// the Widget workload into its converged state, from Node, 4 requests in flight. It does not watch
// and caches nothing: one LIST of the Widgets (UIDs for owner references, generations for
// observedGeneration), then per Widget
//   cold: POST ConfigMap, POST Service (headless), POST Deployment, merge-PATCH of /status;
//   edit: merge-PATCH of the ConfigMap's data, merge-PATCH of /status.
// Usage: node dist/bench/systems/floor.js cold|edit <namespace> (KUBECONFIG from the environment).
// Prints one JSON line {requests, cpuMs} and exits.
import { ApiClient, PatchType } from '../../src/runtime/api/api-client.js';
import { defaultKubeConfig } from '../../src/runtime/host/load-kubeconfig.js';

interface Widget {
  metadata: { name: string; uid: string; generation: number };
  spec: { replicas: number; data: string };
}

const IN_FLIGHT = 4;

async function main(): Promise<void> {
  const [phase, namespace] = process.argv.slice(2);
  if ((phase !== 'cold' && phase !== 'edit') || !namespace) {
    throw new Error('usage: floor.js cold|edit <namespace>');
  }
  const api = new ApiClient(defaultKubeConfig(), 'operon-bench-floor');
  const widgets = await api.request<{ items: Widget[] }>({
    method: 'GET',
    path: `/apis/bench.example/v1/namespaces/${namespace}/widgets`,
  });
  let requests = 1;
  const core = `/api/v1/namespaces/${namespace}`;
  const apps = `/apis/apps/v1/namespaces/${namespace}`;
  const one = async (w: Widget): Promise<void> => {
    const name = w.metadata.name;
    const labels = { app: 'widget', widget: name };
    const ownerReferences = [
      {
        apiVersion: 'bench.example/v1',
        kind: 'Widget',
        name,
        uid: w.metadata.uid,
        controller: true,
        blockOwnerDeletion: true,
      },
    ];
    const metadata = { name, labels, ownerReferences };
    if (phase === 'cold') {
      await api.request({
        method: 'POST',
        path: `${core}/configmaps`,
        body: { apiVersion: 'v1', kind: 'ConfigMap', metadata, data: { data: w.spec.data } },
      });
      await api.request({
        method: 'POST',
        path: `${core}/services`,
        body: {
          apiVersion: 'v1',
          kind: 'Service',
          metadata,
          spec: { clusterIP: 'None', selector: labels, ports: [{ name: 'http', port: 80 }] },
        },
      });
      await api.request({
        method: 'POST',
        path: `${apps}/deployments`,
        body: {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata,
          spec: {
            replicas: w.spec.replicas,
            selector: { matchLabels: labels },
            template: {
              metadata: { labels },
              spec: { containers: [{ name: 'app', image: 'registry.k8s.io/pause:3.10' }] },
            },
          },
        },
      });
      requests += 3;
    } else {
      await api.request({
        method: 'PATCH',
        path: `${core}/configmaps/${name}`,
        contentType: PatchType.merge,
        body: { data: { data: w.spec.data } },
      });
      requests += 1;
    }
    await api.request({
      method: 'PATCH',
      path: `/apis/bench.example/v1/namespaces/${namespace}/widgets/${name}/status`,
      contentType: PatchType.merge,
      body: { status: { observedGeneration: w.metadata.generation, children: 3 } },
    });
    requests += 1;
  };
  const queue = [...widgets.items];
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      for (let w = queue.shift(); w; w = queue.shift()) await one(w);
    }),
  );
  api.close();
  const cpu = process.cpuUsage();
  process.stdout.write(`${JSON.stringify({ requests, cpuMs: (cpu.user + cpu.system) / 1000 })}\n`);
}

await main();
