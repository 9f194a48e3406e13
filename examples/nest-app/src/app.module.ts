import { Module } from '@nestjs/common';
import { OperonModule, type OperonModuleOptions } from '@operon/nest';
import { pino } from 'pino';
import { AppConfig, AppConfigModule } from './config/app-config.js';
import { GreetingsModule } from './greetings/greetings.module.js';
import { PagesModule } from './pages/pages.module.js';
import { OperonStatus } from './status/operon-status.service.js';

/**
 * The root module: Operon's options come from the app's own config provider, and each operator
 * lives in its feature module.
 */
@Module({
  imports: [
    OperonModule.forRootAsync({
      imports: [AppConfigModule],
      inject: [AppConfig],
      useFactory: (config: AppConfig): OperonModuleOptions => ({
        kubeConfig: config.kubeConfig,
        namespaces: config.namespaces,
        logger: pino({ level: config.logLevel }),
        startTimeoutMs: 30_000,
      }),
    }),
    GreetingsModule,
    PagesModule,
  ],
  providers: [OperonStatus],
})
export class AppModule {}
