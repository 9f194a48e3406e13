// Child process of the "exits on its own" test: boots the example app as main.ts does, says `ready`,
// and on SIGUSR2 calls app.close() and nothing else. No process.exit: if the process does not end
// by itself after `closed`, something (a socket, a timer, a watch) is still open.
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './example.js';

const app = await NestFactory.createApplicationContext(AppModule, { logger: ['error', 'warn'] });
process.stdout.write('ready\n');
process.once('SIGUSR2', () => {
  void app.close().then(() => {
    process.stdout.write('closed\n');
    // Unref'd, so it cannot keep the process up itself; it reports what does, if anything.
    setTimeout(() => {
      process.stderr.write(
        `still running after close; open: ${process.getActiveResourcesInfo().join(', ')}\n`,
      );
    }, 3000).unref();
  });
});
