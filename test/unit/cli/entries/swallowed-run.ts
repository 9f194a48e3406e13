// Starts the operators without awaiting them, swallows the failure, and keeps the process up.
import 'reflect-metadata';
import { Container } from 'inversify';
import { Operon } from '../../../../src/di/operon.js';
import { GreetingOperator } from './greeting-operator.js';

const container = new Container();
container.bind(GreetingOperator).toSelf();
Operon.run(container).catch(() => undefined);
setInterval(() => undefined, 1_000);
await new Promise(() => undefined);
