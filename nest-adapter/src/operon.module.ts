import { type DynamicModule, type FactoryProvider, Module, type Provider } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { ConfigError, OperonApp, type RunOptions } from 'operon';
import { OperonHost } from 'operon/runtime';
import type {
  OperonModuleAsyncOptions,
  OperonModuleOptions,
  OperonOptionsFactory,
} from './interfaces/operon-module-options.interface.js';
import { OPERON_MODULE_OPTIONS } from './operon.constants.js';
import { OperonExplorer } from './operon.explorer.js';
import { OperonLifecycle } from './operon.lifecycle.js';

/**
 * Runs every `@Operator` provider of a Nest application in one {@link OperonHost}.
 *
 * @remarks
 * Import it once, in the root module; it is global. Operators are ordinary providers of any module:
 * they need `@Operator` and nothing else, and inject whatever Nest can provide. Operon finds them
 * with Nest's DiscoveryService, checks them all when the modules initialise (one `ConfigError`
 * naming each class and what to change), starts them at application bootstrap once every provider
 * is ready, and stops them at shutdown: no new reconciles, in-flight ones drained, watches closed.
 * All operators share one set of informers: one watch per resource type and namespace.
 *
 * The module exports `OperonHost`: inject it to read `ready`, `trigger` a reconcile, or inspect
 * `sharedInformers()`. Request-scoped and transient operators are rejected: an operator runs once,
 * outside any request. Call `app.enableShutdownHooks()` so that SIGTERM drains the operators.
 *
 * @example
 * ```ts
 * @Module({
 *   imports: [OperonModule.forRoot({ namespaces: ['shop'] }), GreetingsModule],
 * })
 * export class AppModule {}
 *
 * @Module({ providers: [GreetingService, GreetingOperator] })
 * export class GreetingsModule {}
 * ```
 */
@Module({})
export class OperonModule {
  /**
   * The module with fixed options.
   *
   * @param options - the core host's options (kubeconfig, namespaces, concurrency, resync, logger…)
   * and `startTimeoutMs`; all optional.
   */
  static forRoot(options: OperonModuleOptions = {}): DynamicModule {
    return OperonModule.assemble([{ provide: OPERON_MODULE_OPTIONS, useValue: options }], []);
  }

  /**
   * The module with options made by a factory, a class or an existing provider, for example from
   * a ConfigService.
   *
   * @throws ConfigError when none of `useFactory`, `useClass` or `useExisting` is given.
   */
  static forRootAsync(options: OperonModuleAsyncOptions): DynamicModule {
    return OperonModule.assemble(optionsProviders(options), options.imports ?? []);
  }

  private static assemble(
    optionProviders: Provider[],
    imports: NonNullable<OperonModuleAsyncOptions['imports']>,
  ): DynamicModule {
    const host: FactoryProvider<OperonHost> = {
      provide: OperonHost,
      useFactory: (options: OperonModuleOptions, explorer: OperonExplorer) =>
        new OperonApp(explorer.plan(), runOptionsOf(options)).host,
      inject: [OPERON_MODULE_OPTIONS, OperonExplorer],
    };
    return {
      global: true,
      module: OperonModule,
      imports: [DiscoveryModule, ...imports],
      providers: [...optionProviders, OperonExplorer, host, OperonLifecycle],
      exports: [OperonHost, OPERON_MODULE_OPTIONS],
    };
  }
}

function optionsProviders(options: OperonModuleAsyncOptions): Provider[] {
  if (options.useFactory) {
    return [{ provide: OPERON_MODULE_OPTIONS, useFactory: options.useFactory, inject: options.inject ?? [] }];
  }
  const factoryClass = options.useClass ?? options.useExisting;
  if (!factoryClass) {
    throw new ConfigError([
      'OperonModule.forRootAsync() got no way to make its options. Pass useFactory (with inject), useClass or useExisting.',
    ]);
  }
  const fromFactory: FactoryProvider<OperonModuleOptions | Promise<OperonModuleOptions>> = {
    provide: OPERON_MODULE_OPTIONS,
    useFactory: (factory: OperonOptionsFactory) => factory.createOperonOptions(),
    inject: [factoryClass],
  };
  return options.useClass ? [fromFactory, { provide: factoryClass, useClass: factoryClass }] : [fromFactory];
}

/**
 * The module is a thin layer over `runOperators`' app, embedded: Nest owns the process (its own
 * shutdown hooks, its own HTTP server and logger), so the app binds nothing, handles no signal and
 * stays silent unless given a logger. The start timeout is the lifecycle's, with Nest's wording.
 */
function runOptionsOf(options: OperonModuleOptions): RunOptions {
  const { startTimeoutMs: _lifecycleOnly, logger, ...host } = options;
  return { ...host, logger: logger ?? false, embedded: true };
}
