// Compile-time checks of @Related: this file must type-check for the build to pass, and each
// `@ts-expect-error` fails the build if the line below it compiles.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1ConfigMap, V1Secret } from '@kubernetes/client-node';
import { Related } from '../../../src/decorators/related.js';
import { ConfigMap, Secret } from '../../../src/types/builtins.js';
import type { RelatedRef } from '../../../src/types/related.js';
import type { ChildRef, Parent } from '../../../src/types/sync.js';

interface DbSpec {
  passwordSecret: string;
  team?: string;
}

class Matching {
  @Related(Secret, (db: Parent<DbSpec>) => ({ name: db.spec.passwordSecret }))
  password!: RelatedRef<V1Secret>;
  @Related(ConfigMap, (db: Parent<DbSpec>) =>
    db.spec.team
      ? {
          selector: { matchExpressions: [{ key: 'team', operator: 'In', values: [db.spec.team] }] },
          namespace: 'shared',
        }
      : undefined,
  )
  settings!: RelatedRef<V1ConfigMap>;
  @Related(Secret, () => ({ name: 'fixed' })) untyped!: RelatedRef;
}

class Mismatched {
  // @ts-expect-error a relation on a property that is not a RelatedRef at all
  @Related(Secret, () => ({ name: 'x' })) notARef!: V1Secret;
  // @ts-expect-error a relation on a property typed for a child handle
  @Related(ConfigMap, () => ({ name: 'x' })) childHandle!: ChildRef<V1ConfigMap>;
  // @ts-expect-error a selection with neither name nor selector
  @Related(Secret, () => ({ nam: 'x' })) typo!: RelatedRef<V1Secret>;
  // @ts-expect-error an operator Kubernetes does not have
  @Related(Secret, () => ({ selector: { matchExpressions: [{ key: 'a', operator: 'Eq' }] } })) o!: RelatedRef;
  // @ts-expect-error select reads a field the spec does not have
  @Related(Secret, (db: Parent<DbSpec>) => ({ name: db.spec.password })) field!: RelatedRef<V1Secret>;
}

describe('@Related typing', () => {
  it('compiles only with a RelatedRef property and a select returning a selection', () => {
    assert.ok(new Matching() && new Mismatched());
  });
});
