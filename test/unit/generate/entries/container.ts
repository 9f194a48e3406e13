// An entry module exporting a container factory: only the bound operator counts.
import { Container } from 'inversify';
import { EchoOperator } from '../fixtures-operators.js';

export function createContainer(): Container {
  const container = new Container();
  container.bind(EchoOperator).toSelf();
  return container;
}
