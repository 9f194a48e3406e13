// A `main()` that starts the operators after an await, so after the import has finished.
import 'reflect-metadata';
import { Container } from 'inversify';
import { Operon } from '../../../../src/di/operon.js';
import { GreetingOperator } from './greeting-operator.js';

export const operators = [GreetingOperator];

async function main(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 300));
  const container = new Container();
  container.bind(GreetingOperator).toSelf();
  const host = await Operon.run(container);
  process.once('SIGTERM', () => void host.stop());
}
main().catch((e: Error) => {
  console.error(`main failed: ${e.message}`);
  process.exit(1);
});
