import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1Deployment, V1Pod } from '@kubernetes/client-node';
import {
  baselineOf,
  type ChildBaseline,
  DESIRED_HASH_ANNOTATION,
  decorateChild,
  firstDifference,
  matchesDesired,
  projectionOf,
} from '../../../src/runtime/planner/index.js';
import type { KubeObject, NamedObject } from '../../../src/types/kube-object.js';
import {
  admitted,
  appPod,
  deployment,
  EchoServer,
  edited,
  OPERATOR,
  parent,
  serverCopy,
} from './fixtures.js';

const owner = { operatorName: OPERATOR, parent, parentType: EchoServer };
const decorate = <T extends KubeObject>(obj: T) => decorateChild(obj, owner);

const DIGEST = 'nginx@sha256:0d17b565c37bcbd895e9d92315a05c1c3c9a29f762b011a10c54a66cd53c9b31';

/** A later read of `obj`: new resourceVersion, changed status, and a new label from someone else. */
function laterRead<T extends NamedObject>(obj: T): T {
  return edited(obj, (o) => {
    o.metadata.resourceVersion = `${Number(o.metadata.resourceVersion) + 50}`;
    o.metadata.labels = { ...o.metadata.labels, 'late.io/added': 'yes' };
    Object.assign(o, { status: { phase: 'Running', podIP: '10.1.2.3' } });
  });
}

/** The desired Pod, and what a cluster whose webhook pins images to digests answers to its write. */
function pinned() {
  const desired = decorate(appPod());
  const written = edited(admitted(serverCopy(desired)), (l) => {
    l.spec!.containers.find((c) => c.name === 'app')!.image = DIGEST;
  });
  return { desired, written, baseline: baselineOf(desired, written) };
}

describe('baselineOf', () => {
  it('records the desired hash, the written resourceVersion and a projection', () => {
    const { desired, written, baseline } = pinned();
    assert.equal(baseline.desiredHash, desired.metadata.annotations![DESIRED_HASH_ANNOTATION]);
    assert.equal(baseline.resourceVersion, written.metadata!.resourceVersion);
    assert.match(baseline.projection, /^[0-9a-f]{16}$/);
    assert.equal(baseline.projection, projectionOf(desired, written));
  });
});

describe('projectionOf', () => {
  it('ignores what the desired object does not set: status, other labels, resourceVersion, added list entries', () => {
    const desired = decorate(appPod());
    const live = serverCopy(desired);
    const later = edited(laterRead(live), (l: V1Pod) => {
      l.spec!.tolerations!.push({ key: 'late', operator: 'Exists' });
      l.spec!.containers.push({ name: 'debugger', image: 'busybox' });
      l.metadata!.ownerReferences!.push({ apiVersion: 'v1', kind: 'ConfigMap', name: 'x', uid: 'uid-x' });
      l.metadata!.finalizers = ['other.io/x'];
    });
    assert.equal(projectionOf(desired, later), projectionOf(desired, live));
  });

  it('changes with any field the desired object sets', () => {
    const desired = decorate(appPod());
    const live = serverCopy(desired);
    const edits: ((l: V1Pod) => void)[] = [
      (l) => {
        l.spec!.containers[0]!.image = 'nginx:1.28';
      },
      (l) => {
        l.spec!.containers[0]!.env![0]!.value = 'debug';
      },
      (l) => {
        l.spec!.containers[0]!.args!.push('--verbose');
      },
      (l) => {
        l.spec!.tolerations = [];
      },
      (l) => {
        l.metadata!.labels!.app = 'other';
      },
      (l) => {
        delete l.spec!.containers[0]!.resources!.limits!.memory;
      },
    ];
    for (const edit of edits) {
      assert.notEqual(
        projectionOf(desired, edited(live, edit)),
        projectionOf(desired, live),
        edit.toString(),
      );
    }
  });
});

describe('matchesDesired with a baseline', () => {
  it('holds for a webhook-pinned image with the baseline, and not without it', () => {
    const { desired, written, baseline } = pinned();
    assert.equal(firstDifference(desired, written), 'spec.containers[name=app].image');
    assert.equal(matchesDesired(desired, written), false);
    assert.equal(matchesDesired(desired, written, baseline), true);
  });

  it('still holds on later reads that change nothing Operon sets', () => {
    const { desired, written, baseline } = pinned();
    assert.equal(matchesDesired(desired, laterRead(written as NamedObject<V1Pod>), baseline), true);
  });

  it('is drift when another writer changes a field Operon sets after the baseline', () => {
    const { desired, written, baseline } = pinned();
    const changed = edited(laterRead(written as NamedObject<V1Pod>), (l) => {
      l.spec!.containers.find((c) => c.name === 'app')!.env![0]!.value = 'debug';
    });
    const repinned = edited(laterRead(written as NamedObject<V1Pod>), (l) => {
      l.spec!.containers.find((c) => c.name === 'app')!.image = 'nginx:1.26';
    });
    assert.equal(matchesDesired(desired, changed, baseline), false);
    assert.equal(matchesDesired(desired, repinned, baseline), false);
  });

  it('is drift when another writer changes replicas of a Deployment the server had rewritten', () => {
    const desired = decorate(deployment('d', 2));
    const written = edited(serverCopy(desired), (l: V1Deployment) => {
      l.spec!.template.spec!.containers[0]!.image = DIGEST;
    });
    const baseline = baselineOf(desired, written);
    const scaled = edited(laterRead(written), (l: V1Deployment) => {
      l.spec!.replicas = 5;
    });
    assert.equal(matchesDesired(desired, laterRead(written), baseline), true);
    assert.equal(matchesDesired(desired, scaled, baseline), false);
  });

  it('holds for the very object the server returned, whatever its fields', () => {
    const { desired, written, baseline } = pinned();
    const sameVersion: ChildBaseline = { ...baseline, projection: 'not-the-projection' };
    assert.equal(matchesDesired(desired, written, sameVersion), true);
    const noVersion = edited(written, (l) => {
      delete l.metadata!.resourceVersion;
    });
    const emptyBaseline: ChildBaseline = { ...sameVersion, resourceVersion: '' };
    assert.equal(matchesDesired(desired, noVersion, emptyBaseline), false);
  });

  it('does not apply to another desired hash', () => {
    const { desired, written, baseline } = pinned();
    assert.equal(matchesDesired(desired, written, { ...baseline, desiredHash: '0000000000000000' }), false);
    // A changed desired object: the live hash annotation no longer matches, baseline or not.
    const changed = decorate(
      edited(appPod(), (p) => {
        p.spec!.containers[0]!.args = ['--port', '9090'];
      }),
    );
    assert.equal(matchesDesired(changed, written, baselineOf(changed, written)), false);
  });

  it('never excuses a missing owner reference or finalizer', () => {
    const desired = decorate(
      edited(appPod(), (p) => {
        p.metadata!.finalizers = ['mine.io/cleanup'];
      }),
    );
    const written = edited(serverCopy(desired), (l) => {
      l.spec!.containers[0]!.image = DIGEST;
    });
    const baseline = baselineOf(desired, written);
    const noFinalizer = edited(written, (l) => {
      l.metadata.finalizers = [];
    });
    const noOwner = edited(written, (l) => {
      l.metadata.ownerReferences = [];
    });
    assert.equal(matchesDesired(desired, written, baseline), true);
    assert.equal(matchesDesired(desired, noFinalizer, baseline), false);
    assert.equal(matchesDesired(desired, noOwner, baseline), false);
  });
});
