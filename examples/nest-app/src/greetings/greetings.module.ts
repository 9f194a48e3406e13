import { Module } from '@nestjs/common';
import { AppConfigModule } from '../config/app-config.js';
import { GreetingOperator } from './greeting.operator.js';
import { GreetingService } from './greeting.service.js';

/** A feature module: the operator is listed with the other providers, nothing more. */
@Module({
  imports: [AppConfigModule],
  providers: [GreetingService, GreetingOperator],
})
export class GreetingsModule {}
