// Compile-time checks: this file must type-check for the build to pass, and each
// `@ts-expect-error` fails the build if the line below it compiles. The run-time test only
// records that the checks are part of the suite.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1ConfigMap, V1Pod, V1Service } from '@kubernetes/client-node';
import { Child } from '../../../src/decorators/child.js';
import { ConfigMap, Pod, Service } from '../../../src/types/builtins.js';
import type { ChildRef } from '../../../src/types/sync.js';

class Matching {
  @Child(Pod, 'recreate') pods!: ChildRef<V1Pod>;
  @Child(Service) service!: ChildRef<V1Service>;
  @Child(ConfigMap) untyped!: ChildRef;
  // Private properties cannot be checked from outside the class; they are accepted.
  @Child(Pod) private hidden!: ChildRef<V1Pod>;
  get hiddenRef(): ChildRef<V1Pod> {
    return this.hidden;
  }
}

class Mismatched {
  // @ts-expect-error a Pod child on a property typed for Services
  @Child(Pod) services!: ChildRef<V1Service>;
  // @ts-expect-error a ConfigMap child on a property that is not a ChildRef at all
  @Child(ConfigMap) notARef!: V1ConfigMap;
}

describe('@Child typing', () => {
  it('compiles only on a property typed ChildRef of the same resource type', () => {
    assert.ok(new Matching() && new Mismatched());
  });
});
