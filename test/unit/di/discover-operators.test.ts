import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1Pod } from '@kubernetes/client-node';
import { Container, injectable } from 'inversify';
import { Child, Operator, Sync } from '../../../src/decorators/index.js';
import { discoverOperators, discoverOperatorsAsync, OPERATORS } from '../../../src/di/discover-operators.js';
import { ConfigError } from '../../../src/errors/operon-error.js';
import { Pod } from '../../../src/types/builtins.js';
import type { ChildRef, SyncResponse } from '../../../src/types/sync.js';

@injectable()
class Greeter {
  greet(name: string): string {
    return `hello ${name}`;
  }
}

@Operator({ group: 'example.com', version: 'v1', kind: 'Echo' })
class EchoOperator {
  @Child(Pod) pods!: ChildRef<V1Pod>;
  constructor(readonly greeter: Greeter) {}
  @Sync() sync(): SyncResponse {
    return { children: [this.pods.desired({ metadata: { name: this.greeter.greet('pod') } })] };
  }
}

@Operator({ group: 'example.com', version: 'v1', kind: 'Cache' })
class CacheOperator {
  @Sync() sync(): SyncResponse {
    return { children: [] };
  }
}

@Operator({ group: 'example.com', version: 'v1', kind: 'Unbound' })
class UnboundOperator {
  @Sync() sync(): SyncResponse {
    return { children: [] };
  }
}

@Operator({ group: 'example.com', version: 'v1', kind: 'Echo2', name: 'echo' })
class SameNameOperator {
  @Sync() sync(): SyncResponse {
    return { children: [] };
  }
}

@Operator({ group: 'example.com', version: 'v1', kind: 'Broken' })
class NoSyncOperator {}

function problemsOf(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    return err.problems;
  }
  assert.fail('expected a ConfigError');
}

describe('discoverOperators', () => {
  it('should build a config for each bound operator, and only those', () => {
    const container = new Container({ defaultScope: 'Singleton' });
    container.bind(Greeter).toSelf();
    container.bind(EchoOperator).toSelf();
    container.bind(CacheOperator).toSelf();
    const configs = discoverOperators(container);
    assert.deepEqual(
      configs.map((c) => c.name),
      ['echo', 'cache'],
    );
    assert.ok(!configs.some((c) => c.source === UnboundOperator.name));
  });

  it('should return nothing when no operator is bound', () => {
    const container = new Container();
    container.bind(Greeter).toSelf();
    assert.deepEqual(discoverOperators(container), []);
  });

  it('should inject constructor services and bind sync to the resolved instance', async () => {
    const container = new Container({ defaultScope: 'Singleton' });
    container.bind(Greeter).toSelf();
    container.bind(EchoOperator).toSelf();
    const [config] = discoverOperators(container);
    assert.ok(config);
    const instance = container.get(EchoOperator);
    assert.equal(instance.pods, config.children[0]);
    const response = await config.sync({} as never);
    assert.deepEqual(response.children, [{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'hello pod' } }]);
  });

  it('should find operators bound in a parent container', () => {
    const parent = new Container();
    parent.bind(CacheOperator).toSelf();
    const child = new Container({ parent });
    assert.deepEqual(
      discoverOperators(child).map((c) => c.name),
      ['cache'],
    );
  });

  it('should find operators bound under the OPERATORS token, once per class', () => {
    const container = new Container({ defaultScope: 'Singleton' });
    container.bind(CacheOperator).toSelf();
    container.bind(OPERATORS).to(CacheOperator);
    container.bind(OPERATORS).toDynamicValue(() => new UnboundOperator());
    assert.deepEqual(
      discoverOperators(container).map((c) => c.name),
      ['cache', 'unbound'],
    );
  });

  it('should name the operator class when its dependencies cannot be resolved', () => {
    const container = new Container();
    container.bind(EchoOperator).toSelf();
    const problems = problemsOf(() => discoverOperators(container));
    assert.equal(problems.length, 1);
    assert.match(problems[0] as string, /^EchoOperator: the container could not create it: /);
    assert.match(problems[0] as string, /Bind every service its constructor injects/);
  });

  it('should name the operator class when its constructor throws', () => {
    @Operator({ group: 'example.com', version: 'v1', kind: 'Exploding' })
    class ExplodingOperator {
      constructor() {
        throw new Error('no API key in the environment');
      }
      @Sync() sync(): SyncResponse {
        return { children: [] };
      }
    }
    const container = new Container();
    container.bind(ExplodingOperator).toSelf();
    const problems = problemsOf(() => discoverOperators(container));
    assert.match(
      problems[0] as string,
      /^ExplodingOperator: the container could not create it: .*no API key in the environment/,
    );
  });

  it('should list every problem of every operator in one ConfigError', () => {
    const container = new Container({ defaultScope: 'Singleton' });
    container.bind(Greeter).toSelf();
    container.bind(EchoOperator).toSelf();
    container.bind(SameNameOperator).toSelf();
    container.bind(NoSyncOperator).toSelf();
    const problems = problemsOf(() => discoverOperators(container));
    assert.equal(problems.length, 2, problems.join('\n'));
    assert.match(problems[0] as string, /^NoSyncOperator: no method is marked @Sync\(\)/);
    assert.match(problems[1] as string, /^EchoOperator and SameNameOperator are both named 'echo'/);
  });

  it('should report a non-object bound under OPERATORS', () => {
    const container = new Container();
    container.bind(OPERATORS).toConstantValue(42 as unknown as object);
    assert.match(
      problemsOf(() => discoverOperators(container))[0] as string,
      /^OPERATORS: a binding resolved to number/,
    );
  });
});

describe('discoverOperatorsAsync', () => {
  it('should resolve operators whose dependencies are async', async () => {
    const container = new Container({ defaultScope: 'Singleton' });
    container.bind(Greeter).toDynamicValue(async () => new Greeter());
    container.bind(EchoOperator).toSelf();
    assert.throws(
      () => discoverOperators(container),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.match(err.problems[0] as string, /^EchoOperator: the container could not create it/);
        return true;
      },
    );
    const configs = await discoverOperatorsAsync(container);
    assert.deepEqual(
      configs.map((c) => c.name),
      ['echo'],
    );
  });

  it('should reject with one ConfigError naming the class', async () => {
    const container = new Container();
    container.bind(EchoOperator).toSelf();
    await assert.rejects(discoverOperatorsAsync(container), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.problems[0] as string, /^EchoOperator: /);
      return true;
    });
  });
});
