import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1Deployment, V1Pod, V1Secret, V1Service } from '@kubernetes/client-node';
import {
  DESIRED_HASH_ANNOTATION,
  decorateChild,
  firstDifference,
  matchesDesired,
} from '../../../src/runtime/planner/index.js';
import type { KubeObject } from '../../../src/types/kube-object.js';
import {
  admitted,
  appPod,
  DEFAULT_TOLERATIONS,
  deployment,
  EchoServer,
  edited,
  OPERATOR,
  parent,
  pod,
  secret,
  serverCopy,
  service,
} from './fixtures.js';

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

/** A desired object and what a real cluster holds for it. */
interface Case {
  readonly name: string;
  readonly desired: KubeObject;
  readonly live: KubeObject;
}

/** The decorated `author` Pod, and the live Pod after admission with `edit` applied to it. */
function podCase(name: string, edit: (live: V1Pod) => void, author: (p: V1Pod) => void = () => {}): Case {
  const desired = decorate(edited(appPod(), author));
  return { name, desired, live: edited(admitted(serverCopy(desired)), edit) };
}

const container = (p: V1Pod, name = 'app') => p.spec!.containers.find((c) => c.name === name)!;

describe('matchesDesired on a real cluster: what admission and defaulting do is not drift', () => {
  const deploy = decorate(deployment('d'));
  const svc = decorate(service('s'));
  const cases: Case[] = [
    podCase('everything admission does, at once (see `admitted`)', () => {}),
    {
      name: 'token volume and volumeMount appended, alone',
      desired: decorate(appPod()),
      live: edited(serverCopy(decorate(appPod())), (l) => {
        l.spec!.volumes!.push({ name: 'kube-api-access-abcde', projected: { sources: [] } });
        container(l).volumeMounts!.push({ name: 'kube-api-access-abcde', mountPath: '/var/run/secrets/x' });
      }),
    },
    {
      name: 'two default tolerations appended to a one-toleration list',
      desired: decorate(appPod()),
      live: edited(serverCopy(decorate(appPod())), (l) => {
        l.spec!.tolerations!.push(...structuredClone(DEFAULT_TOLERATIONS));
      }),
    },
    {
      name: 'default tolerations put before the desired one',
      desired: decorate(appPod()),
      live: edited(serverCopy(decorate(appPod())), (l) => {
        l.spec!.tolerations!.unshift(...structuredClone(DEFAULT_TOLERATIONS));
      }),
    },
    {
      name: 'an injected sidecar container at the front',
      desired: decorate(appPod()),
      live: edited(serverCopy(decorate(appPod())), (l) => {
        l.spec!.containers.unshift({ name: 'istio-proxy', image: 'istio/proxyv2:1.24' });
      }),
    },
    {
      name: 'imagePullSecrets appended',
      desired: decorate(appPod()),
      live: edited(serverCopy(decorate(appPod())), (l) => {
        l.spec!.imagePullSecrets!.push({ name: 'mirror' });
      }),
    },
    podCase('cpu "0.5" stored as "500m"', (l) => {
      assert.equal(container(l).resources!.requests!.cpu, '500m');
    }),
    podCase('memory "1024Mi" stored as "1Gi", and an emptyDir sizeLimit too', (l) => {
      assert.equal(container(l).resources!.requests!.memory, '1Gi');
      assert.equal(l.spec!.volumes![0]!.emptyDir!.sizeLimit, '1Gi');
    }),
    podCase(
      'the number 1 stored as the string "1"',
      (l) => {
        container(l).resources!.limits!.cpu = '1';
      },
      (p) => {
        container(p).resources!.limits!.cpu = 1 as unknown as string;
      },
    ),
    podCase('a container port given the default protocol', (l) => {
      assert.equal(container(l).ports![0]!.protocol, 'TCP');
    }),
    {
      name: 'a Service port given the default protocol and targetPort',
      desired: svc,
      live: edited(serverCopy(svc), (l) => {
        Object.assign(l.spec.ports[0]!, { protocol: 'TCP', targetPort: 80 });
        Object.assign(l.spec, { sessionAffinity: 'None', ipFamilies: ['IPv4'], clusterIPs: ['10.0.0.7'] });
      }),
    },
    {
      name: 'a Secret written with stringData, stored as base64 data',
      desired: decorate(secret('s', { password: 's3cret', note: 'héllo ✓' })),
      live: serverCopy({
        ...decorate<V1Secret>({
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: 's' },
          data: { password: 'czNjcmV0', note: 'aMOpbGxvIOKckw==' },
        }),
        type: 'Opaque',
      }),
    },
    {
      name: 'a Deployment with its spec defaulted and a status',
      desired: deploy,
      live: edited(serverCopy(deploy), (l: V1Deployment) => {
        l.spec!.strategy = { type: 'RollingUpdate' };
        l.spec!.template.spec!.containers[0]!.terminationMessagePolicy = 'File';
        l.status = { replicas: 2, readyReplicas: 2 };
      }),
    },
  ];

  for (const { name, desired, live } of cases) {
    it(name, () => {
      assert.equal(firstDifference(desired, live), undefined);
      assert.equal(matchesDesired(desired, live), true);
    });
  }

  it('pairs elements so that every desired one is held, even where the first choice would block another', () => {
    const desired = decorate(
      edited(appPod(), (p) => {
        p.spec!.tolerations = [{ key: 'a' }, { key: 'a', value: 'x' }];
      }),
    );
    const live = edited(serverCopy(desired), (l) => {
      l.spec!.tolerations = [{ key: 'a', value: 'x' }, { key: 'a' }];
    });
    assert.equal(matchesDesired(desired, live), true);
  });

  it('lets an empty desired object list match what the server added, but not an empty scalar list', () => {
    const desired = decorate(
      edited(appPod(), (p) => {
        p.spec!.tolerations = [];
        container(p).args = [];
      }),
    );
    const withTolerations = edited(serverCopy(desired), (l) => {
      l.spec!.tolerations = structuredClone(DEFAULT_TOLERATIONS);
    });
    const withArgs = edited(serverCopy(desired), (l) => {
      container(l).args = ['--verbose'];
    });
    assert.equal(matchesDesired(desired, withTolerations), true);
    assert.equal(matchesDesired(desired, withArgs), false);
  });
});

