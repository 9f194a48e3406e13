import { Command, CommanderError } from 'commander';
import { OperonError } from '../errors/operon-error.js';
import { clusterCommand } from './cluster-command.js';

const program = new Command('operon')
  .description('Operon: Kubernetes operators in TypeScript')
  .showHelpAfterError()
  .exitOverride()
  .addCommand(clusterCommand());

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) process.exit(e.exitCode);
  process.stderr.write(`operon: ${OperonError.is(e) || e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
}
