// Injection tokens and defaults of the Nest adapter, in one place.

/**
 * Injection token of the {@link OperonModuleOptions} given to `OperonModule.forRoot` or produced by
 * `forRootAsync`.
 *
 * @remarks
 * Exported so that an app can read the resolved options (for example to log the watched namespaces).
 *
 * @example
 * ```ts
 * constructor(@Inject(OPERON_MODULE_OPTIONS) private readonly options: OperonModuleOptions) {}
 * ```
 */
export const OPERON_MODULE_OPTIONS = 'OPERON_MODULE_OPTIONS';

/** How long bootstrap waits for every cache to sync before it fails, unless `startTimeoutMs` says otherwise. */
export const DEFAULT_START_TIMEOUT_MS = 60_000;
