// What OperonModule does at bootstrap, against a real API server: it starts operators that are right
// (even one that injects the host), and fails the bootstrap, naming the class and the fix, for
// everything that is not: decorator mistakes, scoped or duplicated operator providers, providers
// that fail, a parent kind the API server does not serve.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { V1ConfigMap } from '@kubernetes/client-node';
import { Injectable, Module, type ModuleMetadata, Scope } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import {
  Child,
  type ChildRef,
  ConfigError,
  customResource,
  Operator,
  OperonError,
  Sync,
  type SyncRequest,
  type SyncResponse,
} from 'operon';
import { installCrds } from 'operon/testkit';
import { ConfigMap } from 'operon/types';
import { OperonHost, OperonModule, type OperonModuleOptions } from '../../src/index.js';
import { messages } from '../../src/operon.messages.js';
import { Clock, Lamp, LampModule, LampOperator, lampCrd } from '../fixtures/operators.js';
import { eventually, type TestCluster, useTestCluster } from '../support/cluster.js';

const Missing = customResource({ group: 'nest.operon.test', version: 'v1', kind: 'Missing' });
const Gadget = customResource({ group: 'nest.operon.test', version: 'v1', kind: 'Gadget' });

/** Forgot @Sync. */
@Operator({ parent: Gadget })
class NoSyncOperator {
  @Child(ConfigMap) parts!: ChildRef<V1ConfigMap>;
  sync(): SyncResponse {
    return { children: [] };
  }
}

/** A name that is not a DNS label. */
@Operator({ parent: Missing, name: 'Not_A_Label' })
class BadNameOperator {
  @Sync() sync(): SyncResponse {
    return { children: [] };
  }
}

/** Right, but its parent's CRD is never installed. */
@Operator({ parent: Missing })
class MissingCrdOperator {
  @Child(ConfigMap) notes!: ChildRef<V1ConfigMap>;
  @Sync() sync(): SyncResponse {
    return { children: [] };
  }
}

/** Injects the host it runs in, e.g. to trigger other parents. */
@Operator({ parent: Lamp, name: 'host-aware-lamp' })
class HostAwareLampOperator {
  @Child(ConfigMap) light!: ChildRef<V1ConfigMap>;
  constructor(private readonly host: OperonHost) {}
  @Sync() sync(req: SyncRequest): SyncResponse {
    const data = { operators: this.host.operators.join(',') };
    return { children: [this.light.desired({ metadata: { name: req.parent.metadata.name }, data })] };
  }
}

@Injectable({ scope: Scope.REQUEST })
class RequestInfo {}

/** Request-scoped without saying so: it injects a request-scoped provider. */
@Operator({ parent: Gadget })
class RequestBoundLampOperator {
  constructor(readonly info: RequestInfo) {}
  @Sync() sync(): SyncResponse {
    return { children: [] };
  }
}

/** A database whose connection fails at start-up. */
class Database {}
const failingDatabase = {
  provide: Database,
  useFactory: async (): Promise<Database> => {
    throw new Error('Database: connection refused (127.0.0.1:5432)');
  },
};

@Operator({ parent: Lamp })
class StoringLampOperator {
  constructor(readonly db: Database) {}
  @Sync() sync(): SyncResponse {
    return { children: [] };
  }
}

/** A cache that fails to warm up in onModuleInit. */
@Injectable()
class WarmCache {
  async onModuleInit(): Promise<void> {
    throw new Error('WarmCache: warm-up failed, Redis is unreachable');
  }
}

@Operator({ parent: Lamp })
class CachedLampOperator {
  constructor(readonly cache: WarmCache) {}
  @Sync() sync(): SyncResponse {
    return { children: [] };
  }
}

