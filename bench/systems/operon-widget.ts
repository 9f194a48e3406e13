// Operon system of the operators benchmark (bench/operators.ts), run as its own process so that its
// CPU and memory can be measured: one @Operator for Widget (bench.example/v1) with a ConfigMap, a
// headless Service and a Deployment child, all with the default `apply` strategy, and the status
// {children: 3} (Operon adds observedGeneration). runOperators with its defaults, embedded (no
// health or metrics server, no signal handlers of its own: the benchmark stops it), logger off,
// KUBECONFIG from the environment. Not a benchmark module itself (bench/run.ts only loads bench/*.js).
import 'reflect-metadata';
import type { V1ConfigMap, V1Deployment, V1Service } from '@kubernetes/client-node';
import { IsInt, IsString, Min } from 'class-validator';
import { Container } from 'inversify';
import {
  Child,
  type ChildRef,
  customResource,
  Operator,
  runOperators,
  Sync,
  type SyncRequest,
  type SyncResponse,
} from '../../src/index.js';
import { ConfigMap, Deployment, Service } from '../../src/types/index.js';

export class WidgetSpec {
  @IsInt() @Min(0) replicas: number = 1;
  @IsString() data: string = '';
}

export const WidgetResource = customResource({
  group: 'bench.example',
  version: 'v1',
  kind: 'Widget',
  spec: WidgetSpec,
});

@Operator({ parent: WidgetResource })
export class WidgetOperator {
  @Child(ConfigMap, 'apply') configMaps!: ChildRef<V1ConfigMap>;
  @Child(Service, 'apply') services!: ChildRef<V1Service>;
  @Child(Deployment, 'apply') deployments!: ChildRef<V1Deployment>;

  @Sync()
  sync(req: SyncRequest<WidgetSpec>): SyncResponse {
    const { metadata, spec } = req.parent;
    const name = metadata.name;
    const labels = { app: 'widget', widget: name };
    return {
      children: [
        this.configMaps.desired({ metadata: { name, labels }, data: { data: spec.data } }),
        this.services.desired({
          metadata: { name, labels },
          spec: { clusterIP: 'None', selector: labels, ports: [{ name: 'http', port: 80 }] },
        }),
        this.deployments.desired({
          metadata: { name, labels },
          spec: {
            replicas: spec.replicas,
            selector: { matchLabels: labels },
            template: {
              metadata: { labels },
              spec: { containers: [{ name: 'app', image: 'registry.k8s.io/pause:3.10' }] },
            },
          },
        }),
      ],
      status: { children: 3 },
    };
  }
}

// Only when run as a program (the CRD of the benchmark is installed by the driver, not generated).
if (process.argv[1]?.endsWith('operon-widget.js')) {
  const container = new Container();
  container.bind(WidgetOperator).toSelf();
  const app = await runOperators(container, { embedded: true, logger: false });
  process.stdout.write('ready\n');
  const stop = (): void => {
    void app.stop().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
