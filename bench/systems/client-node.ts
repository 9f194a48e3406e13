// Hand-rolled @kubernetes/client-node peer of the operators benchmark (bench/operators.ts): what a
// team writes without a framework. client-node informers (one per type, all namespaces; children
// by label), a de-duplicating work queue with 4 workers, children created with POST and updated
// with PUT when a field it sets differs, the status written with PUT /status only when it changed.
// No Events. Usage: node dist/bench/systems/client-node.js (KUBECONFIG from the environment).
import {
  ApiException,
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  type KubernetesObject,
  makeInformer,
  type V1ConfigMap,
  type V1Deployment,
  type V1Service,
} from '@kubernetes/client-node';

interface Widget extends KubernetesObject {
  spec?: { replicas?: number; data?: string };
  status?: { observedGeneration?: number; children?: number };
}

const GROUP = 'bench.example';
const VERSION = 'v1';
const PLURAL = 'widgets';
const WORKERS = 4;
const SELECTOR = 'app=widget';

const kc = new KubeConfig();
kc.loadFromDefault();
const core = kc.makeApiClient(CoreV1Api);
const apps = kc.makeApiClient(AppsV1Api);
const custom = kc.makeApiClient(CustomObjectsApi);

const widgets = makeInformer<Widget>(kc, `/apis/${GROUP}/${VERSION}/${PLURAL}`, () =>
  custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL }),
);
const configMaps = makeInformer<V1ConfigMap>(
  kc,
  '/api/v1/configmaps',
  () => core.listConfigMapForAllNamespaces({ labelSelector: SELECTOR }),
  SELECTOR,
);
const services = makeInformer<V1Service>(
  kc,
  '/api/v1/services',
  () => core.listServiceForAllNamespaces({ labelSelector: SELECTOR }),
  SELECTOR,
);
const deployments = makeInformer<V1Deployment>(
  kc,
  '/apis/apps/v1/deployments',
  () => apps.listDeploymentForAllNamespaces({ labelSelector: SELECTOR }),
  SELECTOR,
);

// ---- work queue: a key is queued once, and never reconciled by two workers at once ----
const queue: string[] = [];
const queued = new Set<string>();
const active = new Set<string>();
const dirty = new Set<string>();
const waiting: (() => void)[] = [];

function enqueue(key: string): void {
  if (active.has(key)) {
    dirty.add(key);
    return;
  }
  if (queued.has(key)) return;
  queued.add(key);
  queue.push(key);
  waiting.shift()?.();
}

const keyOf = (o: KubernetesObject): string => `${o.metadata?.namespace}/${o.metadata?.name}`;
const onWidget = (w: Widget): void => enqueue(keyOf(w));
const onChild = (o: KubernetesObject): void => {
  const owner = o.metadata?.ownerReferences?.find((r) => r.controller && r.kind === 'Widget');
  if (owner) enqueue(`${o.metadata?.namespace}/${owner.name}`);
};
for (const verb of ['add', 'update', 'delete'] as const) {
  widgets.on(verb, onWidget);
  configMaps.on(verb, onChild);
  services.on(verb, onChild);
  deployments.on(verb, onChild);
}

async function worker(): Promise<void> {
  for (;;) {
    const key = queue.shift();
    if (key === undefined) {
      await new Promise<void>((r) => waiting.push(r));
      continue;
    }
    queued.delete(key);
    active.add(key);
    try {
      await reconcile(key);
    } catch (e) {
      const code = e instanceof ApiException ? e.code : 0;
      if (code !== 409)
        process.stderr.write(`reconcile ${key}: ${e instanceof Error ? e.message : String(e)}\n`);
      setTimeout(() => enqueue(key), code === 409 ? 10 : 500);
    } finally {
      active.delete(key);
      if (dirty.delete(key)) enqueue(key);
    }
  }
}

const ignoreExists = (e: unknown): void => {
  if (!(e instanceof ApiException && e.code === 409)) throw e;
};

async function reconcile(key: string): Promise<void> {
  const [namespace, name] = key.split('/');
  const w = widgets.get(name, namespace);
  if (!w?.metadata || w.metadata.deletionTimestamp) return;
  const data = w.spec?.data ?? '';
  const replicas = w.spec?.replicas ?? 1;
  const labels = { app: 'widget', widget: name };
  const ownerReferences = [
    {
      apiVersion: `${GROUP}/${VERSION}`,
      kind: 'Widget',
      name,
      uid: w.metadata.uid ?? '',
      controller: true,
      blockOwnerDeletion: true,
    },
  ];

  const cm = configMaps.get(name, namespace);
  if (!cm) {
    await core
      .createNamespacedConfigMap({
        namespace,
        body: { metadata: { name, labels, ownerReferences }, data: { data } },
      })
      .catch(ignoreExists);
  } else if (cm.data?.data !== data) {
    await core.replaceNamespacedConfigMap({ name, namespace, body: { ...cm, data: { ...cm.data, data } } });
  }
  if (!services.get(name, namespace)) {
    await core
      .createNamespacedService({
        namespace,
        body: {
          metadata: { name, labels, ownerReferences },
          spec: { clusterIP: 'None', selector: labels, ports: [{ name: 'http', port: 80 }] },
        },
      })
      .catch(ignoreExists);
  }
  const dep = deployments.get(name, namespace);
  if (!dep) {
    await apps
      .createNamespacedDeployment({
        namespace,
        body: {
          metadata: { name, labels, ownerReferences },
          spec: {
            replicas,
            selector: { matchLabels: labels },
            template: {
              metadata: { labels },
              spec: { containers: [{ name: 'app', image: 'registry.k8s.io/pause:3.10' }] },
            },
          },
        },
      })
      .catch(ignoreExists);
  } else if (dep.spec && dep.spec.replicas !== replicas) {
    await apps.replaceNamespacedDeployment({
      name,
      namespace,
      body: { ...dep, spec: { ...dep.spec, replicas } },
    });
  }

  if (w.status?.observedGeneration !== w.metadata.generation || w.status?.children !== 3) {
    await custom.replaceNamespacedCustomObjectStatus({
      group: GROUP,
      version: VERSION,
      namespace,
      plural: PLURAL,
      name,
      body: { ...w, status: { ...w.status, observedGeneration: w.metadata.generation, children: 3 } },
    });
  }
}

await Promise.all([widgets.start(), configMaps.start(), services.start(), deployments.start()]);
for (let i = 0; i < WORKERS; i++) void worker();
process.stdout.write('ready\n');
const stop = (): void => {
  void Promise.all([widgets.stop(), configMaps.stop(), services.stop(), deployments.stop()]).finally(() =>
    process.exit(0),
  );
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
