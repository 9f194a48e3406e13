// `npm run demo`: the EchoServer operator against the local control plane (or the cluster in
// OPERON_KUBECONFIG / KUBECONFIG), narrated. Ctrl-C tears it all down. `--once` exits after the tour.
import 'reflect-metadata';
import { Writable } from 'node:stream';
import type { V1Pod, V1Service } from '@kubernetes/client-node';
import { Container } from 'inversify';
import { type OperonApp, runOperators } from 'operon';
import { declarationsFromClasses, generateCrds } from 'operon/generate';
import { ApiClient, ApiError } from 'operon/runtime';
import { installCrds, startControlPlane } from 'operon/testkit';
import { pino } from 'pino';
import { EchoImage, EchoServerOperator, type EchoServerStatus } from './echo-server.js';

const once = process.argv.includes('--once');
const namespace = process.env.DEMO_NAMESPACE ?? 'operon-demo';
const say = (line: string) => process.stdout.write(`\n▶ ${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Operon logs JSON; the demo shows each line as "  [operator] message".
const logLines = new Writable({
  write(chunk: Buffer, _enc, done) {
    for (const line of chunk.toString().split('\n').filter(Boolean)) {
      const { msg, operator, name } = JSON.parse(line) as { msg: string; operator?: string; name?: string };
      if (operator) process.stdout.write(`  [${operator}${name ? ` ${name}` : ''}] ${msg}\n`);
    }
    done();
  },
});

say(
  'Starting a local cluster: API server, controllers, scheduler and 3 simulated Nodes (or use OPERON_KUBECONFIG / KUBECONFIG; the first local run compiles it from Go modules, about 10 minutes on 2 cores)',
);
const cp = await startControlPlane({ log: (l) => process.stdout.write(`  ${l}\n`) });
const api = new ApiClient(cp.kubeConfig, 'operon-demo');
let app: OperonApp | undefined;

async function shutdown(code: number): Promise<never> {
  say('Stopping the operator and the control plane');
  await app?.stop();
  api.close();
  await cp.stop();
  process.exit(code);
}
process.once('SIGINT', () => void shutdown(0));
process.once('SIGTERM', () => void shutdown(0));

try {
  // The CRD is generated from the operator's declaration, exactly as `operon crd` prints it.
  const crds = generateCrds(declarationsFromClasses([EchoServerOperator]));
  say('Installing the EchoServer CRD (generated from EchoServerSpec)');
  await installCrds(cp.kubeConfig, crds);
  await api
    .request({
      method: 'POST',
      path: '/api/v1/namespaces',
      body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
    })
    .catch((e) => {
      if (!ApiError.isAlreadyExists(e)) throw e;
    });

  say(`Running the operator (watching namespace ${namespace})`);
  const container = new Container();
  container.bind(EchoImage).toSelf();
  container.bind(EchoServerOperator).toSelf();
  // embedded: the demo handles Ctrl-C itself and serves no probes or metrics.
  app = await runOperators(container, {
    embedded: true,
    kubeConfig: cp.kubeConfig,
    namespaces: [namespace],
    logger: pino({ level: 'info' }, logLines),
  });

  const base = `/apis/example.com/v1alpha1/namespaces/${namespace}/echoservers`;
  await api.request({ method: 'DELETE', path: `${base}/hello` }).catch(() => undefined);
  await waitFor(async () => !(await get(`${base}/hello`)));

  say('Creating EchoServer "hello": message "Hello from Operon", 2 replicas');
  await api.request({
    method: 'POST',
    path: base,
    body: {
      apiVersion: 'example.com/v1alpha1',
      kind: 'EchoServer',
      metadata: { name: 'hello' },
      spec: { message: 'Hello from Operon', replicas: 2 },
    },
  });
  await showConverged(2, 'Hello from Operon');

  say('Editing it: message "Edited", 3 replicas. Pods use the recreate strategy, the Service replace');
  await api.request({
    method: 'PATCH',
    path: `${base}/hello`,
    contentType: 'application/merge-patch+json',
    body: { spec: { message: 'Edited', replicas: 3 } },
  });
  await showConverged(3, 'Edited');

  say('Deleting it: the finalizer runs, then the garbage collector removes the children');
  await api.request({ method: 'DELETE', path: `${base}/hello` });
  await waitFor(async () => !(await get(`${base}/hello`)) && (await pods()).length === 0);
  say('EchoServer and its Pods are gone');

  if (once) await shutdown(0);
  say(
    `The operator keeps running. Try: KUBECONFIG=${cp.kubeconfigPath} kubectl -n ${namespace} get echoservers,pods,svc (Ctrl-C to stop)`,
  );
} catch (e) {
  process.stderr.write(`\ndemo failed: ${e instanceof Error ? e.message : String(e)}\n`);
  await shutdown(1);
}

async function get<T = unknown>(path: string): Promise<T | undefined> {
  try {
    return await api.request<T>({ method: 'GET', path });
  } catch (e) {
    if (ApiError.isNotFound(e)) return undefined;
    throw e;
  }
}

async function pods(): Promise<V1Pod[]> {
  const list = await api.request<{ items: V1Pod[] }>({
    method: 'GET',
    path: `/api/v1/namespaces/${namespace}/pods`,
    query: { labelSelector: 'example.com/echo-server=hello' },
  });
  return list.items;
}

async function showConverged(replicas: number, message: string): Promise<void> {
  await waitFor(async () => {
    const es = await get<{
      metadata: { generation: number };
      status?: EchoServerStatus & { observedGeneration?: number };
    }>(`/apis/example.com/v1alpha1/namespaces/${namespace}/echoservers/hello`);
    const current = await pods();
    return (
      es?.status?.observedGeneration === es?.metadata.generation &&
      es?.status?.pods === replicas &&
      es?.status?.readyPods === replicas &&
      current.length === replicas &&
      current.every((p) => p.spec?.containers[0].args?.[0] === `-text=${message}`)
    );
  });
  const es = await get<{ status: EchoServerStatus }>(
    `/apis/example.com/v1alpha1/namespaces/${namespace}/echoservers/hello`,
  );
  const svc = await get<V1Service>(`/api/v1/namespaces/${namespace}/services/hello`);
  for (const p of await pods())
    process.stdout.write(
      `  Pod ${p.metadata?.name}  uid ${p.metadata?.uid?.slice(0, 8)}  ${p.status?.phase} on ${p.spec?.nodeName} ` +
        `ip ${p.status?.podIP}  ${p.spec?.containers[0].args?.[0]}\n`,
    );
  process.stdout.write(
    `  Service ${svc?.metadata?.name}  uid ${svc?.metadata?.uid?.slice(0, 8)}  clusterIP ${svc?.spec?.clusterIP}\n`,
  );
  process.stdout.write(
    `  status: ${JSON.stringify({ pods: es?.status.pods, readyPods: es?.status.readyPods, service: es?.status.service })}\n`,
  );
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s`);
    await sleep(200);
  }
}
