import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DESIRED_HASH_ANNOTATION,
  decorateChild,
  matchesDesired,
} from '../../../src/runtime/planner/index.js';
import type { KubeObject } from '../../../src/types/kube-object.js';
import { EchoServer, edited, OPERATOR, parent, pod, serverCopy, service } from './fixtures.js';

const owner = { operatorName: OPERATOR, parent, parentType: EchoServer };
const decorate = <T extends KubeObject>(obj: T) => decorateChild(obj, owner);

/** The decorated desired object with its hash annotation forced to `hash`, to test the field comparison alone. */
function withHash<T extends KubeObject>(obj: T, hash: string | undefined): T {
  return edited(obj, (o) => {
    o.metadata!.annotations = { ...o.metadata!.annotations, [DESIRED_HASH_ANNOTATION]: hash! };
  });
}
const hashOf = (obj: KubeObject) => obj.metadata!.annotations![DESIRED_HASH_ANNOTATION]!;

describe('matchesDesired', () => {
  it('holds for the object the server stored from the desired one, defaults and status included', () => {
    const desired = decorate(pod('p'));
    const live = serverCopy(desired);
    assert.notDeepEqual(live.spec.containers[0], desired.spec.containers[0]); // defaults were added
    assert.equal(matchesDesired(desired, live), true);
    const svc = decorate(service('s'));
    assert.equal(matchesDesired(svc, serverCopy(svc)), true);
  });

  it('holds when the live object lacks apiVersion and kind (as list items do)', () => {
    const desired = decorate(service('s'));
    const live = edited(serverCopy(desired), (l) => {
      delete l.apiVersion;
      delete l.kind;
    });
    assert.equal(matchesDesired(desired, live), true);
  });

  it('fails when a desired field changed', () => {
    const live = serverCopy(decorate(pod('p', 'nginx:1.27')));
    assert.equal(matchesDesired(decorate(pod('p', 'nginx:1.28')), live), false);
  });

  it('fails when a field was removed from the desired object, through the hash alone', () => {
    const before = pod('p');
    const live = serverCopy(decorate(before));
    const after = decorate(
      edited(before, (p) => {
        delete p.spec.containers[0]!.args;
      }),
    );
    assert.equal(matchesDesired(after, live), false);
    // Every field `after` sets still holds on the live object: only the hash sees the removal.
    assert.equal(matchesDesired(withHash(after, hashOf(live)), live), true);
  });

  it('fails when the live object has no hash annotation', () => {
    const desired = decorate(service('s'));
    const live = edited(serverCopy(desired), (l) => {
      delete l.metadata.annotations![DESIRED_HASH_ANNOTATION];
    });
    assert.equal(matchesDesired(desired, live), false);
  });

  it('fails when someone changed a field the operator sets', () => {
    const desired = decorate(service('s'));
    const changedPort = edited(serverCopy(desired), (l) => {
      l.spec.ports[0]!.port = 81;
    });
    const changedSelector = edited(serverCopy(desired), (l) => {
      l.spec.selector = { app: 'other' };
    });
    const changedLabel = edited(serverCopy(desired), (l) => {
      l.metadata.labels!.app = 'other';
    });
    assert.equal(matchesDesired(desired, changedPort), false);
    assert.equal(matchesDesired(desired, changedSelector), false);
    assert.equal(matchesDesired(desired, changedLabel), false);
  });

  it('ignores labels, annotations and fields that only the live object has', () => {
    const desired = decorate(service('s'));
    const live = edited(serverCopy(desired), (l) => {
      l.metadata.labels!.extra = 'x';
      l.metadata.annotations!.extra = 'y';
      l.spec.publishNotReadyAddresses = true;
    });
    assert.equal(matchesDesired(desired, live), true);
  });

  it('compares arrays element by element with the same length', () => {
    const desired = decorate(pod('p'));
    const longer = edited(serverCopy(desired), (l) => {
      l.spec.containers[0]!.args!.push('--verbose');
    });
    const reordered = edited(serverCopy(desired), (l) => {
      l.spec.containers[0]!.args!.reverse();
    });
    assert.equal(matchesDesired(desired, longer), false);
    assert.equal(matchesDesired(desired, reordered), false);
  });

  it('treats a live number and a desired numeric string as different', () => {
    const desired = decorate(service('s', '80'));
    const live = edited(serverCopy(desired), (l) => {
      l.spec.ports[0]!.port = 80;
    });
    assert.equal(matchesDesired(desired, live), false);
  });

  it('ignores owner reference order and references others added, but not a missing one', () => {
    const desired = decorate(service('s'));
    const foreign = { apiVersion: 'v1', kind: 'ConfigMap', name: 'a', uid: 'uid-a' };
    const reordered = edited(serverCopy(desired), (l) => {
      l.metadata.ownerReferences = [foreign, ...l.metadata.ownerReferences!];
    });
    const missing = edited(serverCopy(desired), (l) => {
      l.metadata.ownerReferences = [foreign];
    });
    const notController = edited(serverCopy(desired), (l) => {
      l.metadata.ownerReferences![0]!.controller = false;
    });
    assert.equal(matchesDesired(desired, reordered), true);
    assert.equal(matchesDesired(desired, missing), false);
    assert.equal(matchesDesired(desired, notController), false);
  });

  it('compares finalizers as a set: others may add theirs, but a desired one must stay', () => {
    const desired = decorate(
      edited(service('s'), (s) => {
        s.metadata!.finalizers = ['mine.io/a', 'mine.io/b'];
      }),
    );
    const added = edited(serverCopy(desired), (l) => {
      l.metadata.finalizers = ['other.io/x', 'mine.io/b', 'mine.io/a'];
    });
    const removed = edited(serverCopy(desired), (l) => {
      l.metadata.finalizers = ['mine.io/a'];
    });
    assert.equal(matchesDesired(desired, added), true);
    assert.equal(matchesDesired(desired, removed), false);
  });

  it('lets empty and zero desired values match a field the server omitted, but not a different value', () => {
    const desired = decorate(
      edited(pod('p'), (p) => {
        p.spec.hostNetwork = false;
        p.spec.containers[0]!.env = [];
      }),
    );
    const omitted = edited(serverCopy(desired), (l) => {
      delete l.spec.hostNetwork;
      delete l.spec.containers[0]!.env;
    });
    const different = edited(serverCopy(desired), (l) => {
      l.spec.hostNetwork = true;
    });
    assert.equal(matchesDesired(desired, omitted), true);
    assert.equal(matchesDesired(desired, different), false);
  });
});
