// The README's one-file example: defines the operator and runs it at top level.
import 'reflect-metadata';
import { Container } from 'inversify';
import { Operon } from '../../../../src/di/operon.js';
import { GreetingOperator } from './greeting-operator.js';

const container = new Container();
container.bind(GreetingOperator).toSelf();
const host = await Operon.run(container);
process.once('SIGTERM', () => void host.stop());
