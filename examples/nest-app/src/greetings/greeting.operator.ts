import type { V1ConfigMap } from '@kubernetes/client-node';
import { IsString, MinLength } from 'class-validator';
import {
  Child,
  type ChildRef,
  customResource,
  Operator,
  Sync,
  type SyncRequest,
  type SyncResponse,
} from 'operon';
import { ConfigMap } from 'operon/types';
import { GreetingService } from './greeting.service.js';

export class GreetingSpec {
  @IsString() @MinLength(1) to!: string;
}

export const Greeting = customResource<GreetingSpec>({
  group: 'nest.example.com',
  version: 'v1alpha1',
  kind: 'Greeting',
  spec: GreetingSpec,
});

/**
 * Writes a greeting into a ConfigMap `<name>-greeting`. The text comes from the app's
 * GreetingService: an operator is a Nest provider like any other, so it injects what it needs.
 */
@Operator({ parent: Greeting })
export class GreetingOperator {
  @Child(ConfigMap) message!: ChildRef<V1ConfigMap>;

  // A value import of GreetingService (not `import type`): Nest injects by the emitted class.
  constructor(private readonly greetings: GreetingService) {}

  @Sync()
  sync(req: SyncRequest<GreetingSpec>): SyncResponse {
    const text = this.greetings.greet(req.parent.spec.to);
    return {
      children: [
        this.message.desired({ metadata: { name: `${req.parent.metadata.name}-greeting` }, data: { text } }),
      ],
      status: { text },
    };
  }
}
