import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Container, inject, injectable } from 'inversify';
import { Child, Finalize, Operator, Sync } from '../../../src/decorators/index.js';
import { listOperatorClasses } from '../../../src/decorators/operator-registry.js';
import {
  readChildMetadata,
  readFinalizeMetadata,
  readOperatorMetadata,
  readSyncMetadata,
} from '../../../src/decorators/read-metadata.js';
import { Pod, Service } from '../../../src/types/builtins.js';
import { customResource, isCustomResourceType } from '../../../src/types/custom-resource.js';
import type { ChildRef, SyncResponse } from '../../../src/types/sync.js';

class EchoServerSpec {
  message!: string;
}
class EchoServerStatus {
  ready!: number;
}

@Operator({ group: 'example.com', version: 'v1alpha1', kind: 'EchoServer', spec: EchoServerSpec })
class EchoServerOperator {
  @Child(Pod, 'recreate') pods!: ChildRef;
  @Child(Service) service!: ChildRef;

  @Sync()
  sync(): SyncResponse {
    return { children: [] };
  }

  @Finalize({ finalizerName: 'example.com/echo' })
  finalize() {
    return { finalized: true };
  }
}

describe('@Operator', () => {
  it('should record the inline form as a custom resource parent with its spec class', () => {
    const meta = readOperatorMetadata(EchoServerOperator);
    assert.ok(meta?.parent);
    assert.ok(isCustomResourceType(meta.parent));
    assert.equal(meta.parent.kind, 'EchoServer');
    assert.equal(meta.parent.apiVersion, 'example.com/v1alpha1');
    assert.equal(meta.parent.plural, 'echoservers');
    assert.equal(meta.parent.namespaced, true);
    assert.equal(meta.spec, EchoServerSpec);
    assert.equal(meta.name, undefined);
  });

  it('should store its metadata under Operator.KEY', () => {
    assert.equal(Operator.KEY, 'operon:operator');
    assert.equal(
      Reflect.getOwnMetadata(Operator.KEY, EchoServerOperator),
      readOperatorMetadata(EchoServerOperator),
    );
  });

  it('should take spec and status from a customResource parent, and let options override them', () => {
    const Echo = customResource({
      group: 'example.com',
      version: 'v1',
      kind: 'Echo',
      spec: EchoServerSpec,
      status: EchoServerStatus,
    });
    class OtherSpec {}

    @Operator({ parent: Echo, name: 'echo' })
    class ByRef {}
    @Operator({ parent: Echo, spec: OtherSpec })
    class Overridden {}

    assert.equal(readOperatorMetadata(ByRef)?.parent, Echo);
    assert.equal(readOperatorMetadata(ByRef)?.spec, EchoServerSpec);
    assert.equal(readOperatorMetadata(ByRef)?.status, EchoServerStatus);
    assert.equal(readOperatorMetadata(ByRef)?.name, 'echo');
    assert.equal(readOperatorMetadata(Overridden)?.spec, OtherSpec);
  });

  it('should accept a plain resource type as parent', () => {
    @Operator({ parent: Service, finalizerName: 'example.com/svc' })
    class ServiceWatcher {}
    const meta = readOperatorMetadata(ServiceWatcher);
    assert.equal(meta?.parent, Service);
    assert.equal(meta?.spec, undefined);
    assert.equal(meta?.finalizerName, 'example.com/svc');
  });

  it('should register the class in listOperatorClasses, once', () => {
    @Operator({ group: 'example.com', version: 'v1', kind: 'Twice' })
    @Operator({ group: 'example.com', version: 'v1', kind: 'Twice' })
    class Twice {}
    const classes = listOperatorClasses();
    assert.ok(classes.includes(EchoServerOperator));
    assert.equal(classes.filter((c) => c === Twice).length, 1);
  });

  it('should not record @Operator on subclasses', () => {
    class Sub extends EchoServerOperator {}
    assert.equal(readOperatorMetadata(Sub), undefined);
  });

  it('should make the class injectable for inversify', () => {
    assert.equal(
      Reflect.getOwnMetadata('@inversifyjs/core/classIsInjectableFlagReflectKey', EchoServerOperator),
      true,
    );
  });

  it('should work on a class already decorated with @injectable()', () => {
    assert.doesNotThrow(() => {
      @Operator({ group: 'example.com', version: 'v1', kind: 'Pre' })
      @injectable()
      class PreInjectable {}
      return PreInjectable;
    });
  });

  it('should let inversify inject constructor services by type', () => {
    @injectable()
    class Greeter {
      greet(): string {
        return 'hello';
      }
    }
    @Operator({ group: 'example.com', version: 'v1', kind: 'Greeting' })
    class GreetingOperator {
      constructor(readonly greeter: Greeter) {}
    }
    const container = new Container();
    container.bind(Greeter).toSelf();
    container.bind(GreetingOperator).toSelf();
    assert.equal(container.get(GreetingOperator).greeter.greet(), 'hello');
  });

  it('should keep @inject() parameters working', () => {
    const GREETING = Symbol('greeting');
    @Operator({ group: 'example.com', version: 'v1', kind: 'Token' })
    class TokenOperator {
      constructor(@inject(GREETING) readonly greeting: string) {}
    }
    const container = new Container();
    container.bind(GREETING).toConstantValue('hi');
    container.bind(TokenOperator).toSelf();
    assert.equal(container.get(TokenOperator).greeting, 'hi');
  });
});

