import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleInit,
} from '@nestjs/common';
import { OperonError } from 'operon';
import { OperonHost } from 'operon/runtime';
import type { OperonModuleOptions } from './interfaces/operon-module-options.interface.js';
import { DEFAULT_START_TIMEOUT_MS, OPERON_MODULE_OPTIONS } from './operon.constants.js';
import { OperonExplorer } from './operon.explorer.js';
import { messages } from './operon.messages.js';

/**
 * Ties the host to Nest's lifecycle: checks the operators once every provider exists, starts the
 * host at application bootstrap, and stops it at shutdown.
 *
 * @remarks
 * OperonModule is global, and Nest runs the hooks of global modules first at bootstrap and last at
 * shutdown. So the host starts after every provider's `onModuleInit` and before other modules'
 * `onApplicationBootstrap`; it drains after every `onModuleDestroy`, and before any
 * `onApplicationShutdown`. Providers an operator uses should release their resources in
 * `onApplicationShutdown`, not `onModuleDestroy`, so that in-flight reconciles can still use them.
 */
@Injectable()
export class OperonLifecycle implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Operon');
  private started = false;

  constructor(
    @Inject(OPERON_MODULE_OPTIONS) private readonly options: OperonModuleOptions,
    private readonly explorer: OperonExplorer,
    private readonly host: OperonHost,
  ) {}

  /** Fails the bootstrap with one ConfigError when an operator or its provider is wrong. */
  onModuleInit(): void {
    this.explorer.bind();
  }

  /** Starts every operator and waits until their caches have synced (bounded by `startTimeoutMs`). */
  async onApplicationBootstrap(): Promise<void> {
    const timeoutMs = this.options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
    const starting = this.host.start();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      if (timeoutMs > 0) timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    try {
      const first = await Promise.race([starting.then(() => 'started' as const), timedOut]);
      if (first === 'timeout') {
        const waiting = this.explorer.describeUnsynced(
          this.host.sharedInformers().filter((i) => !i.hasSynced()),
        );
        // stop() makes the pending start() reject; that rejection is the expected end of it.
        starting.catch(() => undefined);
        throw new OperonError('NOT_STARTED', messages.startTimeout(timeoutMs, waiting));
      }
    } catch (err) {
      // Nest runs no shutdown hook after a failed bootstrap: close the watches here, or the process stays up.
      await this.host.stop();
      throw err;
    } finally {
      clearTimeout(timer);
    }
    this.started = true;
    this.logger.log(`Started ${this.host.operators.join(', ')}: every cache has synced`);
  }

  /** Stops taking work, drains in-flight reconciles and closes every watch. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.host.stop();
    if (this.started) this.logger.log(`Stopped ${this.host.operators.join(', ')}`);
  }
}
