// A test operator whose children are exactly the kind the API server and others mutate on a real
// cluster: a Pod with its own toleration, quantities and a port without protocol (ServiceAccount
// and DefaultTolerationSeconds admission, defaulting), a Secret written with stringData, a Service
// and a Deployment (defaulted ports, selectors, strategy, ...).
import type { KubeConfig, V1Deployment, V1Pod, V1Secret, V1Service } from '@kubernetes/client-node';
import {
  Child,
  type ChildRef,
  customResource,
  Operator,
  Sync,
  type SyncRequest,
  type SyncResponse,
} from '../../src/index.js';
import { installOperatorCrds } from '../../src/testkit/install.js';
import { Deployment, Pod, Secret, Service } from '../../src/types/index.js';

export interface MutantSpec {
  image?: string;
  replicas?: number;
  /** Labels the Pod for the test's sidecar-injecting webhook. */
  sidecar?: boolean;
  /** sync throws while true. */
  fail?: boolean;
}

export const Mutant = customResource<MutantSpec>({ group: 'operon.test', version: 'v1', kind: 'Mutant' });
export const mutantPath = (ns: string, name = '') =>
  `/apis/operon.test/v1/namespaces/${ns}/mutants${name ? `/${name}` : ''}`;

/** The label the test webhook injects a sidecar for. */
export const SIDECAR_LABEL = 'operon-test/inject-sidecar';

export async function installMutantCrd(kc: KubeConfig): Promise<void> {
  await installOperatorCrds(kc, [MutantOperator]);
}

@Operator({ parent: Mutant, name: 'mutant' })
export class MutantOperator {
  @Child(Pod, 'recreate') pods!: ChildRef<V1Pod>;
  @Child(Secret, 'replace') secrets!: ChildRef<V1Secret>;
  @Child(Service, 'apply') services!: ChildRef<V1Service>;
  @Child(Deployment, 'apply') deployments!: ChildRef<V1Deployment>;

  syncCalls = 0;
  /** The next this-many passes throw (fault injection from tests). */
  failNext = 0;

  @Sync()
  sync(req: SyncRequest<MutantSpec>): SyncResponse {
    this.syncCalls++;
    const { metadata, spec } = req.parent;
    if (spec.fail) throw new Error('spec.fail is set');
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('injected failure');
    }
    const name = metadata.name;
    const image = spec.image ?? 'registry.k8s.io/pause:3.10';
    const web = { app: `${name}-web` };
    return {
      status: { pods: req.children(this.pods).length },
      children: [
        this.pods.desired({
          metadata: {
            name: `${name}-pod`,
            labels: { app: name, ...(spec.sidecar ? { [SIDECAR_LABEL]: 'true' } : {}) },
          },
          spec: {
            terminationGracePeriodSeconds: 2,
            tolerations: [{ key: 'example.com/dedicated', operator: 'Exists', effect: 'NoSchedule' }],
            containers: [
              {
                name: 'app',
                image,
                ports: [{ containerPort: 8080 }],
                resources: { requests: { cpu: '0.5', memory: '1024Mi' }, limits: { cpu: '1000m' } },
              },
            ],
          },
        }),
        this.secrets.desired({ metadata: { name: `${name}-secret` }, stringData: { password: 'hunter2' } }),
        this.services.desired({
          metadata: { name: `${name}-svc`, labels: { app: name } },
          spec: { selector: { app: name }, ports: [{ port: 80, targetPort: 8080 }] },
        }),
        this.deployments.desired({
          metadata: { name: `${name}-web` },
          spec: {
            replicas: spec.replicas ?? 2,
            selector: { matchLabels: web },
            template: {
              metadata: { labels: web },
              spec: { containers: [{ name: 'web', image, ports: [{ containerPort: 80 }] }] },
            },
          },
        }),
      ],
    };
  }
}