describe('@Child', () => {
  it('should append one entry per property, in declaration order', () => {
    const children = readChildMetadata(EchoServerOperator);
    assert.deepEqual(
      children.map((c) => [c.property, c.type.kind, c.strategy, c.isStatic]),
      [
        ['pods', 'Pod', 'recreate', false],
        ['service', 'Service', 'apply', false],
      ],
    );
    assert.equal(Child.KEY, 'operon:child');
    assert.equal(Reflect.getOwnMetadata(Child.KEY, EchoServerOperator).length, 2);
  });

  it('should merge children of base classes, letting a subclass redeclare a property', () => {
    class Base {
      @Child(Pod) pods!: ChildRef;
      @Child(Service) service!: ChildRef;
    }
    class Derived extends Base {
      @Child(Pod, 'on-delete') declare pods: ChildRef;
    }
    assert.deepEqual(
      readChildMetadata(Derived).map((c) => [c.property, c.strategy]),
      [
        ['service', 'apply'],
        ['pods', 'on-delete'],
      ],
    );
    assert.equal(readChildMetadata(Base).length, 2);
  });

  it('should mark a static property', () => {
    class Static {
      @Child(Pod) static pods: ChildRef;
    }
    assert.equal(readChildMetadata(Static)[0]?.isStatic, true);
  });
});

describe('@Sync and @Finalize', () => {
  it('should record the marked methods', () => {
    assert.deepEqual(readSyncMetadata(EchoServerOperator), [{ method: 'sync', isStatic: false }]);
    assert.deepEqual(readFinalizeMetadata(EchoServerOperator), [
      { method: 'finalize', isStatic: false, finalizerName: 'example.com/echo' },
    ]);
    assert.equal(Sync.KEY, 'operon:sync');
    assert.equal(Finalize.KEY, 'operon:finalize');
  });

  it('should count an overridden @Sync method once', () => {
    class Base {
      @Sync() sync() {}
    }
    class Derived extends Base {
      @Sync() override sync() {}
    }
    assert.equal(readSyncMetadata(Derived).length, 1);
  });

  it('should keep every marked method so that two can be reported', () => {
    class Two {
      @Sync() a() {}
      @Sync() b() {}
    }
    assert.deepEqual(
      readSyncMetadata(Two).map((m) => m.method),
      ['a', 'b'],
    );
  });
});
