// The operator every entry fixture of the entry-safety tests runs or defines.
import type { V1ConfigMap } from '@kubernetes/client-node';
import { IsString } from 'class-validator';
import { Child, Operator, Sync } from '../../../../src/decorators/index.js';
import { ConfigMap } from '../../../../src/types/builtins.js';
import { customResource } from '../../../../src/types/custom-resource.js';
import type { ChildRef, SyncRequest, SyncResponse } from '../../../../src/types/sync.js';

export class GreetingSpec {
  @IsString() message!: string;
}

export const Greeting = customResource({
  group: 'guard.example.com',
  version: 'v1',
  kind: 'Greeting',
  spec: GreetingSpec,
});

@Operator({ parent: Greeting })
export class GreetingOperator {
  @Child(ConfigMap) config!: ChildRef<V1ConfigMap>;

  @Sync()
  sync(req: SyncRequest<GreetingSpec>): SyncResponse {
    return {
      children: [
        this.config.desired({
          metadata: { name: req.parent.metadata.name },
          data: { message: req.parent.spec.message },
        }),
      ],
    };
  }
}
