// OperonModule's wiring, without a cluster: options from forRoot / forRootAsync, and the host as an
// injectable provider. Nothing here starts the host (no init), so the fake kubeconfig is never dialled.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { Inject, Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ConfigError } from 'operon';
import {
  OPERON_MODULE_OPTIONS,
  OperonHost,
  OperonModule,
  type OperonModuleOptions,
  type OperonOptionsFactory,
} from '../../src/index.js';
import { LampModule } from '../fixtures/operators.js';

function fakeKubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'nowhere', server: 'https://127.0.0.1:9' }],
    users: [{ name: 'nobody' }],
    contexts: [{ name: 'nowhere', cluster: 'nowhere', user: 'nobody' }],
    currentContext: 'nowhere',
  });
  return kc;
}

@Injectable()
class Settings {
  readonly namespaces = ['from-settings'];
}

@Module({ providers: [Settings], exports: [Settings] })
class SettingsModule {}

@Injectable()
class OperonSettings implements OperonOptionsFactory {
  createOperonOptions(): OperonModuleOptions {
    return { kubeConfig: fakeKubeConfig(), namespaces: ['from-class'] };
  }
}

@Module({ providers: [OperonSettings], exports: [OperonSettings] })
class OperonSettingsModule {}

/** A provider of a feature module that injects the host, as a health controller would. */
@Injectable()
class HostReader {
  constructor(
    readonly host: OperonHost,
    @Inject(OPERON_MODULE_OPTIONS) readonly options: OperonModuleOptions,
  ) {}
}

@Module({ providers: [HostReader] })
class ReaderModule {}

async function optionsOf(operon: ReturnType<typeof OperonModule.forRoot>): Promise<OperonModuleOptions> {
  const moduleRef = await Test.createTestingModule({ imports: [operon, LampModule] }).compile();
  return moduleRef.get<OperonModuleOptions>(OPERON_MODULE_OPTIONS);
}

describe('OperonModule', () => {
  describe('.forRoot', () => {
    it('should provide the options as given', async () => {
      const kubeConfig = fakeKubeConfig();
      const options = await optionsOf(
        OperonModule.forRoot({ kubeConfig, namespaces: ['a'], concurrency: 2 }),
      );
      assert.deepEqual(options, { kubeConfig, namespaces: ['a'], concurrency: 2 });
    });

    it('should make one host that any module can inject, with the operators of every module', async () => {
      const moduleRef = await Test.createTestingModule({
        imports: [OperonModule.forRoot({ kubeConfig: fakeKubeConfig() }), LampModule, ReaderModule],
      }).compile();
      const reader = moduleRef.get(HostReader);
      assert.ok(reader.host instanceof OperonHost);
      assert.equal(reader.host, moduleRef.get(OperonHost));
      assert.deepEqual(reader.host.operators, ['lamp']);
      assert.equal(reader.host.ready, false);
    });
  });

  describe('.forRootAsync', () => {
    it('should make the options with useFactory from injected providers', async () => {
      const kubeConfig = fakeKubeConfig();
      const options = await optionsOf(
        OperonModule.forRootAsync({
          imports: [SettingsModule],
          inject: [Settings],
          useFactory: async (settings: Settings) => ({ kubeConfig, namespaces: settings.namespaces }),
        }),
      );
      assert.deepEqual(options, { kubeConfig, namespaces: ['from-settings'] });
    });

    it('should make the options with useClass', async () => {
      const options = await optionsOf(OperonModule.forRootAsync({ useClass: OperonSettings }));
      assert.deepEqual(options.namespaces, ['from-class']);
    });

    it('should make the options with useExisting from an imported provider', async () => {
      const options = await optionsOf(
        OperonModule.forRootAsync({ imports: [OperonSettingsModule], useExisting: OperonSettings }),
      );
      assert.deepEqual(options.namespaces, ['from-class']);
    });

    it('should throw a ConfigError when no way to make the options is given', () => {
      assert.throws(
        () => OperonModule.forRootAsync({ imports: [SettingsModule] }),
        (err: unknown) => err instanceof ConfigError && /useFactory/.test(err.message),
      );
    });
  });
});
