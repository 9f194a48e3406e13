// The application's main module, next to defines-only.ts: the one that runs the operators.
import 'reflect-metadata';
import { runOperators } from '../../../../src/app/run-operators.js';
import { createContainer } from './defines-only.js';

// Embedded: the tests that run this check the start, not the servers (which would need free ports).
const app = await runOperators(createContainer(), { embedded: true });
process.once('SIGTERM', () => void app.stop());
