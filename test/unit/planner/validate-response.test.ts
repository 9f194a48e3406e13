import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OperonError } from '../../../src/errors/operon-error.js';
import {
  DESIRED_HASH_ANNOTATION,
  desiredHash,
  OPERATOR_LABEL,
  planChildren,
  validateSyncResponse,
} from '../../../src/runtime/planner/index.js';
import { CronJob, Job, Namespace, Role } from '../../../src/types/builtins.js';
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
  pod,
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
      /^children\[0\] \(ConfigMap "Web"\): metadata\.name contains upper-case "W"; ConfigMap names must be DNS subdomains: at most 253 characters, lower-case letters/,
    );
    one(
      check({ children: [configMap('a'.repeat(254))] }),
      /^children\[0\] \(ConfigMap "a{56}\.\.\.\): metadata\.name is 254 characters long; ConfigMap names must be DNS subdomains/,
    );
    // A valid DNS subdomain, but Service names must start with a letter.
    one(
      check({ children: [service('1web')] }),
      /^children\[0\] \(Service "1web"\): metadata\.name starts with "1"; Service names must be DNS-1035 labels/,
    );
    one(
      check({ children: [service('web.v1')] }),
      /metadata\.name contains "\."; Service names must be DNS-1035 labels/,
    );
    assert.deepEqual(check({ children: [configMap('web.v1'), service('w-1')] }), []);
  });

  it('applies the kind’s own name rule: RBAC names may contain ":"', () => {
    const rbac = { ...ctx, children: [ref(Role, 'apply')] };
    const role = named('rbac.authorization.k8s.io/v1', 'Role', 'system:reader');
    assert.deepEqual(validateSyncResponse({ children: [role] }, rbac), []);
    const bad = named('rbac.authorization.k8s.io/v1', 'Role', 'a/b');
    one(
      validateSyncResponse({ children: [bad] }, rbac),
      /metadata\.name contains "\/"; no object name may be '\.' or '\.\.' or contain '\/' or '%'/,
    );
    const dots = named('rbac.authorization.k8s.io/v1', 'Role', '..');
    one(validateSyncResponse({ children: [dots] }, rbac), /metadata\.name is "\.\."; no object name may be/);
  });

  it('accepts a child in another namespace, unless the operator does not watch it', () => {
    assert.deepEqual(check({ children: [named('v1', 'ConfigMap', 'c', 'other')] }), []);
    one(
      validateSyncResponse(
        { children: [named('v1', 'ConfigMap', 'c', 'other')] },
        { ...ctx, watchedNamespaces: [NS] },
      ),
      /^children\[0\] \(ConfigMap "c"\) is in namespace "other", which this operator does not watch \(it watches "team-a"\); .*Add the namespace to the watched namespaces/,
    );
    // The defaulted namespace is the parent's, which a namespace-restricted operator watches.
    assert.deepEqual(
      validateSyncResponse({ children: [configMap('c')] }, { ...ctx, watchedNamespaces: [NS] }),
      [],
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

  it('rejects a namespace on a cluster-scoped child; accepts one under a namespaced parent', () => {
    const cctx = { parent: clusterParent, parentType: Tenant, children: [ref(ClusterRole, 'apply')] };
    one(
      validateSyncResponse(
        { children: [named('rbac.authorization.k8s.io/v1', 'ClusterRole', 'r', 'x')] },
        cctx,
      ),
      /ClusterRole is cluster-scoped; remove metadata\.namespace/,
    );
    const nctx = { ...ctx, children: [ref(Namespace, 'apply')] };
    assert.deepEqual(validateSyncResponse({ children: [named('v1', 'Namespace', 'n')] }, nctx), []);
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

/** A ConfigMap child with the given labels and annotations. */
const withMeta = (
  labels?: Record<string, string>,
  annotations?: Record<string, string>,
  name = 'c',
): KubeObject =>
  edited(configMap(name), (c) => {
    if (labels) c.metadata!.labels = labels;
    if (annotations) c.metadata!.annotations = annotations;
  });

const checkOne = (child: unknown) => check({ children: [child] });

describe('validateSyncResponse: what the API server would refuse', () => {
  it('names the child, the field, the value and the rule for a bad label value', () => {
    assert.deepEqual(
      check({ children: [edited(pod('web-0'), (p) => (p.metadata!.labels = { app: 'bad value!' }))] }),
      [
        `children[0] (Pod "web-0"): metadata.labels["app"] has value "bad value!", which is not a valid label value: ` +
          `it contains " "; a label value is empty or at most 63 characters, alphanumerics, '-', '_' or '.', ` +
          'starting and ending with an alphanumeric',
      ],
    );
  });

  it('rejects label values that are too long or do not end in an alphanumeric', () => {
    one(
      checkOne(withMeta({ app: 'a'.repeat(64) })),
      /metadata\.labels\["app"\] has value "a{56}\.\.\., which is not a valid label value: it is 64 characters long;/,
    );
    one(
      checkOne(withMeta({ app: 'web-' })),
      /metadata\.labels\["app"\] has value "web-", .*: it ends with "-";/,
    );
    one(checkOne(withMeta({ app: '-web' })), /it starts with "-";/);
    one(checkOne(withMeta({ app: `${'a'.repeat(63)}_` })), /it is 64 characters long and ends with "_";/);
  });

  it('accepts valid label edge cases', () => {
    const labels = {
      empty: '',
      long: 'a'.repeat(63),
      'example.com/x': 'Mixed_Case.value-1',
      'kubernetes.io/hostname': 'node-1',
      [`${'p'.repeat(253)}/${'n'.repeat(63)}`]: 'x',
      'A_b.C-d': 'z',
      [OPERATOR_LABEL]: 'not checked: Operon overwrites it',
    };
    assert.deepEqual(checkOne(withMeta(labels)), []);
  });

  it('rejects bad label keys, saying which part is wrong', () => {
    const cases: [string, RegExp][] = [
      [
        `${'a'.repeat(254)}/x`,
        /key "a{56}\.\.\. is not a valid label key: its prefix "a{56}\.\.\. is 254 characters long; a label key is a name of at most 63 characters/,
      ],
      ['bad key', /key "bad key" is not a valid label key: it contains " ";/],
      ['app!', /key "app!" is not a valid label key: it contains "!";/],
      ['example.com/', /key "example\.com\/" is not a valid label key: its name part is empty;/],
      ['/x', /key "\/x" is not a valid label key: it has nothing before the '\/';/],
      ['a/b/c', /key "a\/b\/c" is not a valid label key: it contains 2 '\/'/],
      ['Example.com/x', /its prefix "Example\.com" contains upper-case "E";/],
      ['example..com/x', /its prefix "example\.\.com" contains "\.\.";/],
      [`x/${'n'.repeat(64)}`, /its name part is 64 characters long;/],
      ['x/-n', /its name part starts with "-";/],
      ['', /key "" is not a valid label key: it is empty;/],
    ];
    for (const [key, pattern] of cases) {
      one(checkOne(withMeta({ [key]: 'v' })), pattern);
    }
    const problems = checkOne(withMeta({ 'bad key': 'bad value' }));
    assert.equal(problems.length, 2, 'a bad key and a bad value are two problems');
  });

  it('rejects bad annotation keys, in any letter case but otherwise as label keys', () => {
    one(
      checkOne(withMeta(undefined, { 'bad key': 'anything goes in a value: ! é \n' })),
      /^children\[0\] \(ConfigMap "c"\): metadata\.annotations key "bad key" is not a valid annotation key: it contains " "; an annotation key is .*, in any letter case$/,
    );
    one(checkOne(withMeta(undefined, { 'example.com/': 'v' })), /its name part is empty/);
    assert.deepEqual(
      checkOne(withMeta(undefined, { 'Example.COM/Note': 'v', 'kubernetes.io/change-cause': '' })),
      [],
    );
    // Go lower-cases the KELVIN SIGN to an ASCII "k"; the API server accepts it.
    assert.deepEqual(checkOne(withMeta(undefined, { '\u212Aey': 'v' })), []);
    one(checkOne(withMeta({ 'Example.com/x': 'v' })), /not a valid label key/);
  });

  it('rejects annotations over 256 KiB in all, counting UTF-8 bytes and Operon’s own annotation', () => {
    const reserve = DESIRED_HASH_ANNOTATION.length + desiredHash({}).length;
    const fits = 262_144 - reserve - 'big'.length;
    assert.deepEqual(checkOne(withMeta(undefined, { big: 'x'.repeat(fits) })), []);
    one(
      checkOne(withMeta(undefined, { big: 'x'.repeat(fits + 1) })),
      /^children\[0\] \(ConfigMap "c"\): metadata\.annotations come to 262145 bytes .*over the API server's limit of 262144 \(256 KiB\); the largest is "big" at 262106 bytes\. Keep large data in a ConfigMap or Secret/,
    );
    // "é" is two bytes in UTF-8, as the API server counts it.
    one(checkOne(withMeta(undefined, { big: 'é'.repeat(fits / 2 + 1) })), /come to 26214\d bytes/);
    const split = { a: 'x'.repeat(200_000), b: 'x'.repeat(70_000) };
    one(checkOne(withMeta(undefined, split)), /the largest is "a" at 200001 bytes/);
    // An author's copy of Operon's annotation is replaced, not added.
    assert.deepEqual(
      checkOne(withMeta(undefined, { [DESIRED_HASH_ANNOTATION]: 'x'.repeat(fits), big: 'x'.repeat(fits) })),
      [],
    );
  });

  it('refuses "." and "..", and "/" or "%", in any kind’s name', () => {
    one(
      checkOne(configMap('..')),
      /^children\[0\] \(ConfigMap "\.\."\): metadata\.name is "\.\."; no object name may be '\.' or '\.\.'/,
    );
    one(checkOne(configMap('.')), /metadata\.name is "\.";/);
    one(checkOne(configMap('a%2f')), /metadata\.name contains "%";/);
  });

  it('applies the subdomain rule to ConfigMaps and a DNS label rule to Services and Namespaces', () => {
    assert.deepEqual(checkOne(configMap('app.config.v2')), []);
    one(
      checkOne(configMap('app..config')),
      /metadata\.name contains "\.\."; ConfigMap names must be DNS subdomains/,
    );
    one(checkOne(configMap('app.-config')), /metadata\.name has "-" after a "\."/);
    one(checkOne(configMap('Web_1')), /metadata\.name contains upper-case "W"; ConfigMap names/);
    one(
      checkOne(service('web.v1')),
      /^children\[0\] \(Service "web\.v1"\): metadata\.name contains "\."; Service names must be DNS-1035 labels: at most 63 characters/,
    );
    one(
      checkOne(named('v1', 'Service', 'w'.repeat(64))),
      /metadata\.name is 64 characters long; Service names/,
    );
    assert.deepEqual(checkOne(service('w'.repeat(63))), []);
    const cctx = { parent: clusterParent, parentType: Tenant, children: [ref(Namespace, 'apply')] };
    assert.deepEqual(validateSyncResponse({ children: [named('v1', 'Namespace', '1-team')] }, cctx), []);
    one(
      validateSyncResponse({ children: [named('v1', 'Namespace', 'team.a')] }, cctx),
      /\(Namespace "team\.a"\): metadata\.name contains "\."; Namespace names must be DNS labels/,
    );
  });

  it('limits CronJob names to 52 characters and Job names to 63 unless the selector is manual', () => {
    const bctx = { ...ctx, children: [ref(Job, 'apply'), ref(CronJob, 'apply')] };
    const job = (name: string, spec?: object) => ({
      ...named('batch/v1', 'Job', name),
      ...(spec ? { spec } : {}),
    });
    const cron = (name: string) => named('batch/v1', 'CronJob', name);
    const run = (...kids: unknown[]) => validateSyncResponse({ children: kids }, bctx);
    assert.deepEqual(run(job('j'.repeat(63)), cron('c'.repeat(52))), []);
    one(
      run(cron('c'.repeat(53))),
      /metadata\.name is 53 characters long; CronJob names must be DNS subdomains: at most 52 characters \(the CronJob controller appends 11/,
    );
    one(
      run(job('j'.repeat(64))),
      /metadata\.name is 64 characters long; Job names must be DNS subdomains: at most 63 characters \(the API server copies/,
    );
    assert.deepEqual(run(job('j'.repeat(64), { manualSelector: true })), []);
    one(
      run(job('j'.repeat(254), { manualSelector: true })),
      /is 254 characters long; Job names must be DNS subdomains: at most 253/,
    );
  });

  it('rejects a namespace that is not a DNS label', () => {
    one(
      checkOne(named('v1', 'ConfigMap', 'c', 'Team-A')),
      /^children\[0\] \(ConfigMap "c"\): metadata\.namespace "Team-A" contains upper-case "T"; namespace names must be DNS labels: .*\. Leave it out \(it defaults to the parent's\)$/,
    );
    const cctx = { parent: clusterParent, parentType: Tenant, children: [ref(ConfigMap, 'apply')] };
    one(
      validateSyncResponse({ children: [named('v1', 'ConfigMap', 'c', 'team.a')] }, cctx),
      /metadata\.namespace "team\.a" contains "\."; namespace names must be DNS labels: at most 63 characters.*'web-1'\)\.$/,
    );
    one(
      validateSyncResponse({ children: [named('v1', 'ConfigMap', 'c', 'n'.repeat(64))] }, cctx),
      /is 64 characters long/,
    );
  });

  it('requires apiVersion, kind, name and uid strings in an author’s owner references', () => {
    const withRefs = (...refs: unknown[]) =>
      checkOne({ ...configMap('c'), metadata: { name: 'c', ownerReferences: refs } });
    const good = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'd', uid: 'u-1' };
    assert.deepEqual(
      withRefs(good, { ...good, apiVersion: 'v1', kind: 'ConfigMap', blockOwnerDeletion: true }),
      [],
    );
    one(
      withRefs({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'd' }),
      /^children\[0\] \(ConfigMap "c"\): metadata\.ownerReferences\[0\] \(Deployment "d"\): uid is undefined; apiVersion, kind, name and uid must all be non-empty strings/,
    );
    one(
      withRefs(good, { ...good, name: 7, uid: '' }),
      /^children\[0\] \(ConfigMap "c"\): metadata\.ownerReferences\[1\]: name is 7, uid is ""; /,
    );
    one(withRefs({ ...good, apiVersion: 'apps/' }), /apiVersion "apps\/" has no version/);
    one(withRefs({ ...good, apiVersion: 'a/b/v1' }), /apiVersion "a\/b\/v1" has no version/);
    one(withRefs({ ...good, apiVersion: 'v1', kind: 'Event' }), /does not allow an Event to be an owner/);
    one(
      withRefs({ ...good, blockOwnerDeletion: 'true' }),
      /blockOwnerDeletion must be true or false \(or left out\); got "true"/,
    );
    one(withRefs('d'), /metadata\.ownerReferences\[0\] is "d"; an owner reference is an object/);
    // A reference to the parent is replaced by Operon's own, whatever it holds.
    assert.deepEqual(withRefs({ uid: parent.metadata.uid }), []);
  });

  it('checks finalizers as the API server does', () => {
    const withFinalizers = (finalizers: unknown) =>
      checkOne({ ...configMap('c'), metadata: { name: 'c', finalizers } });
    assert.deepEqual(withFinalizers(['example.com/cleanup', 'kubernetes', 'orphan']), []);
    one(
      withFinalizers(['bad finalizer']),
      /metadata\.finalizers\[0\] is "bad finalizer", which is not a valid finalizer name: it contains " "/,
    );
    one(withFinalizers(['orphan', 'foregroundDeletion']), /both "orphan" and "foregroundDeletion"/);
    one(withFinalizers([3]), /metadata\.finalizers\[0\] must be a string; got 3/);
    one(withFinalizers('x'), /metadata\.finalizers must be an array of strings/);
  });

  it('refuses a whole response when only its third child is bad, naming that child alone', () => {
    const response = {
      children: [
        configMap('web-config'),
        service('web'),
        edited(pod('web-0'), (p) => (p.metadata!.labels = { app: 'bad value!' })),
      ],
    };
    const problems = check(response);
    one(problems, /^children\[2\] \(Pod "web-0"\): metadata\.labels\["app"\] has value "bad value!"/);
    // The planner refuses it too, so no create reaches the writer for the two good children.
    assert.throws(
      () => planChildren({ ...ctx, operatorName: 'echo', desired: response.children, current: [] }),
      (error: unknown) =>
        error instanceof OperonError &&
        error.code === 'SYNC_RESPONSE_INVALID' &&
        /children\[2\]/.test(error.message),
    );
  });

  it('reports each bad label, annotation and name of a child as its own problem', () => {
    const bad = withMeta({ 'a b': 'x', ok: 'y z' }, { 'c d': 'v' }, 'Bad');
    const problems = checkOne(bad);
    assert.equal(problems.length, 4, JSON.stringify(problems));
    for (const p of problems) assert.match(p, /^children\[0\] \(ConfigMap "Bad"\): metadata\./);
  });
});
