import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module.js';
import { OperonStatus } from './status/operon-status.service.js';

// An application context, as this app serves no HTTP. With @nestjs/platform-express, use
// NestFactory.create(AppModule) and app.listen(3000): OperonModule works the same.
// Resolves once the operators' caches have synced; rejects (naming the class) on a mistake.
const app = await NestFactory.createApplicationContext(AppModule);

// SIGTERM or Ctrl-C: Nest runs the shutdown hooks, Operon drains in-flight reconciles and closes its watches.
app.enableShutdownHooks();

new Logger('NestApp').log(app.get(OperonStatus).summary());
