import type { KubeConfig } from '@kubernetes/client-node';
import { Injectable, Module } from '@nestjs/common';

/**
 * The app's settings, read once from the environment. It stands in for `@nestjs/config`'s
 * ConfigService: any provider works, since operators and OperonModule.forRootAsync get it by injection.
 */
@Injectable()
export class AppConfig {
  /** `WATCH_NAMESPACES`, comma-separated; unset: every namespace. */
  namespaces: string[] | undefined = process.env.WATCH_NAMESPACES?.split(',').filter(Boolean);
  /** `GREETING_SALUTATION`; default `Hello`. */
  salutation: string = process.env.GREETING_SALUTATION ?? 'Hello';
  /** `LOG_LEVEL` of Operon's own (pino) logs; default `warn`. */
  logLevel: string = process.env.LOG_LEVEL ?? 'warn';
  /** Unset: Operon picks the Pod's ServiceAccount, then `KUBECONFIG`, then `~/.kube/config`. Tests set it. */
  kubeConfig: KubeConfig | undefined = undefined;
}

/** Provides {@link AppConfig} to whichever module imports it. */
@Module({ providers: [AppConfig], exports: [AppConfig] })
export class AppConfigModule {}