describe('OperonModule at bootstrap, on a real API server', () => {
  let c: TestCluster;
  before(async () => {
    c = await useTestCluster('nest-boot');
    await installCrds(c.kubeConfig, [lampCrd()]);
  });
  after(() => c.cleanup());

  const options = (extra: OperonModuleOptions = {}): OperonModuleOptions => ({
    kubeConfig: c.kubeConfig,
    namespaces: [c.namespace],
    ...extra,
  });

  /** Compiles an app, records every request its host sends, then runs the init hooks. */
  async function bootstrap(
    metadata: ModuleMetadata,
  ): Promise<{ app: TestingModule; host: OperonHost; requests: string[]; init: Promise<unknown> }> {
    const app = await Test.createTestingModule(metadata).compile();
    app.useLogger(false);
    const host = app.get(OperonHost);
    const requests: string[] = [];
    host.api.onRequest((r) => requests.push(`${r.verb} ${r.path}`));
    return { app, host, requests, init: app.init() };
  }

  /** Asserts that bootstrap fails with a ConfigError listing these problems (in any order), before any request. */
  async function assertConfigError(metadata: ModuleMetadata, problems: string[]): Promise<void> {
    const { app, requests, init } = await bootstrap(metadata);
    try {
      await assert.rejects(init, (err: unknown) => {
        assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
        assert.deepEqual([...err.problems].sort(), [...problems].sort());
        return true;
      });
      assert.deepEqual(requests, [], 'nothing may reach the API server when the configuration is wrong');
    } finally {
      await app.close();
    }
  }

  it('should start an operator that injects the host it runs in', async () => {
    const { app, host, init } = await bootstrap({
      imports: [OperonModule.forRoot(options())],
      providers: [HostAwareLampOperator],
    });
    try {
      await init;
      assert.equal(host.ready, true);
      await c.create(`/apis/nest.operon.test/v1/namespaces/${c.namespace}/lamps`, {
        apiVersion: 'nest.operon.test/v1',
        kind: 'Lamp',
        metadata: { name: 'desk' },
        spec: {},
      });
      await eventually(
        async () =>
          (await c.find<V1ConfigMap>(`/api/v1/namespaces/${c.namespace}/configmaps/desk`))?.data
            ?.operators === 'host-aware-lamp',
        { what: 'the Lamp ConfigMap written by an operator that reads the injected host' },
      );
    } finally {
      await app.close();
    }
  });

  it('should fail with one ConfigError naming every class with a decorator mistake', async () => {
    await assertConfigError(
      { imports: [OperonModule.forRoot(options())], providers: [NoSyncOperator, BadNameOperator] },
      [
        'NoSyncOperator: no method is marked @Sync(). Mark the method that returns the desired children and the status with @Sync().',
        "BadNameOperator: operator name 'Not_A_Label' is not a valid DNS-1123 label (at most 63 lower-case letters, digits and '-', starting and ending with a letter or digit). Set @Operator({ name }), e.g. 'not-a-label'.",
      ],
    );
  });

  it('should fail naming a request-scoped, a transient and an implicitly request-scoped operator', async () => {
    @Module({ providers: [RequestInfo, RequestBoundLampOperator] })
    class RequestModule {}
    await assertConfigError(
      {
        imports: [OperonModule.forRoot(options()), RequestModule],
        providers: [
          Clock,
          { provide: LampOperator, useClass: LampOperator, scope: Scope.REQUEST },
          { provide: MissingCrdOperator, useClass: MissingCrdOperator, scope: Scope.TRANSIENT },
        ],
      },
      [
        messages.requestScoped('LampOperator'),
        messages.transient('MissingCrdOperator'),
        messages.scopedDependency('RequestBoundLampOperator'),
      ],
    );
  });

  it('should fail naming an operator provided in two modules', async () => {
    @Module({ providers: [Clock, LampOperator] })
    class KitchenModule {}
    await assertConfigError({ imports: [OperonModule.forRoot(options()), LampModule, KitchenModule] }, [
      messages.providedTwice('LampOperator', ['LampModule', 'KitchenModule']),
    ]);
  });

  it('should fail naming an operator provided through useFactory', async () => {
    await assertConfigError(
      {
        imports: [OperonModule.forRoot(options())],
        providers: [
          Clock,
          { provide: 'LAMP', useFactory: (clock: Clock) => new LampOperator(clock), inject: [Clock] },
        ],
      },
      [messages.notAClassProvider('LampOperator', 'RootTestModule')],
    );
  });

  it('should fail when OperonModule is imported twice, which would run every operator twice', async () => {
    @Module({ imports: [OperonModule.forRoot({ ...options(), concurrency: 1 })] })
    class SecondHostModule {}
    await assertConfigError({ imports: [OperonModule.forRoot(options()), SecondHostModule, LampModule] }, [
      messages.moduleImportedTwice(2),
    ]);
  });

  it('should fail when no provider is an operator', async () => {
    await assertConfigError({ imports: [OperonModule.forRoot(options())], providers: [Clock] }, [
      messages.noOperators(),
    ]);
  });

  it('should fail naming the operator when a provider it injects cannot be resolved', async () => {
    // Nest reports this itself, while creating providers; Operon has not made a single request yet.
    await assert.rejects(
      Test.createTestingModule({
        imports: [OperonModule.forRoot(options())],
        providers: [LampOperator],
      }).compile(),
      /Nest can't resolve dependencies of the LampOperator \(\?\)\. Please make sure that the argument Clock at index \[0\]/,
    );
  });

  it('should fail with the error of a provider that fails at start-up, before any operator starts', async () => {
    await assert.rejects(
      Test.createTestingModule({
        imports: [OperonModule.forRoot(options())],
        providers: [failingDatabase, StoringLampOperator],
      }).compile(),
      /^Error: Database: connection refused \(127\.0\.0\.1:5432\)$/,
    );
  });

  it('should fail with the error of a provider whose onModuleInit fails, and never start the host', async () => {
    const { app, host, requests, init } = await bootstrap({
      imports: [OperonModule.forRoot(options())],
      providers: [WarmCache, CachedLampOperator],
    });
    try {
      await assert.rejects(init, /^Error: WarmCache: warm-up failed, Redis is unreachable$/);
      assert.equal(host.ready, false);
      assert.deepEqual(requests, [], 'the host starts only once every module has initialised');
    } finally {
      await app.close();
    }
  });

  it('should fail naming the operator, the cache and the likely cause when a parent kind is not served', async () => {
    const started = Date.now();
    const { app, host, init } = await bootstrap({
      imports: [OperonModule.forRoot(options({ startTimeoutMs: 1500 })), LampModule],
      providers: [MissingCrdOperator],
    });
    try {
      await assert.rejects(init, (err: unknown) => {
        assert.ok(OperonError.hasCode(err, 'NOT_STARTED'), `expected NOT_STARTED, got ${String(err)}`);
        const missing = host.sharedInformers().find((i) => i.type.kind === 'Missing');
        const lastError = missing?.health().lastError?.message ?? '';
        assert.match(
          lastError,
          /^list \/apis\/nest\.operon\.test\/v1\/namespaces\/[^/]+\/missings failed with 404/,
        );
        assert.equal(
          err.message,
          messages.startTimeout(1500, [
            messages.unsynced(
              `Missing (nest.operon.test/v1) in namespace ${c.namespace}`,
              ['MissingCrdOperator'],
              lastError.trim(),
              messages.crdHint('missings', 'nest.operon.test'),
            ),
          ]),
        );
        return true;
      });
      assert.ok(Date.now() - started < 10_000, 'bootstrap gives up at startTimeoutMs');
      assert.deepEqual(
        host.sharedInformers().filter((i) => i.health().watching),
        [],
        'a failed start closes the watches it opened',
      );
    } finally {
      await app.close();
    }
  });
});
