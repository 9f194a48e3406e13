import type { V1Deployment, V1Pod, V1Secret } from '@kubernetes/client-node';
import type { ParentObject } from '../../../src/runtime/planner/ownership.js';
import { ClusterRole, ConfigMap, Pod, Secret, Service } from '../../../src/types/builtins.js';
import type { KubeObject, NamedObject } from '../../../src/types/kube-object.js';
import { type ResourceType, resourceType } from '../../../src/types/resource-type.js';
import type { ChildRef, DesiredObject } from '../../../src/types/sync.js';
import type { UpdateStrategy } from '../../../src/types/update-strategy.js';

export const OPERATOR = 'echo';
export const NS = 'team-a';

export const EchoServer = resourceType({ group: 'example.com', version: 'v1alpha1', kind: 'EchoServer' });
export const Tenant = resourceType({
  group: 'example.com',
  version: 'v1alpha1',
  kind: 'Tenant',
  namespaced: false,
});

export const parent: ParentObject = {
  apiVersion: 'example.com/v1alpha1',
  kind: 'EchoServer',
  metadata: { name: 'web', namespace: NS, uid: 'uid-parent' },
};

export const clusterParent: ParentObject = {
  apiVersion: 'example.com/v1alpha1',
  kind: 'Tenant',
  metadata: { name: 'acme', uid: 'uid-tenant' },
};

/** A ChildRef as `@Child` would build it. */
export function ref<T extends KubeObject>(
  type: ResourceType<T>,
  strategy: UpdateStrategy,
  property = 'child',
): ChildRef<T> {
  return {
    type,
    strategy,
    property,
    desired: (object: DesiredObject<T>) =>
      ({ apiVersion: type.apiVersion, kind: type.kind, ...object }) as unknown as T,
  };
}

export const children: readonly ChildRef[] = [
  ref(Service, 'apply', 'service'),
  ref(ConfigMap, 'replace', 'config'),
  ref(Pod, 'recreate', 'pods'),
];

export { ClusterRole, ConfigMap, Pod, Secret, Service };

/** Loose shapes of the test children, so tests can edit nested fields without casts. */
export interface CmObject extends KubeObject {
  data?: Record<string, string>;
}
export interface SvcObject extends KubeObject {
  spec: {
    selector?: Record<string, string>;
    ports: { name?: string; port: number | string; protocol?: string }[];
    clusterIP?: string;
    type?: string;
    publishNotReadyAddresses?: boolean;
  };
}
export interface PodObject extends KubeObject {
  spec: {
    containers: {
      name: string;
      image: string;
      args?: string[];
      env?: { name: string; value: string }[];
      imagePullPolicy?: string;
      terminationMessagePath?: string;
    }[];
    restartPolicy?: string;
    hostNetwork?: boolean;
  };
  status?: { phase?: string };
}

export function configMap(name: string, data: Record<string, string> = { a: '1' }): CmObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data };
}

export function service(name: string, port: number | string = 80): SvcObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, labels: { app: name } },
    spec: { selector: { app: name }, ports: [{ name: 'http', port }] },
  };
}

export function pod(name: string, image = 'nginx:1.27'): PodObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: { containers: [{ name: 'main', image, args: ['--port', '8080'] }] },
  };
}

let rv = 100;

/**
 * What the API server would hold after writing `written`: a deep copy with server metadata, defaults
 * in nested objects and array elements, a status, and another manager's label and annotation.
 */
export function serverCopy<T extends KubeObject>(written: T): NamedObject<T> {
  const obj = structuredClone(written) as NamedObject<T>;
  obj.metadata.uid = `uid-${obj.metadata.name}`;
  obj.metadata.resourceVersion = String(rv++);
  obj.metadata.creationTimestamp = '2025-01-01T00:00:00Z' as unknown as Date;
  obj.metadata.labels = { ...obj.metadata.labels, 'other.io/team': 'x' };
  obj.metadata.annotations = { ...obj.metadata.annotations, 'other.io/note': 'y' };
  if (isService(obj)) {
    obj.spec.clusterIP = '10.0.0.7';
    obj.spec.type = 'ClusterIP';
    for (const p of obj.spec.ports) p.protocol = 'TCP';
  }
  if (isPod(obj)) {
    obj.spec.restartPolicy = 'Always';
    for (const c of obj.spec.containers) {
      c.imagePullPolicy = 'IfNotPresent';
      c.terminationMessagePath = '/dev/termination-log';
    }
    obj.status = { phase: 'Running' };
  }
  return obj;
}

function isService(obj: KubeObject): obj is SvcObject {
  return obj.kind === 'Service';
}
function isPod(obj: KubeObject): obj is PodObject {
  return obj.kind === 'Pod';
}

/** Deep copy of `obj` with `edit` applied. */
export function edited<T>(obj: T, edit: (copy: T) => void): T {
  const copy = structuredClone(obj);
  edit(copy);
  return copy;
}

/** A Pod as an author writes it, setting the fields that admission and defaulting touch. */
export function appPod(name = 'app'): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app: name } },
    spec: {
      containers: [
        {
          name: 'app',
          image: 'nginx:1.27',
          args: ['--port', '8080'],
          ports: [{ name: 'http', containerPort: 8080 }],
          env: [{ name: 'MODE', value: 'prod' }],
          resources: { requests: { cpu: '0.5', memory: '1024Mi' }, limits: { cpu: '1', memory: '2Gi' } },
          volumeMounts: [{ name: 'data', mountPath: '/data' }],
        },
      ],
      volumes: [{ name: 'data', emptyDir: { sizeLimit: '1024Mi' } }],
      tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'web', effect: 'NoSchedule' }],
      imagePullSecrets: [{ name: 'registry' }],
    },
  };
}

export function deployment(name: string, replicas = 2): V1Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] },
      },
    },
  };
}

/** A Secret written with `stringData`, the way authors usually write one. */
export function secret(name: string, stringData: Record<string, string> = { password: 's3cret' }): V1Secret {
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name }, stringData };
}

/**
 * What admission and defaulting on a real cluster do to a stored Pod (on top of {@link serverCopy}):
 * the ServiceAccount plugin's token volume and mount in every container, DefaultTolerationSeconds'
 * two tolerations, an injected sidecar at the front, another pull secret, defaulted port protocols,
 * and quantities in canonical form.
 */
export function admitted(pod: V1Pod): V1Pod {
  return edited(pod, (p) => {
    const spec = p.spec!;
    const token = 'kube-api-access-x7k2q';
    spec.volumes = [...(spec.volumes ?? []), { name: token, projected: { sources: [], defaultMode: 420 } }];
    spec.tolerations = [...(spec.tolerations ?? []), ...DEFAULT_TOLERATIONS];
    spec.imagePullSecrets = [...(spec.imagePullSecrets ?? []), { name: 'mirror' }];
    spec.containers = [{ name: 'istio-proxy', image: 'istio/proxyv2:1.24' }, ...spec.containers];
    spec.serviceAccountName = 'default';
    for (const c of spec.containers) {
      c.volumeMounts = [
        ...(c.volumeMounts ?? []),
        { name: token, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true },
      ];
      for (const port of c.ports ?? []) port.protocol = 'TCP';
      const requests = c.resources?.requests;
      if (requests?.cpu === '0.5') requests.cpu = '500m';
      if (requests?.memory === '1024Mi') requests.memory = '1Gi';
    }
    for (const v of spec.volumes) if (v.emptyDir?.sizeLimit === '1024Mi') v.emptyDir.sizeLimit = '1Gi';
  });
}

export const DEFAULT_TOLERATIONS = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
];
