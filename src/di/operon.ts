import type { Container } from 'inversify';
import type { RunOptions } from '../app/app-options.js';
import { OperonApp } from '../app/operon-app.js';
import { runOperators } from '../app/run-operators.js';
import type { OperonHost } from '../runtime/host/operon-host.js';
import { refuseStartWhileLoadingEntry } from '../runtime/host/start-guard.js';

/**
 * The earlier entry point for InversifyJS applications: {@link runOperators} with
 * `embedded: true`, returning the host instead of the app.
 *
 * @deprecated Use `runOperators(container, { embedded: true, ... })` (or without `embedded` in
 * production) and `app.stop()`; `Operon` goes in the next minor version.
 *
 * @example
 * ```ts
 * // before
 * const host = await Operon.run(container, { namespaces: ['demo'] });
 * await host.stop();
 * // now
 * const app = await runOperators(container, { embedded: true, namespaces: ['demo'] });
 * await app.stop();
 * ```
 */
export const Operon = {
  /**
   * Runs every `@Operator` class bound in `container`; resolves with the running host once every
   * cache has synced.
   *
   * @deprecated Use `runOperators(container, { embedded: true, ...options })`.
   * @throws as {@link runOperators}.
   */
  async run(container: Container, options: RunOptions = {}): Promise<OperonHost> {
    refuseStartWhileLoadingEntry('Operon.run');
    const app = await runOperators(container, { ...options, embedded: true });
    return app.host;
  },

  /**
   * Like {@link Operon.run} but does not start the host.
   *
   * @deprecated Use `new OperonApp(container, { embedded: true, ...options })` and `app.start()`.
   */
  create(container: Container, options: RunOptions = {}): OperonHost {
    return new OperonApp(container, { ...options, embedded: true }).host;
  },
};
