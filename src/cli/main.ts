import 'reflect-metadata';
import { Command, CommanderError } from 'commander';
import { approveCommand } from './approve-command.js';
import { describeFailure, EXIT } from './cli-errors.js';
import { clusterCommand } from './cluster-command.js';
import { crdCommand, manifestsCommand, rbacCommand } from './generate-commands.js';
import { initCommand } from './init-command.js';
import { planCommand } from './plan-command.js';
import { recordCommand, replayCommand } from './record-command.js';
import { runCommand } from './run-command.js';

// A reader that stops early (`operon crd app.js | head`) closes the pipe: that ends the output, as for
// any Unix tool, not in an unhandled 'error' event and a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    process.exit();
  });
}

// Exit codes: 0 ok, 1 a runtime failure (module fails to load, no operator, ConfigError, API error),
// 2 a usage error (unknown command or option, missing argument, entry file not found).
const program = new Command('operon')
  .description('Operon: Kubernetes operators in TypeScript')
  .showHelpAfterError()
  .exitOverride()
  .addCommand(crdCommand())
  .addCommand(rbacCommand())
  .addCommand(manifestsCommand())
  .addCommand(runCommand())
  .addCommand(planCommand())
  .addCommand(recordCommand())
  .addCommand(replayCommand())
  .addCommand(approveCommand())
  .addCommand(clusterCommand())
  .addCommand(initCommand())
  .addHelpText('after', '\nExit codes: 0 ok, 1 failure, 2 usage error.');

// Subcommands inherit neither exitOverride nor the help-after-error setting on their own.
for (const cmd of program.commands) cmd.exitOverride().showHelpAfterError();

// `operon plan` exits 2 when something would change (as terraform plan -detailed-exitcode), so a
// usage error there exits 1: 2 must only ever mean "changes".
let usageExit: number = EXIT.usage;
program.hook('preSubcommand', (_program, sub) => {
  if (sub.name() === 'plan') usageExit = EXIT.failure;
});

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    // Commander has printed its message; only an explicit help or --version is a success.
    process.exitCode = e.exitCode === 0 ? EXIT.ok : usageExit;
  } else {
    const { code, message } = describeFailure(e);
    process.stderr.write(`operon: ${message}\n`);
    process.exitCode = code;
  }
}
