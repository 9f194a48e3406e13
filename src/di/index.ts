/**
 * @packageDocumentation
 * Builds and runs the host from an InversifyJS container.
 */
export { discoverOperators } from './discover-operators.js';
export { Operon } from './operon.js';
