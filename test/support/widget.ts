// A test operator that exercises every update strategy, plus the CRDs it needs.
import type { KubeConfig, V1ConfigMap, V1Pod, V1Secret, V1ServiceAccount } from '@kubernetes/client-node';
import {
  Child,
  type ChildRef,
  customResource,
  Finalize,
  type FinalizeResponse,
  type JsonObject,
  Operator,
  Sync,
  type SyncRequest,
  type SyncResponse,
} from '../../src/index.js';
import { installOperatorCrds } from '../../src/testkit/install.js';
import { ConfigMap, Pod, Secret, ServiceAccount } from '../../src/types/index.js';

export interface WidgetSpec {
  /** Keys of the ConfigMap (apply) and of the Secret (replace). */
  data?: Record<string, string>;
  /** Image of the Pod (recreate). */
  image?: string;
  /** automountServiceAccountToken of the ServiceAccount (on-delete). */
  automount?: boolean;
  /** sync throws while true. */
  fail?: boolean;
  /** finalize reports done from its Nth call on. */
  finalizeAfter?: number;
  /** Names the ConfigMap this instead of `<name>-cm`. */
  configMapName?: string;
}

export const Widget = customResource<WidgetSpec>({ group: 'operon.test', version: 'v1', kind: 'Widget' });
export const Gadget = customResource({ group: 'operon.test', version: 'v1', kind: 'Gadget' });

export const widgetPath = (ns: string, name = '') =>
  `/apis/operon.test/v1/namespaces/${ns}/widgets${name ? `/${name}` : ''}`;

/** Installs the Widget and Gadget CRDs, generated from the operators below (idempotent). */
export async function installTestCrds(kc: KubeConfig): Promise<void> {
  await installOperatorCrds(kc, [WidgetOperator, GadgetOperator]);
}

/** Owns a ConfigMap (apply), a Secret (replace), a Pod (recreate) and a ServiceAccount (on-delete). */
@Operator({ parent: Widget, name: 'widget' })
export class WidgetOperator {
  @Child(ConfigMap, 'apply') configMaps!: ChildRef<V1ConfigMap>;
  @Child(Secret, 'replace') secrets!: ChildRef<V1Secret>;
  @Child(Pod, 'recreate') pods!: ChildRef<V1Pod>;
  @Child(ServiceAccount, 'on-delete') accounts!: ChildRef<V1ServiceAccount>;

  syncCalls: number[] = [];
  finalizeCalls = 0;

  @Sync()
  sync(req: SyncRequest<WidgetSpec>): SyncResponse {
    this.syncCalls.push(Date.now());
    const { metadata, spec } = req.parent;
    if (spec.fail) throw new Error('spec.fail is set');
    const data = spec.data ?? { a: '1' };
    const b64 = Object.fromEntries(
      Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
    );
    const status: JsonObject = {
      children: req.children(this.configMaps).length + req.children(this.pods).length,
    };
    return {
      status,
      children: [
        this.configMaps.desired({ metadata: { name: spec.configMapName ?? `${metadata.name}-cm` }, data }),
        this.secrets.desired({ metadata: { name: `${metadata.name}-secret` }, data: b64 }),
        this.pods.desired({
          metadata: { name: `${metadata.name}-pod` },
          // The kubelet (KWOK) honours the grace period: 30 s would slow every recreate down.
          spec: {
            terminationGracePeriodSeconds: 1,
            containers: [{ name: 'main', image: spec.image ?? 'busybox:1' }],
          },
        }),
        this.accounts.desired({
          metadata: { name: `${metadata.name}-sa` },
          automountServiceAccountToken: spec.automount ?? false,
        }),
      ],
    };
  }

  @Finalize()
  finalize(req: SyncRequest<WidgetSpec>): FinalizeResponse {
    this.finalizeCalls++;
    return { finalized: this.finalizeCalls >= (req.parent.spec.finalizeAfter ?? 1), resync: 200 };
  }
}

/** A second operator that also owns Pods: sharing one Pod watch with WidgetOperator. */
@Operator({ parent: Gadget, name: 'gadget' })
export class GadgetOperator {
  @Child(Pod, 'recreate') pods!: ChildRef<V1Pod>;

  @Sync()
  sync(req: SyncRequest): SyncResponse {
    return {
      children: [
        this.pods.desired({
          metadata: { name: `${req.parent.metadata.name}-gadget` },
          spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image: 'busybox:1' }] },
        }),
      ],
    };
  }
}
