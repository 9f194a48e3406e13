import type { KubeConfig, V1Node } from '@kubernetes/client-node';
import { ApiClient } from '../runtime/api/api-client.js';
import { ApiError } from '../runtime/api/api-error.js';
import { type ManagedProcess, waitReady } from './processes.js';

/** KWOK manages (plays the kubelet of) the Nodes carrying this annotation with the value `fake`. */
export const KWOK_NODE_ANNOTATION = 'kwok.x-k8s.io/node';

/**
 * A fake Node as KWOK documents it. Without the `NoSchedule` taint KWOK's docs suggest, so that
 * ordinary workloads schedule onto it as they would onto a real node.
 *
 * @remarks
 * Both an `InternalIP` and a `Hostname` address: KWOK's node-initialize stage rewrites
 * `status.addresses` unless both are present, which left Pods with an empty `hostIP`. The
 * addresses are in 192.0.2.0/24 (TEST-NET-1), which no traffic ever goes to.
 */
export function kwokNode(index: number): V1Node {
  const name = `kwok-node-${index}`;
  const cidr = `10.244.${index}.0/24`;
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      annotations: { [KWOK_NODE_ANNOTATION]: 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
      labels: {
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'beta.kubernetes.io/os': 'linux',
        'beta.kubernetes.io/arch': 'amd64',
        'kubernetes.io/role': 'agent',
        'node-role.kubernetes.io/agent': '',
        type: 'kwok',
      },
    },
    spec: { podCIDR: cidr, podCIDRs: [cidr] },
    status: {
      addresses: [
        { type: 'InternalIP', address: `192.0.2.${index + 1}` },
        { type: 'Hostname', address: name },
      ],
      allocatable: { cpu: '32', memory: '256Gi', pods: '110' },
      capacity: { cpu: '32', memory: '256Gi', pods: '110' },
      nodeInfo: {
        architecture: 'amd64',
        operatingSystem: 'linux',
        kubeletVersion: 'fake',
        kubeProxyVersion: 'fake',
        bootID: '',
        containerRuntimeVersion: '',
        kernelVersion: '',
        machineID: '',
        osImage: '',
        systemUUID: '',
      },
    },
  };
}

/**
 * Creates `count` KWOK Nodes and waits until every one is Ready (KWOK's node stages set the
 * condition and renew the Node Leases). Fails with KWOK's log tail if KWOK exits meanwhile.
 */
export async function createKwokNodes(
  admin: KubeConfig,
  count: number,
  timeoutMs: number,
  kwok: ManagedProcess,
): Promise<void> {
  const api = new ApiClient(admin, 'operon-testkit');
  try {
    for (let i = 0; i < count; i++) {
      try {
        await api.request({ method: 'POST', path: '/api/v1/nodes', body: kwokNode(i) });
      } catch (e) {
        if (!ApiError.isAlreadyExists(e)) throw e;
      }
    }
    await waitReady(
      kwok,
      async () => {
        const list = await api.request<{ items: V1Node[] }>({
          method: 'GET',
          path: '/api/v1/nodes',
          query: { labelSelector: 'type=kwok' },
        });
        const ready = list.items.filter((n) =>
          n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
        );
        return ready.length >= count;
      },
      timeoutMs,
    );
  } finally {
    api.close();
  }
}
