// @Related and the `related` list of a hand-written config: the handles they build, and every
// mistake reported with what to change.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1ConfigMap, V1Secret } from '@kubernetes/client-node';
import { buildOperatorConfig, collectOperatorConfig } from '../../../src/config/build-config.js';
import { childRef } from '../../../src/config/child-ref.js';
import type { OperatorConfig } from '../../../src/config/operator-config.js';
import { relatedRef } from '../../../src/config/related-ref.js';
import { operatorConfigProblems } from '../../../src/config/validate-config.js';
import { Child, Operator, Related, Sync } from '../../../src/decorators/index.js';
import { readRelatedMetadata } from '../../../src/decorators/read-metadata.js';
import { ConfigError } from '../../../src/errors/operon-error.js';
import { declarationsFromClasses } from '../../../src/generate/from-classes.js';
import { ConfigMap, Secret } from '../../../src/types/builtins.js';
import { customResource } from '../../../src/types/custom-resource.js';
import type { RelatedRef, RelatedSelect } from '../../../src/types/related.js';
import type { ChildRef, Parent, SyncResponse } from '../../../src/types/sync.js';

interface DbSpec {
  secret: string;
}
const Database = customResource<DbSpec>({ group: 'example.com', version: 'v1', kind: 'Database' });
const bySecret = (db: Parent<DbSpec>) => ({ name: db.spec.secret });

function problemsOf(build: () => unknown): readonly string[] {
  try {
    build();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    return err.problems;
  }
  assert.fail('expected a ConfigError');
}

describe('@Related', () => {
  it('puts a frozen RelatedRef on the property and lists it in the config', () => {
    @Operator({ parent: Database })
    class DbOperator {
      @Related(Secret, bySecret) password!: RelatedRef<V1Secret>;
      @Related(Secret, (db: Parent<DbSpec>) => ({ name: `${db.spec.secret}-tls` }))
      tls!: RelatedRef<V1Secret>;
      @Sync() sync(): SyncResponse {
        return { children: [] };
      }
    }
    assert.deepEqual(
      readRelatedMetadata(DbOperator).map((r) => r.property),
      ['password', 'tls'],
    );
    const op = new DbOperator();
    const config = buildOperatorConfig(op);
    assert.deepEqual(
      config.related?.map((r) => `${r.property}:${r.type.kind}`),
      ['password:Secret', 'tls:Secret'],
    );
    assert.equal(op.password, config.related?.[0]);
    assert.ok(Object.isFrozen(op.password));
    assert.equal(op.password.type, Secret);
    const db = { metadata: { name: 'd', uid: 'u' }, spec: { secret: 's' } } as Parent<unknown>;
    assert.deepEqual(op.password.select(db), { name: 's' });
    assert.deepEqual(op.tls.select(db), { name: 's-tls' });
  });

  it('is read by generation without constructing the class', () => {
    @Operator({ parent: Database, name: 'gen' })
    class GenOperator {
      constructor(readonly needed: { dependency: true }) {}
      @Related(Secret, bySecret) password!: RelatedRef<V1Secret>;
      @Sync() sync(): SyncResponse {
        return { children: [] };
      }
    }
    const [decl] = declarationsFromClasses([GenOperator]);
    assert.deepEqual(
      decl?.related?.map((r) => r.property),
      ['password'],
    );
  });

  it('reports two @Related on one property, @Child and @Related together, and a static one', () => {
    @Operator({ parent: Database })
    class Twice {
      @Related(Secret, bySecret)
      @Related(Secret, () => undefined)
      password!: RelatedRef<V1Secret>;
      @Child(ConfigMap)
      @Related(ConfigMap, () => undefined)
      both!: ChildRef<V1ConfigMap> & RelatedRef<V1ConfigMap>;
      @Related(Secret, bySecret) static shared: RelatedRef<V1Secret>;
      @Sync() sync(): SyncResponse {
        return { children: [] };
      }
    }
    const problems = problemsOf(() => buildOperatorConfig(new Twice()));
    assert.equal(problems.length, 3, problems.join('\n'));
    assert.match(problems[0] as string, /^Twice: property 'password' has more than one @Related/);
    assert.match(problems[1] as string, /^Twice: property 'both' has both @Child and @Related/);
    assert.match(problems[2] as string, /^Twice: @Related 'shared' is on a static property/);
  });

  it('reports a select that is not a function, in the words of the decorator', () => {
    @Operator({ parent: Database })
    class NotAFunction {
      // Plain JavaScript (or a cast) can pass anything.
      @Related(Secret, 'password' as unknown as RelatedSelect) password!: RelatedRef<V1Secret>;
      @Sync() sync(): SyncResponse {
        return { children: [] };
      }
    }
    const problems = problemsOf(() => buildOperatorConfig(new NotAFunction()));
    assert.deepEqual(problems.length, 1);
    assert.match(
      problems[0] as string,
      /^NotAFunction: @Related 'password' has a select that is not a function \(got string\)\. Pass @Related\(type, \(parent\) =>/,
    );
  });

  it('allows the parent’s own type and a declared child type as related types', () => {
    @Operator({ parent: Database })
    class Allowed {
      @Child(Secret) credentials!: ChildRef<V1Secret>;
      @Related(Secret, bySecret) userSecret!: RelatedRef<V1Secret>;
      @Related(Database, () => ({ name: 'primary' })) primary!: RelatedRef;
      @Sync() sync(): SyncResponse {
        return { children: [] };
      }
    }
    const { problems, config } = collectOperatorConfig(new Allowed());
    assert.deepEqual(problems, []);
    assert.equal(config?.related?.length, 2);
  });
});

describe('related in a hand-written config', () => {
  const base = (related: unknown): OperatorConfig<unknown> =>
    ({
      name: 'db',
      parent: { type: Database },
      children: [childRef(ConfigMap)],
      related,
      sync: () => ({ children: [] }),
    }) as OperatorConfig<unknown>;

  it('is optional: configs written before relations existed still validate', () => {
    const { related: _none, ...old } = base(undefined);
    assert.deepEqual(operatorConfigProblems(old as OperatorConfig<unknown>), []);
    assert.deepEqual(operatorConfigProblems(base([relatedRef(Secret, bySecret, 'password')])), []);
  });

  it('reports each mistake, naming the relation and the fix', () => {
    assert.deepEqual(operatorConfigProblems(base('password')), [
      "operator 'db': related is not a list (got string). Set it to an array of relatedRef(type, select, property) handles, or leave it out.",
    ]);
    const problems = operatorConfigProblems(
      base([
        relatedRef(Secret, bySecret),
        relatedRef(Secret, () => ({ name: 'other' })),
        { type: Secret, property: 'noSelect' },
        relatedRef(undefined as unknown as typeof Secret, bySecret, 'noType'),
        relatedRef({ ...Secret, plural: '' }, bySecret, 'noPlural'),
      ]),
    );
    assert.equal(problems.length, 4, problems.join('\n'));
    assert.match(
      problems[0] as string,
      /^operator 'db': related 'Secret' is declared twice\. Give each relation its own property/,
    );
    assert.match(
      problems[1] as string,
      /related 'noSelect' has a select that is not a function \(got undefined\)\. Pass relatedRef\(type, select\)/,
    );
    assert.match(problems[2] as string, /related 'noType' has no resource type \(got undefined\)/);
    assert.match(problems[3] as string, /related 'noPlural' has a resource type with no plural/);
  });
});
