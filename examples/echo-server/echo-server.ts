import type { V1Pod, V1Service } from '@kubernetes/client-node';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, Min, MinLength } from 'class-validator';
import { inject, injectable } from 'inversify';
import {
  Child,
  type ChildRef,
  customResource,
  Finalize,
  type FinalizeResponse,
  Operator,
  Sync,
  type SyncRequest,
  type SyncResponse,
} from 'operon';
import { Pod, Service } from 'operon/types';

/** What a user writes in an EchoServer: the text to echo and how many Pods serve it. */
export class EchoServerSpec {
  @IsString()
  @MinLength(1)
  message!: string;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(10)
  replicas: number = 1;

  @IsOptional()
  @IsInt()
  @Min(1024)
  @Max(65535)
  port: number = 5678;
}

/** What the operator reports back. */
export interface EchoServerStatus {
  pods: number;
  readyPods: number;
  service?: string;
}

/** The custom resource: `kubectl get echoservers` (or `echo`). */
export const EchoServerResource = customResource<EchoServerSpec, EchoServerStatus>({
  group: 'example.com',
  version: 'v1alpha1',
  kind: 'EchoServer',
  spec: EchoServerSpec,
  shortNames: ['echo'],
  printerColumns: [
    { name: 'Message', type: 'string', jsonPath: '.spec.message' },
    { name: 'Pods', type: 'integer', jsonPath: '.status.pods' },
    { name: 'Ready', type: 'integer', jsonPath: '.status.readyPods' },
  ],
});

/** An ordinary injectable service: the operator gets it through InversifyJS. */
@injectable()
export class EchoImage {
  readonly image = process.env.ECHO_IMAGE ?? 'hashicorp/http-echo:1.0';
}

/**
 * Roperator's EchoServer, the Operon way: one Pod per replica running http-echo with the message,
 * and a Service in front of them. Pods cannot change in place, so they are recreated on change;
 * the Service is replaced.
 */
@Operator({ parent: EchoServerResource })
export class EchoServerOperator {
  @Child(Pod, 'recreate') pods!: ChildRef<V1Pod>;
  @Child(Service, 'replace') service!: ChildRef<V1Service>;

  constructor(@inject(EchoImage) private readonly echo: EchoImage) {}

  @Sync()
  sync(req: SyncRequest<EchoServerSpec>): SyncResponse<EchoServerStatus> {
    const { metadata, spec } = req.parent;
    const labels = { app: 'echo-server', 'example.com/echo-server': metadata.name };
    const pods = Array.from({ length: spec.replicas }, (_, i) =>
      this.pods.desired({
        metadata: { name: `${metadata.name}-${i}`, labels },
        spec: {
          // http-echo exits at once on SIGTERM: the default 30 s would only slow down recreates.
          terminationGracePeriodSeconds: 5,
          containers: [
            {
              name: 'echo',
              image: this.echo.image,
              args: [`-text=${spec.message}`, `-listen=:${spec.port}`],
              ports: [{ containerPort: spec.port, name: 'http' }],
            },
          ],
        },
      }),
    );
    const service = this.service.desired({
      metadata: { name: metadata.name, labels },
      spec: { selector: labels, ports: [{ name: 'http', port: 80, targetPort: spec.port }] },
    });
    const current = req.children(this.pods);
    return {
      children: [...pods, service],
      status: {
        pods: current.length,
        readyPods: current.filter(isReady).length,
        service: req.child(this.service, metadata.name)?.metadata?.name,
      },
    };
  }

  /** Nothing outside the cluster to clean up; shown so the finalizer flow is visible in the demo. */
  @Finalize()
  finalize(req: SyncRequest<EchoServerSpec>): FinalizeResponse {
    return { finalized: true, status: { pods: req.children(this.pods).length, readyPods: 0 } };
  }
}

function isReady(pod: V1Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}
