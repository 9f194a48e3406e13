// An operator for the record/replay unit tests: every child strategy, a Secret child, a related
// Secret, and knobs that make "version 2" behave differently.
import 'reflect-metadata';
import type { V1ConfigMap, V1Pod, V1Secret, V1Service } from '@kubernetes/client-node';
import { IsInt, IsOptional, IsString, Min } from 'class-validator';
import { Child, Operator, Related, Sync } from '../../../src/decorators/index.js';
import type { SyncObserver } from '../../../src/runtime/record/sync-recorder.js';
import { buildRequest, operatorConfigOf, type SyncInput } from '../../../src/testkit/sync-harness.js';
import { ConfigMap, Pod, Secret, Service } from '../../../src/types/builtins.js';
import { customResource } from '../../../src/types/custom-resource.js';
import type { KubeObject } from '../../../src/types/kube-object.js';
import type { RelatedRef } from '../../../src/types/related.js';
import type { ChildRef, Parent, SyncRequest, SyncResponse } from '../../../src/types/sync.js';

export class ShopSpec {
  @IsString() message!: string;
  @IsInt() @Min(1) replicas: number = 1;
  @IsOptional() @IsString() password?: string;
  @IsOptional() @IsString() source?: string;
}

export const Shop = customResource({ group: 'example.com', version: 'v1', kind: 'Shop', spec: ShopSpec });

/** What "version 2" changes. */
export interface ShopVariant {
  image?: string;
  port?: number;
  settings?: string;
  extraConfigMap?: boolean;
  noService?: boolean;
  statusExtra?: boolean;
  throws?: boolean;
  resync?: number;
}

@Operator({ parent: Shop, name: 'shop' })
export class ShopOperator {
  @Child(Pod, 'recreate') pods!: ChildRef<V1Pod>;
  @Child(Service, 'replace') service!: ChildRef<V1Service>;
  @Child(ConfigMap, 'on-delete') settings!: ChildRef<V1ConfigMap>;
  @Child(Secret, 'apply') creds!: ChildRef<V1Secret>;
  @Related(Secret, (shop: Parent<ShopSpec>) => (shop.spec.source ? { name: shop.spec.source } : undefined))
  source!: RelatedRef<V1Secret>;

  constructor(readonly variant: ShopVariant = {}) {}

  @Sync()
  sync(req: SyncRequest<ShopSpec>): SyncResponse {
    const v = this.variant;
    if (v.throws) throw new Error('version 2 cannot handle this');
    const { metadata, spec } = req.parent;
    const labels = { app: metadata.name };
    const port = v.port ?? 8080;
    const children: KubeObject[] = Array.from({ length: spec.replicas }, (_, i) =>
      this.pods.desired({
        metadata: { name: `${metadata.name}-${i}`, labels },
        spec: {
          containers: [
            {
              name: 'web',
              image: v.image ?? 'shop:1',
              args: [`--message=${spec.message}`],
              ports: [{ containerPort: port, name: 'http' }],
            },
          ],
        },
      }),
    );
    if (!v.noService) {
      children.push(
        this.service.desired({
          metadata: { name: metadata.name },
          spec: { selector: labels, ports: [{ name: 'http', port: 80, targetPort: port }] },
        }),
      );
    }
    children.push(
      this.settings.desired({
        metadata: { name: `${metadata.name}-settings` },
        data: { mode: v.settings ?? 'a' },
      }),
    );
    if (v.extraConfigMap) {
      children.push(
        this.settings.desired({ metadata: { name: `${metadata.name}-extra` }, data: { x: '1' } }),
      );
    }
    const source = req.related(this.source);
    children.push(
      this.creds.desired({
        metadata: { name: `${metadata.name}-creds` },
        stringData: { password: spec.password ?? '', copied: source?.data?.token ?? '' },
      }),
    );
    const pods = req.children(this.pods);
    return {
      children,
      status: {
        pods: pods.length,
        running: pods.filter((p) => p.status?.phase === 'Running').length,
        ...(v.statusExtra ? { version: 2 } : {}),
      },
      ...(v.resync === undefined ? {} : { resync: v.resync }),
    };
  }
}

/** The parent as the cache would hold it. */
export function shopParent(
  spec: Partial<ShopSpec>,
  name = 'web',
  resourceVersion = '10',
): SyncInput['parent'] {
  return {
    apiVersion: 'example.com/v1',
    kind: 'Shop',
    metadata: { name, namespace: 'demo', uid: `uid-${name}`, generation: 1, resourceVersion },
    spec,
  };
}

/**
 * Does what the reconciler does: builds the request as the runtime builds it, calls sync, and
 * reports the pass to the observer. Returns the response, so a test can feed its children back.
 */
export async function recordPass(
  observer: (config: ReturnType<typeof operatorConfigOf>) => SyncObserver,
  operator: ShopOperator,
  input: SyncInput,
): Promise<SyncResponse> {
  const config = operatorConfigOf(operator);
  const request = await buildRequest(config, input, false);
  const response = await config.sync(request);
  observer(config)(request, response, input.parent as KubeObject);
  return response;
}
