/**
 * @packageDocumentation
 * Builds and runs the host from an InversifyJS container.
 */
export { discoverOperators, discoverOperatorsAsync, OPERATORS } from './discover-operators.js';
export { Operon, type RunOptions } from './operon.js';