describe('matchesDesired on a real cluster: real changes are drift', () => {
  const svc = decorate(service('s'));
  const deploy = decorate(deployment('d', 2));
  const cases: (Case & { readonly path: string })[] = [
    {
      ...podCase('an edited image', (l) => {
        container(l).image = 'nginx:1.28';
      }),
      path: 'spec.containers[name=app].image',
    },
    {
      name: 'replicas changed by another writer',
      desired: deploy,
      live: edited(serverCopy(deploy), (l: V1Deployment) => {
        l.spec!.replicas = 5;
      }),
      path: 'spec.replicas',
    },
    {
      ...podCase('a removed label', (l) => {
        delete l.metadata!.labels!.app;
      }),
      path: 'metadata.labels.app',
    },
    {
      ...podCase('a desired toleration removed from the live list', (l) => {
        l.spec!.tolerations = l.spec!.tolerations!.filter((t) => t.key !== 'dedicated');
      }),
      path: 'spec.tolerations[0].key',
    },
    {
      ...podCase('a desired env value changed', (l) => {
        container(l).env![0]!.value = 'debug';
      }),
      path: 'spec.containers[name=app].env[name=MODE].value',
    },
    {
      ...podCase(
        'a quantity really changed, "500m" to "600m"',
        (l) => {
          container(l).resources!.requests!.cpu = '600m';
        },
        (p) => {
          container(p).resources!.requests!.cpu = '500m';
        },
      ),
      path: 'spec.containers[name=app].resources.requests.cpu',
    },
    {
      ...podCase('scalar list args reordered', (l) => {
        container(l).args!.reverse();
      }),
      path: 'spec.containers[name=app].args[0]',
    },
    {
      ...podCase('the desired container removed (only the sidecar is left)', (l) => {
        l.spec!.containers = l.spec!.containers.filter((c) => c.name !== 'app');
      }),
      path: 'spec.containers[name=app]',
    },
    {
      ...podCase('a desired port switched to UDP: a port without protocol is TCP', (l) => {
        container(l).ports![0]!.protocol = 'UDP';
      }),
      path: 'spec.containers[name=app].ports[containerPort=8080,protocol=TCP]',
    },
    {
      ...podCase('a desired volumeMount moved to another path', (l) => {
        container(l).volumeMounts![0]!.mountPath = '/elsewhere';
      }),
      path: 'spec.containers[name=app].volumeMounts[mountPath=/data]',
    },
    {
      name: 'a Service port number changed',
      desired: svc,
      live: edited(serverCopy(svc), (l) => {
        l.spec.ports[0]!.port = 81;
      }),
      path: 'spec.ports[port=80,protocol=TCP]',
    },
    {
      name: 'a Secret value changed',
      desired: decorate(secret('s')),
      live: edited(serverCopy(decorate(secret('s'))), (l: V1Secret) => {
        l.data!.password = Buffer.from('other').toString('base64');
      }),
      path: 'data.password',
    },
  ];

  for (const { name, desired, live, path } of cases) {
    it(name, () => {
      assert.equal(matchesDesired(desired, live), false);
      assert.equal(firstDifference(desired, live), path);
    });
  }

  it('counts a desired element once: two equal desired tolerations need two live ones', () => {
    const twice = { key: 'a', operator: 'Exists' };
    const desired = decorate(
      edited(appPod(), (p) => {
        p.spec!.tolerations = [twice, twice];
      }),
    );
    const live = edited(serverCopy(desired), (l) => {
      l.spec!.tolerations = [twice, ...structuredClone(DEFAULT_TOLERATIONS)];
    });
    assert.equal(matchesDesired(desired, live), false);
  });

  it('compares quantities by value only in quantity maps', () => {
    const desired = decorate<V1Service>({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 's', labels: { version: '0.5' } },
      spec: { ports: [{ port: 80 }] },
    });
    const live = edited(serverCopy(desired), (l) => {
      l.metadata.labels!.version = '500m';
    });
    assert.equal(firstDifference(desired, live), 'metadata.labels.version');
  });
});

