import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1Namespace, V1Pod } from '@kubernetes/client-node';
import { buildOperatorConfig } from '../../../src/config/build-config.js';
import { childRef } from '../../../src/config/child-ref.js';
import type { OperatorConfig } from '../../../src/config/operator-config.js';
import {
  operatorSetProblems,
  validateOperatorConfig,
  validateOperatorSet,
} from '../../../src/config/validate-config.js';
import { Child, Finalize, Operator, type OperatorOptions, Sync } from '../../../src/decorators/index.js';
import { ConfigError } from '../../../src/errors/operon-error.js';
import { Namespace, Pod } from '../../../src/types/builtins.js';
import { customResource } from '../../../src/types/custom-resource.js';
import { resourceType } from '../../../src/types/resource-type.js';
import type { ChildRef, SyncResponse } from '../../../src/types/sync.js';
import type { UpdateStrategy } from '../../../src/types/update-strategy.js';

const parent = { group: 'example.com', version: 'v1', kind: 'EchoServer' } as const;

function problemsOf(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    assert.equal(err.code, 'CONFIG_INVALID');
    for (const p of err.problems) assert.ok(err.message.includes(p), 'the message lists every problem');
    return err.problems;
  }
  assert.fail('expected a ConfigError');
}

/** Asserts exactly one problem, naming the class and matching every pattern. */
function assertOneProblem(fn: () => unknown, ...patterns: RegExp[]): void {
  const problems = problemsOf(fn);
  assert.equal(problems.length, 1, `expected one problem, got:\n${problems.join('\n')}`);
  for (const pattern of patterns) assert.match(problems[0] as string, pattern);
}

