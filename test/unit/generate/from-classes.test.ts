import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Child, Operator } from '../../../src/decorators/index.js';
import { ConfigError } from '../../../src/errors/operon-error.js';
import { declarationsFromClasses } from '../../../src/generate/from-classes.js';
import { Pod } from '../../../src/types/builtins.js';
import type { ChildRef } from '../../../src/types/sync.js';
import { EchoOperator } from './fixtures-operators.js';

describe('declarationsFromClasses', () => {
  it('reads an operator without running its constructor', () => {
    const [echo] = declarationsFromClasses([EchoOperator]);
    assert.equal(echo?.name, 'echo');
    assert.equal(echo?.parent.type.kind, 'Echo');
    assert.deepEqual(
      echo?.children.map((c) => `${c.type.kind}:${c.strategy}`),
      ['Pod:recreate', 'Service:replace', 'ConfigMap:apply', 'Secret:on-delete'],
    );
    assert.equal(typeof echo?.finalize, 'function');
  });

  it('reports invalid decorator use as one ConfigError, as Operon.run would', () => {
    @Operator({ group: 'example.com', version: 'v1', kind: 'Broken', name: 'Not_A_Label' })
    class BrokenOperator {
      @Child(Pod) a!: ChildRef;
      @Child(Pod) b!: ChildRef;
    }
    assert.throws(
      () => declarationsFromClasses([BrokenOperator]),
      (e) =>
        e instanceof ConfigError &&
        /no method is marked @Sync/.test(e.message) &&
        /Not_A_Label/.test(e.message) &&
        /Pod/.test(e.message),
    );
  });

  it('reports a class without @Operator', () => {
    class Plain {}
    assert.throws(() => declarationsFromClasses([Plain]), /no @Operator decorator/);
  });
});
