// The module `operon` should be pointed at: it defines the operators and starts nothing.
import { Container } from 'inversify';
import { GreetingOperator } from './greeting-operator.js';

export function createContainer(): Container {
  const container = new Container();
  container.bind(GreetingOperator).toSelf();
  return container;
}