describe('buildOperatorConfig validation', () => {
  it('should report a class without @Operator', () => {
    class NotAnOperator {
      @Sync() sync(): SyncResponse {
        return { children: [] };
      }
    }
    assertOneProblem(
      () => buildOperatorConfig(new NotAnOperator()),
      /^NotAnOperator: the class has no @Operator decorator/,
      /Add @Operator\(\{ group, version, kind \}\)/,
    );
  });

  it('should report a missing @Sync', () => {
    @Operator(parent)
    class NoSyncOperator {}
    assertOneProblem(
      () => buildOperatorConfig(new NoSyncOperator()),
      /^NoSyncOperator: no method is marked @Sync\(\)/,
      /Mark the method that returns the desired children and the status with @Sync\(\)/,
    );
  });

  it('should report two @Sync methods', () => {
    @Operator(parent)
    class TwoSyncOperator {
      @Sync() a(): SyncResponse {
        return { children: [] };
      }
      @Sync() b(): SyncResponse {
        return { children: [] };
      }
    }
    assertOneProblem(
      () => buildOperatorConfig(new TwoSyncOperator()),
      /^TwoSyncOperator: @Sync\(\) marks 2 methods \('a', 'b'\)/,
      /Keep @Sync\(\) on exactly one method/,
    );
  });

  it('should report two @Finalize methods', () => {
    @Operator(parent)
    class TwoFinalizeOperator {
      @Sync() sync(): SyncResponse {
        return { children: [] };
      }
      @Finalize() a() {}
      @Finalize() b() {}
    }
    assertOneProblem(
      () => buildOperatorConfig(new TwoFinalizeOperator()),
      /^TwoFinalizeOperator: @Finalize\(\) marks 2 methods \('a', 'b'\)/,
      /Keep @Finalize\(\) on exactly one method/,
    );
  });

  it('should report a child type declared twice', () => {
    @Operator(parent)
    class EchoServerOperator {
      @Child(Pod) others!: ChildRef<V1Pod>;
      @Child(Pod, 'recreate') pods!: ChildRef<V1Pod>;
      @Sync() sync(): SyncResponse {
        return { children: [] };
      }
    }
    const problems = problemsOf(() => buildOperatorConfig(new EchoServerOperator()));
    assert.deepEqual(problems, [
      "EchoServerOperator: @Child 'pods' declares Pod (v1) a second time (already on 'others'). Declare each child type once and return all its objects from sync.",
    ]);
  });

  it('should report a parent without kind, version and plural', () => {
    @Operator({ group: 'example.com' } as OperatorOptions)
    class HalfOperator {
      @Sync() sync(): SyncResponse {
        return { children: [] };
      }
    }
    assertOneProblem(
      () => buildOperatorConfig(new HalfOperator()),
      /^HalfOperator: the parent resource type has no kind, no version, no plural/,
      /Set kind and version and plural in @Operator/,
    );
  });

  it('should report a parent with an empty plural', () => {
    @Operator({ ...parent, plural: '' })
    class NoPluralOperator {
      @Sync() sync(): SyncResponse {
        return { children: [] };
      }
    }
    assertOneProblem(
      () => buildOperatorConfig(new NoPluralOperator()),
      /^NoPluralOperator: .*has no plural\. Set plural/,
    );
  });

  it('should report @Operator without options', () => {
    @Operator(undefined as unknown as OperatorOptions)
    class BareOperator {
      @Sync() sync(): SyncResponse {
        return { children: [] };
      }
    }
    assertOneProblem(
      () => buildOperatorConfig(new BareOperator()),
      /^BareOperator: no parent resource type\. Pass \{ group, version, kind \} or \{ parent \} to @Operator/,
    );
  });

  it('should report a custom resource parent without a group', () => {
    @Operator({ parent: customResource({ group: '', version: 'v1', kind: 'Thing' }) })
    class ThingOperator {
      @Sync() sync(): SyncResponse {
        return { children: [] };
      }
    }
    assertOneProblem(
      () => buildOperatorConfig(new ThingOperator()),
      /^ThingOperator: the parent Thing \(v1\) is a custom resource without a group/,
      /Set group .* to a domain you own/,
    );
  });

  it('should accept a cluster-scoped child of a namespaced parent (Operon tracks it by label)', () => {
    @Operator(parent)
    class TenantOperator {
      @Child(Namespace) namespaces!: ChildRef<V1Namespace>;
      @Sync() sync(): SyncResponse {
        return { children: [] };
      }
    }
    assert.equal(buildOperatorConfig(new TenantOperator()).children[0]?.type.kind, 'Namespace');
  });

  it('should accept a cluster-scoped child of a cluster-scoped parent', () => {
    @Operator({ ...parent, namespaced: false })
    class ClusterOperator {
      @Child(Namespace) namespaces!: ChildRef<V1Namespace>;
      @Sync() sync(): SyncResponse {
        return { children: [] };
      }
    }
    assert.equal(buildOperatorConfig(new ClusterOperator()).children.length, 1);
  });

  it('should report an operator name that is not a DNS-1123 label', () => {
    @Operator({ ...parent, name: 'Echo_Server' })
    class BadNameOperator {
      @Sync() sync(): SyncResponse {
        return { children: [] };
      }
    }
    assertOneProblem(
      () => buildOperatorConfig(new BadNameOperator()),
      /^BadNameOperator: operator name 'Echo_Server' is not a valid DNS-1123 label/,
      /Set @Operator\(\{ name \}\), e\.g\. 'echo-server'/,
    );
  });

  it('should report a default name that is too long', () => {
    @Operator(parent)
    class AVeryVeryVeryVeryVeryVeryVeryVeryVeryVeryVeryVeryVeryLongNamedOperator {
      @Sync() sync(): SyncResponse {
        return { children: [] };
      }
    }
    assertOneProblem(
      () => buildOperatorConfig(new AVeryVeryVeryVeryVeryVeryVeryVeryVeryVeryVeryVeryVeryLongNamedOperator()),
      /is not a valid DNS-1123 label \(at most 63/,
    );
  });

  it('should report an unknown update strategy', () => {
    @Operator(parent)
    class PatchOperator {
      @Child(Pod, 'patch' as UpdateStrategy) pods!: ChildRef<V1Pod>;
      @Sync() sync(): SyncResponse {
        return { children: [] };
      }
    }
    assertOneProblem(
      () => buildOperatorConfig(new PatchOperator()),
      /^PatchOperator: @Child 'pods' uses update strategy 'patch', which Operon does not know/,
      /Use one of 'apply', 'replace', 'recreate', 'on-delete'\./,
    );
  });

  it('should report a finalizer name that is not <domain>/<name>', () => {
    @Operator(parent)
    class CleanupOperator {
      @Sync() sync(): SyncResponse {
        return { children: [] };
      }
      @Finalize({ finalizerName: 'cleanup' }) fin() {}
    }
    assertOneProblem(
      () => buildOperatorConfig(new CleanupOperator()),
      /^CleanupOperator: finalizer name 'cleanup' is not of the form <domain>\/<name>/,
      /Set @Finalize\(\{ finalizerName \}\) or @Operator\(\{ finalizerName \}\) to something like 'example\.com\/cleanup'/,
    );
  });

  it('should report a finalizer name set differently in two places', () => {
    @Operator({ ...parent, finalizerName: 'example.com/a' })
    class SplitOperator {
      @Sync() sync(): SyncResponse {
        return { children: [] };
      }
      @Finalize({ finalizerName: 'example.com/b' }) fin() {}
    }
    assertOneProblem(
      () => buildOperatorConfig(new SplitOperator()),
      /^SplitOperator: the finalizer name is set twice/,
      /Set it in one place/,
    );
  });

  it('should report @Child on a static property and @Sync on a static method', () => {
    @Operator(parent)
    class StaticOperator {
      @Child(Pod) static pods: ChildRef<V1Pod>;
      @Sync() static sync(): SyncResponse {
        return { children: [] };
      }
    }
    const problems = problemsOf(() => buildOperatorConfig(new StaticOperator()));
    assert.equal(problems.length, 2);
    assert.match(
      problems[0] as string,
      /^StaticOperator: @Child 'pods' is on a static property\. Put it on an instance property/,
    );
    assert.match(
      problems[1] as string,
      /^StaticOperator: @Sync\(\) is on static method 'sync'\. Put it on an instance method/,
    );
  });

  it('should report @Sync on something that is not a method', () => {
    @Operator(parent)
    class FieldOperator {}
    Sync()(FieldOperator.prototype, 'notThere');
    assertOneProblem(
      () => buildOperatorConfig(new FieldOperator()),
      /^FieldOperator: @Sync\(\) is on 'notThere', which is not a method/,
    );
  });

  it('should report a @Child whose type is undefined', () => {
    @Operator(parent)
    class CycleOperator {
      @Child(undefined as unknown as typeof Pod) pods!: ChildRef<V1Pod>;
      @Sync() sync(): SyncResponse {
        return { children: [] };
      }
    }
    assertOneProblem(
      () => buildOperatorConfig(new CycleOperator()),
      /^CycleOperator: @Child 'pods' has no resource type \(got undefined\)/,
      /check for a circular import/,
    );
  });

  it('should report every problem at once', () => {
    @Operator({ kind: 'X', version: 'v1', group: 'example.com', name: 'BAD' })
    class ManyProblemsOperator {
      @Child(Pod) a!: ChildRef<V1Pod>;
      @Child(Pod, 'nope' as UpdateStrategy) b!: ChildRef<V1Pod>;
      @Child(Pod) c!: ChildRef<V1Pod>;
      @Finalize({ finalizerName: 'x' }) f() {}
    }
    const problems = problemsOf(() => buildOperatorConfig(new ManyProblemsOperator()));
    assert.equal(problems.length, 6, problems.join('\n'));
    for (const p of problems) assert.match(p, /^ManyProblemsOperator: /);
  });
});

describe('validateOperatorConfig', () => {
  const Echo = customResource({ ...parent });
  const valid: OperatorConfig = {
    name: 'echo-server',
    parent: { type: Echo },
    children: [childRef(Pod, 'recreate', 'pods')],
    sync: () => ({ children: [] }),
  };

  it('should accept a valid hand-written config', () => {
    assert.doesNotThrow(() => validateOperatorConfig(valid));
  });

  it('should name the operator and the config fields in its messages', () => {
    const config = {
      ...valid,
      name: 'Echo',
      sync: undefined,
      finalizerName: 'nodomain',
      children: [childRef(Pod), childRef(Pod, 'other' as UpdateStrategy, 'more')],
    } as unknown as OperatorConfig;
    const problems = problemsOf(() => validateOperatorConfig(config));
    assert.deepEqual(problems, [
      "operator 'Echo': the config has no sync function. Set sync to a function that returns the desired children and the status.",
      "operator 'Echo': operator name 'Echo' is not a valid DNS-1123 label (at most 63 lower-case letters, digits and '-', starting and ending with a letter or digit). Set name, e.g. 'echo'.",
      "operator 'Echo': child 'more' uses update strategy 'other', which Operon does not know. Use one of 'apply', 'replace', 'recreate', 'on-delete'.",
      "operator 'Echo': child 'more' declares Pod (v1) a second time (already on 'Pod'). Declare each child type once and return all its objects from sync.",
      "operator 'Echo': finalizer name 'nodomain' is not of the form <domain>/<name>. Set finalizerName to something like 'example.com/cleanup' (a domain you own, '/', then letters, digits, '-', '_' or '.').",
    ]);
  });

  it('should use the source in messages when set', () => {
    const problems = problemsOf(() => validateOperatorConfig({ ...valid, source: 'my-config.ts', name: '' }));
    assert.match(problems[0] as string, /^my-config\.ts: operator name '' is not a valid DNS-1123 label/);
  });

  it('should report a spec that is not a class', () => {
    const config = { ...valid, parent: { type: Echo, spec: {} } } as unknown as OperatorConfig;
    assert.match(
      problemsOf(() => validateOperatorConfig(config))[0] as string,
      /the parent's spec is not a class \(got object\)\. Pass the class itself/,
    );
  });

  it('should accept a built-in parent without a group', () => {
    assert.doesNotThrow(() =>
      validateOperatorConfig({
        ...valid,
        parent: { type: resourceType({ version: 'v1', kind: 'ConfigMap' }) },
      }),
    );
  });
});

describe('validateOperatorSet', () => {
  const make = (name: string, source: string, kind: string, version = 'v1'): OperatorConfig => ({
    name,
    source,
    parent: { type: customResource({ group: 'example.com', version, kind }) },
    children: [],
    sync: () => ({ children: [] }),
  });

  it('should accept operators with distinct names and parents', () => {
    assert.doesNotThrow(() =>
      validateOperatorSet([make('a', 'AOperator', 'A'), make('b', 'BOperator', 'B')]),
    );
  });

  it('should report two operators with the same name', () => {
    const problems = problemsOf(() =>
      validateOperatorSet([make('echo', 'EchoOperator', 'A'), make('echo', 'OtherEchoOperator', 'B')]),
    );
    assert.deepEqual(problems, [
      "EchoOperator and OtherEchoOperator are both named 'echo'. Operator names must be unique in a process (they are field managers and label values): set a different name on one of them (@Operator({ name }) or the config's name).",
    ]);
  });

  it('should report two operators owning the same parent kind, in any version', () => {
    const problems = operatorSetProblems([
      make('a', 'AOperator', 'Echo', 'v1'),
      make('b', 'BOperator', 'Echo', 'v2'),
    ]);
    assert.equal(problems.length, 1);
    assert.match(
      problems[0] as string,
      /^AOperator and BOperator both own Echo \(example\.com\/v2\)\. Only one operator may own a parent kind/,
    );
  });

  it('should also check each config', () => {
    const problems = problemsOf(() => validateOperatorSet([make('A', 'AOperator', 'A')]));
    assert.match(problems[0] as string, /^AOperator: operator name 'A' is not a valid DNS-1123 label/);
  });
});
