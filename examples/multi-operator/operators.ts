import type { V1ConfigMap, V1Pod } from '@kubernetes/client-node';
import { IsString, MinLength } from 'class-validator';
import { inject, injectable } from 'inversify';
import {
  Child,
  type ChildRef,
  customResource,
  Operator,
  Sync,
  type SyncRequest,
  type SyncResponse,
} from 'operon';
import { ConfigMap, Pod } from 'operon/types';

// Two operators in one process. Both own ConfigMaps, so the process opens ONE ConfigMap watch and
// keeps one cached copy of each ConfigMap, whichever operator created it.

export class StaticSiteSpec {
  @IsString() @MinLength(1) html!: string;
}
export const StaticSiteResource = customResource<StaticSiteSpec>({
  group: 'example.com',
  version: 'v1alpha1',
  kind: 'StaticSite',
  spec: StaticSiteSpec,
});

/** A web page: its HTML in a ConfigMap, served by an nginx Pod that mounts it. */
@Operator({ parent: StaticSiteResource })
export class StaticSiteOperator {
  @Child(ConfigMap) content!: ChildRef<V1ConfigMap>;
  @Child(Pod, 'recreate') server!: ChildRef<V1Pod>;

  @Sync()
  sync(req: SyncRequest<StaticSiteSpec>): SyncResponse {
    const name = req.parent.metadata.name;
    return {
      children: [
        this.content.desired({
          metadata: { name: `${name}-html` },
          data: { 'index.html': req.parent.spec.html },
        }),
        this.server.desired({
          metadata: { name: `${name}-nginx`, labels: { site: name } },
          spec: {
            containers: [
              {
                name: 'nginx',
                image: 'nginx:1.27',
                volumeMounts: [{ name: 'html', mountPath: '/usr/share/nginx/html' }],
              },
            ],
            volumes: [{ name: 'html', configMap: { name: `${name}-html` } }],
          },
        }),
      ],
      status: { page: `${name}-html` },
    };
  }
}

export class GreetingSpec {
  @IsString() @MinLength(1) to!: string;
}
export const GreetingResource = customResource<GreetingSpec>({
  group: 'example.com',
  version: 'v1alpha1',
  kind: 'Greeting',
  spec: GreetingSpec,
});

/** An app service the Greeting operator gets by injection. */
@injectable()
export class Greeter {
  greet(to: string): string {
    return `Hello, ${to}!`;
  }
}

/** Writes a greeting into a ConfigMap. */
@Operator({ parent: GreetingResource })
export class GreetingOperator {
  @Child(ConfigMap) message!: ChildRef<V1ConfigMap>;

  constructor(@inject(Greeter) private readonly greeter: Greeter) {}

  @Sync()
  sync(req: SyncRequest<GreetingSpec>): SyncResponse {
    const text = this.greeter.greet(req.parent.spec.to);
    return {
      children: [this.message.desired({ metadata: { name: req.parent.metadata.name }, data: { text } })],
      status: { text },
    };
  }
}
