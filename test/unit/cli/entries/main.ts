// The application's main module, next to defines-only.ts: the one that runs the operators.
import 'reflect-metadata';
import { Operon } from '../../../../src/di/operon.js';
import { createContainer } from './defines-only.js';

const host = await Operon.run(createContainer());
process.once('SIGTERM', () => void host.stop());
