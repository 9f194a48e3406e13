import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateSyncResponse } from '../../../src/runtime/planner/index.js';
import { Namespace, Role } from '../../../src/types/builtins.js';
import type { KubeObject } from '../../../src/types/kube-object.js';
import {
  ClusterRole,
  ConfigMap,
  children,
  clusterParent,
  configMap,
  EchoServer,
  edited,
  NS,
  parent,
  ref,
  service,
  Tenant,
} from './fixtures.js';

const ctx = { parent, parentType: EchoServer, children };
const check = (response: unknown) => validateSyncResponse(response, ctx);

/** Asserts exactly one problem, matching `pattern`. */
function one(problems: string[], pattern: RegExp): void {
  assert.equal(problems.length, 1, `expected one problem, got: ${JSON.stringify(problems)}`);
  assert.match(problems[0]!, pattern);
}

const named = (apiVersion: string, kind: string, name: string, namespace?: string): KubeObject => ({
  apiVersion,
  kind,
  metadata: namespace === undefined ? { name } : { name, namespace },
});

describe('validateSyncResponse', () => {
  it('accepts a valid response', () => {
    const inNs = edited(configMap('cfg'), (c) => {
      c.metadata!.namespace = NS;
    });
    assert.deepEqual(check({ children: [service('web'), inNs], status: { ready: 1 }, resync: 0 }), []);
    assert.deepEqual(check({ children: [] }), []);
  });

  it('rejects a response that is not an object', () => {
    one(check(undefined), /^sync returned undefined; it must return an object such as \{ status/);
    one(check([]), /^sync returned \[\]/);
  });

  it('rejects missing or non-array children, saying that none is []', () => {
    one(check({}), /^children must be an array .*use \[\] for none.*got undefined.*delete them all/);
    one(check({ children: { a: 1 } }), /^children must be an array .*got \{"a":1\}/);
  });

  it('rejects a child that is not an object', () => {
    one(check({ children: [null] }), /^children\[0\] is null, not an object/);
    one(check({ children: [service('a'), 'web'] }), /^children\[1\] is "web", not an object/);
  });

  it('rejects a child that cannot be turned into JSON', () => {
    const looped: Record<string, unknown> = { ...configMap('c') };
    looped.self = looped;
    one(
      check({ children: [looped] }),
      /^children\[0\] \(ConfigMap "c"\) cannot be turned into JSON \(.*circular.*\); children must be plain data/i,
    );
    one(check({ children: [{ ...configMap('n'), size: 1n }] }), /cannot be turned into JSON \(.*BigInt.*\)/);
  });

  it('rejects a child without apiVersion or kind, naming the declared types', () => {
    one(
      check({ children: [{ metadata: { name: 'x' } }] }),
      /^children\[0\] \("x"\) has no apiVersion and kind; build it with a ChildRef's desired\(\).*Service \(v1\), ConfigMap \(v1\), Pod \(v1\)/,
    );
  });

  it('rejects an undeclared child type, naming the declared ones', () => {
    one(
      check({ children: [named('v1', 'Secret', 's')] }),
      /^children\[0\] \(Secret "s"\) is a Secret \(v1\), which is not a declared child type of this operator; declared: Service \(v1\), ConfigMap \(v1\), Pod \(v1\)\. Declare it with @Child/,
    );
  });

  it('says which apiVersion a declared kind uses when the child has another', () => {
    one(
      check({ children: [named('v2', 'ConfigMap', 'c')] }),
      /^children\[0\] \(ConfigMap "c"\) has apiVersion "v2", but ConfigMap is declared as a child with apiVersion "v1"/,
    );
  });

  it('rejects a child without metadata or without metadata.name', () => {
    one(
      check({ children: [{ apiVersion: 'v1', kind: 'ConfigMap' }] }),
      /^children\[0\] \(ConfigMap\) has no metadata; set metadata\.name/,
    );
    one(
      check({ children: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: '' } }] }),
      /^children\[0\] \(ConfigMap\) has no metadata\.name; every child needs a fixed name/,
    );
    one(
      check({ children: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { generateName: 'c-' } }] }),
      /has no metadata\.name \(metadata\.generateName is not supported\)/,
    );
  });

  it('rejects names the API server would refuse for that kind', () => {
    one(
      check({ children: [configMap('Web')] }),
      /^children\[0\] \(ConfigMap "Web"\): metadata\.name must be a DNS subdomain/,
    );
    one(
      check({ children: [configMap('a'.repeat(254))] }),
      /metadata\.name is 254 characters long; the limit is 253/,
    );
    // A valid DNS subdomain, but Service names must start with a letter.
    one(
      check({ children: [service('1web')] }),
      /^children\[0\] \(Service "1web"\): metadata\.name must be a DNS-1035 label/,
    );
    one(check({ children: [service('web.v1')] }), /must be a DNS-1035 label/);
    assert.deepEqual(check({ children: [configMap('web.v1'), service('w-1')] }), []);
  });

  it('applies the kind’s own name rule: RBAC names may contain ":"', () => {
    const rbac = { ...ctx, children: [ref(Role, 'apply')] };
    const role = named('rbac.authorization.k8s.io/v1', 'Role', 'system:reader');
    assert.deepEqual(validateSyncResponse({ children: [role] }, rbac), []);
    const bad = named('rbac.authorization.k8s.io/v1', 'Role', 'a/b');
    one(validateSyncResponse({ children: [bad] }, rbac), /metadata\.name may not contain "\/" or "%"/);
    const dots = named('rbac.authorization.k8s.io/v1', 'Role', '..');
    one(validateSyncResponse({ children: [dots] }, rbac), /metadata\.name may not be "\." or "\.\."/);
  });

  it('rejects a namespace other than the parent’s', () => {
    one(
      check({ children: [named('v1', 'ConfigMap', 'c', 'other')] }),
      /^children\[0\] \(ConfigMap "c"\) is in namespace "other", but its parent EchoServer "web" is in "team-a"; owner references cannot cross namespaces/,
    );
    one(
      check({ children: [named('v1', 'ConfigMap', 'c', '')] }),
      /metadata\.namespace must be a non-empty string/,
    );
  });

  it('under a cluster-scoped parent, requires a namespace for namespaced children', () => {
    const cctx = {
      parent: clusterParent,
      parentType: Tenant,
      children: [ref(ConfigMap, 'apply'), ref(ClusterRole, 'apply')],
    };
    const role = named('rbac.authorization.k8s.io/v1', 'ClusterRole', 'r');
    assert.deepEqual(
      validateSyncResponse({ children: [named('v1', 'ConfigMap', 'c', 'ns-1'), role] }, cctx),
      [],
    );
    one(
      validateSyncResponse({ children: [configMap('c')] }, cctx),
      /^children\[0\] \(ConfigMap "c"\) has no metadata\.namespace; its parent Tenant "acme" is cluster-scoped/,
    );
  });

  it('rejects a namespace on a cluster-scoped child, and a cluster-scoped child of a namespaced parent', () => {
    const cctx = { parent: clusterParent, parentType: Tenant, children: [ref(ClusterRole, 'apply')] };
    one(
      validateSyncResponse(
        { children: [named('rbac.authorization.k8s.io/v1', 'ClusterRole', 'r', 'x')] },
        cctx,
      ),
      /ClusterRole is cluster-scoped; remove metadata\.namespace/,
    );
    const nctx = { ...ctx, children: [ref(Namespace, 'apply')] };
    one(
      validateSyncResponse({ children: [named('v1', 'Namespace', 'n')] }, nctx),
      /Namespace is cluster-scoped and cannot be owned by the namespaced EchoServer "web"/,
    );
  });

  it('rejects duplicates of type, namespace and name, counting the defaulted namespace', () => {
    const explicit = named('v1', 'ConfigMap', 'c', NS);
    one(
      check({ children: [configMap('c'), service('c'), explicit] }),
      /^children\[0\] and children\[2\] are both ConfigMap "c" in namespace "team-a"; names must be unique/,
    );
  });

  it('allows one name in two namespaces under a cluster-scoped parent', () => {
    const cctx = { parent: clusterParent, parentType: Tenant, children: [ref(ConfigMap, 'apply')] };
    const twice = [named('v1', 'ConfigMap', 'c', 'a'), named('v1', 'ConfigMap', 'c', 'b')];
    assert.deepEqual(validateSyncResponse({ children: twice }, cctx), []);
    one(
      validateSyncResponse({ children: [twice[0], twice[0]] }, cctx),
      /both ConfigMap "c" in namespace "a"/,
    );
  });

  it('rejects a controller owner reference to anything but the parent', () => {
    const cm = edited(configMap('c'), (c) => {
      c.metadata!.ownerReferences = [
        { apiVersion: 'apps/v1', kind: 'Deployment', name: 'd', uid: 'u', controller: true },
      ];
    });
    one(check({ children: [cm] }), /names Deployment "d" as controller; .*Drop controller: true/);
    const toParent = edited(configMap('c'), (c) => {
      c.metadata!.ownerReferences = [
        { apiVersion: 'x', kind: 'EchoServer', name: 'web', uid: 'uid-parent', controller: true },
      ];
    });
    assert.deepEqual(check({ children: [toParent] }), []);
    const plainRef = edited(configMap('c'), (c) => {
      c.metadata!.ownerReferences = [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'd', uid: 'u' }];
    });
    assert.deepEqual(check({ children: [plainRef] }), [], 'a non-controller reference is fine');
  });

  it('rejects labels and annotations that are not strings', () => {
    const cm = { ...configMap('c'), metadata: { name: 'c', labels: { replicas: 3 }, annotations: 'x' } };
    const problems = check({ children: [cm] });
    assert.equal(problems.length, 2);
    assert.match(problems[0]!, /metadata\.labels\["replicas"\] must be a string; got 3 \(write it as "3"\)/);
    assert.match(problems[1]!, /metadata\.annotations must be an object of strings; got "x"/);
  });

  it('rejects a status that is not a plain object, and accepts a class instance', () => {
    one(
      check({ children: [], status: [1] }),
      /^status must be a plain JSON object \(or left out\); got \[1\]/,
    );
    one(check({ children: [], status: null }), /got null/);
    one(check({ children: [], status: 'ok' }), /got "ok"/);
    one(check({ children: [], status: new Map() }), /got a Map/);
    one(check({ children: [], status: Promise.resolve({}) }), /^status is a Promise; await it/);
    class EchoStatus {
      ready = 1;
    }
    assert.deepEqual(check({ children: [], status: new EchoStatus() }), []);
  });

  it('rejects a resync that is not a non-negative finite number', () => {
    for (const resync of [-1, Number.NaN, Number.POSITIVE_INFINITY, '1000']) {
      one(check({ children: [], resync }), /^resync must be a non-negative, finite number of milliseconds/);
    }
    one(check({ children: [], resync: Number.NaN }), /got NaN/);
    assert.deepEqual(check({ children: [], resync: 30_000 }), []);
  });

  it('reports every problem at once', () => {
    const problems = check({
      children: [configMap('Bad'), named('v1', 'Secret', 's')],
      status: 1,
      resync: -1,
    });
    assert.equal(problems.length, 4);
  });
});