describe('firstDifference', () => {
  it('is undefined when the live object holds the desired one', () => {
    const desired = decorate(pod('p'));
    assert.equal(firstDifference(desired, serverCopy(desired)), undefined);
  });

  it('quotes keys that are not identifiers', () => {
    const desired = decorate(
      edited(service('s'), (s) => {
        s.metadata!.labels = { 'app.kubernetes.io/name': 'web' };
      }),
    );
    const live = edited(serverCopy(desired), (l) => {
      l.metadata.labels!['app.kubernetes.io/name'] = 'other';
    });
    assert.equal(firstDifference(desired, live), 'metadata.labels["app.kubernetes.io/name"]');
  });

  it('points at the hash annotation when only the desired hash differs', () => {
    const live = serverCopy(decorate(pod('p')));
    const after = decorate(
      edited(pod('p'), (p) => {
        delete p.spec.containers[0]!.args;
      }),
    );
    assert.equal(firstDifference(after, live), 'metadata.annotations["operon.dev/desired-hash"]');
  });

  it('names a missing trailing scalar list element, a missing finalizer and a missing owner reference', () => {
    const desired = decorate(
      edited(pod('p'), (p) => {
        p.metadata!.finalizers = ['mine.io/a', 'mine.io/b'];
      }),
    );
    const shorter = edited(serverCopy(desired), (l) => {
      l.spec.containers[0]!.args!.pop();
    });
    const noFinalizer = edited(serverCopy(desired), (l) => {
      l.metadata.finalizers = ['other.io/x', 'mine.io/a'];
    });
    const noOwner = edited(serverCopy(desired), (l) => {
      l.metadata.ownerReferences = [];
    });
    assert.equal(firstDifference(desired, shorter), 'spec.containers[name=main].args[1]');
    assert.equal(firstDifference(desired, noFinalizer), 'metadata.finalizers["mine.io/b"]');
    assert.equal(firstDifference(desired, noOwner), 'metadata.ownerReferences[uid=uid-parent]');
  });

  it('ignores the resourceVersion a replace carries as a precondition', () => {
    const desired = decorate(pod('p'));
    const live = serverCopy(desired);
    const replace = edited(desired, (d) => {
      d.metadata.resourceVersion = '1';
    });
    assert.equal(firstDifference(replace, live), undefined);
  });

  it('reports a whole missing field at its own path', () => {
    const desired = decorate(deployment('d'));
    const live = edited(serverCopy(desired), (l: V1Deployment) => {
      delete l.spec!.template.metadata;
    });
    assert.equal(firstDifference(desired, live), 'spec.template.metadata');
  });
});
