import type { InjectionToken, ModuleMetadata, OptionalFactoryDependency, Type } from '@nestjs/common';
import type { HostOptions } from 'operon';

/**
 * Settings of the one {@link OperonHost} an application runs: everything the core host accepts,
 * plus how long bootstrap may wait for it.
 *
 * @remarks
 * All fields are optional. Without `kubeConfig` the host uses the Pod's ServiceAccount in a
 * cluster, then `KUBECONFIG`, then `~/.kube/config`. Without `namespaces` it watches every namespace.
 *
 * @example
 * ```ts
 * OperonModule.forRoot({ namespaces: ['shop'], concurrency: 8, startTimeoutMs: 120_000 });
 * ```
 */
export interface OperonModuleOptions extends HostOptions {
  /**
   * How long application bootstrap waits for every operator's caches to sync, in ms; past it,
   * bootstrap fails with a message naming each cache that has not synced, the operators that need
   * it, and the API server's last answer (a CRD that is not installed, missing RBAC, an unreachable
   * server). Default 60 s; `0` waits for ever, as the core host does.
   */
  startTimeoutMs?: number;
}

/**
 * A class that makes the {@link OperonModuleOptions}, for `forRootAsync({ useClass })` or
 * `forRootAsync({ useExisting })`.
 *
 * @example
 * ```ts
 * @Injectable()
 * class OperonConfig implements OperonOptionsFactory {
 *   constructor(private readonly config: ConfigService) {}
 *   createOperonOptions(): OperonModuleOptions {
 *     return { namespaces: this.config.get('WATCH_NAMESPACES')?.split(',') };
 *   }
 * }
 * ```
 */
export interface OperonOptionsFactory {
  createOperonOptions(): OperonModuleOptions | Promise<OperonModuleOptions>;
}

/**
 * What `OperonModule.forRootAsync` takes: one way to make the options (`useFactory`, `useClass` or
 * `useExisting`), and the modules that way needs.
 *
 * @remarks
 * The options are made while providers are created, before any operator starts; a factory that
 * throws or rejects fails the bootstrap.
 *
 * @example
 * ```ts
 * OperonModule.forRootAsync({
 *   imports: [AppConfigModule],
 *   inject: [AppConfig],
 *   useFactory: (config: AppConfig) => ({ kubeConfig: config.kubeConfig(), namespaces: config.namespaces }),
 * });
 * ```
 */
export interface OperonModuleAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  /** Makes the options from the providers listed in `inject`, in that order. */
  useFactory?: (...deps: never[]) => OperonModuleOptions | Promise<OperonModuleOptions>;
  /** What `useFactory` receives. */
  inject?: (InjectionToken | OptionalFactoryDependency)[];
  /** A class the module creates and asks for the options. */
  useClass?: Type<OperonOptionsFactory>;
  /** A provider, already available in an imported module, to ask for the options. */
  useExisting?: Type<OperonOptionsFactory>;
}
