import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1Pod, V1Service } from '@kubernetes/client-node';
import { buildOperatorConfig, collectOperatorConfig } from '../../../src/config/build-config.js';
import { Child, Finalize, Operator, Sync } from '../../../src/decorators/index.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { Pod, Service } from '../../../src/types/builtins.js';
import { customResource } from '../../../src/types/custom-resource.js';
import type { ChildRef, FinalizeResponse, SyncRequest, SyncResponse } from '../../../src/types/sync.js';

class EchoServerSpec {
  message!: string;
}

@Operator({ group: 'example.com', version: 'v1alpha1', kind: 'EchoServer', spec: EchoServerSpec })
class EchoServerOperator {
  @Child(Pod, 'recreate') pods!: ChildRef<V1Pod>;
  @Child(Service) service!: ChildRef<V1Service>;
  readonly prefix = 'echo';

  @Sync()
  sync(req: SyncRequest<EchoServerSpec>): SyncResponse {
    const name = `${this.prefix}-${req.parent.metadata.name}`;
    return { children: [this.service.desired({ metadata: { name } }), ...req.children(this.pods)] };
  }

  @Finalize()
  finalize(): FinalizeResponse {
    return { finalized: this.prefix === 'echo' };
  }
}

// `declare` fields emit nothing, so the property is absent from the instance before the build.
@Operator({ group: 'example.com', version: 'v1', kind: 'Declared', name: 'declared' })
class DeclaredOperator {
  @Child(Pod) declare pods: ChildRef<V1Pod>;
  @Sync() sync(): SyncResponse {
    return { children: [this.pods.desired({ metadata: { name: 'p' } })] };
  }
}

function request(children: Record<string, unknown[]> = {}): SyncRequest {
  return {
    parent: {
      apiVersion: 'example.com/v1alpha1',
      kind: 'EchoServer',
      metadata: { name: 'demo', uid: 'u1' },
      spec: { message: 'hi' } as never,
    },
    signal: new AbortController().signal,
    log: silentLogger(),
    finalizing: false,
    children: (ref) => (children[ref.property] ?? []) as never,
    child: () => undefined,
    related: () => undefined,
    relatedList: () => [],
  };
}

describe('buildOperatorConfig', () => {
  it('should build the config from the decorators', () => {
    const config = buildOperatorConfig(new EchoServerOperator());
    assert.equal(config.name, 'echo-server');
    assert.equal(config.source, 'EchoServerOperator');
    assert.equal(config.parent.type.kind, 'EchoServer');
    assert.equal(config.parent.spec, EchoServerSpec);
    assert.deepEqual(
      config.children.map((c) => [c.property, c.type, c.strategy]),
      [
        ['pods', Pod, 'recreate'],
        ['service', Service, 'apply'],
      ],
    );
    assert.equal(config.finalizerName, undefined);
    assert.equal(typeof config.finalize, 'function');
  });

  it('should bind sync and finalize to the instance', async () => {
    const config = buildOperatorConfig(new EchoServerOperator());
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p1' } };
    const response = await config.sync(request({ pods: [pod] }));
    assert.deepEqual(response.children, [
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'echo-demo' } },
      pod,
    ]);
    assert.deepEqual(await config.finalize?.(request()), { finalized: true });
  });

  it('should assign the child refs over own undefined fields (define semantics)', () => {
    const op = new EchoServerOperator();
    assert.ok(Object.hasOwn(op, 'pods'), 'precondition: the field is an own property');
    assert.equal(Object.getOwnPropertyDescriptor(op, 'pods')?.value, undefined);
    const config = buildOperatorConfig(op);
    assert.equal(op.pods, config.children[0]);
    assert.equal(op.service, config.children[1]);
    assert.equal(op.pods.type, Pod);
  });

  it('should assign the child refs when the field is absent', () => {
    const op = new DeclaredOperator();
    assert.equal(Object.hasOwn(op, 'pods'), false, 'precondition: no own property');
    const config = buildOperatorConfig(op);
    assert.equal(op.pods, config.children[0]);
    assert.deepEqual((config.sync(request()) as SyncResponse).children, [
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' } },
    ]);
  });

  it('should make the child refs read-only', () => {
    const op = new EchoServerOperator();
    buildOperatorConfig(op);
    assert.throws(() => {
      (op as { pods: unknown }).pods = {};
    }, TypeError);
  });

  it('should allow building the same instance twice', () => {
    const op = new EchoServerOperator();
    buildOperatorConfig(op);
    assert.doesNotThrow(() => buildOperatorConfig(op));
  });

  it('should use the explicit name and the finalizer name from @Finalize or @Operator', () => {
    @Operator({ group: 'example.com', version: 'v1', kind: 'A', name: 'a-op' })
    class A {
      @Sync() sync(): SyncResponse {
        return { children: [] };
      }
      @Finalize({ finalizerName: 'example.com/a' }) fin(): FinalizeResponse {
        return { finalized: true };
      }
    }
    @Operator({ group: 'example.com', version: 'v1', kind: 'B', finalizerName: 'example.com/b' })
    class B {
      @Sync() sync(): SyncResponse {
        return { children: [] };
      }
    }
    const a = buildOperatorConfig(new A());
    assert.equal(a.name, 'a-op');
    assert.equal(a.finalizerName, 'example.com/a');
    assert.equal(buildOperatorConfig(new B()).finalizerName, 'example.com/b');
  });

  it('should take the parent from { parent } with its CRD extras', () => {
    const Echo = customResource({
      group: 'example.com',
      version: 'v1',
      kind: 'Echo',
      spec: EchoServerSpec,
      shortNames: ['ec'],
    });
    @Operator({ parent: Echo })
    class EchoOperator {
      @Sync() sync(): SyncResponse {
        return { children: [] };
      }
    }
    const config = buildOperatorConfig(new EchoOperator());
    assert.equal(config.name, 'echo');
    assert.equal(config.parent.type, Echo);
    assert.equal(config.parent.spec, EchoServerSpec);
  });

  it('should inherit children and sync from a base class', () => {
    class Base {
      @Child(Pod) pods!: ChildRef<V1Pod>;
      @Sync() sync(): SyncResponse {
        return { children: [] };
      }
    }
    @Operator({ group: 'example.com', version: 'v1', kind: 'Derived' })
    class DerivedOperator extends Base {}
    const op = new DerivedOperator();
    const config = buildOperatorConfig(op);
    assert.equal(config.children.length, 1);
    assert.equal(op.pods, config.children[0]);
  });
});

describe('collectOperatorConfig', () => {
  it('should return the config and no problems for a valid operator', () => {
    const result = collectOperatorConfig(new EchoServerOperator());
    assert.deepEqual(result.problems, []);
    assert.equal(result.config?.name, 'echo-server');
  });

  it('should return problems instead of throwing', () => {
    class Plain {}
    const result = collectOperatorConfig(new Plain());
    assert.equal(result.config, undefined);
    assert.equal(result.problems.length, 2);
  });
});
