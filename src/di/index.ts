/**
 * @packageDocumentation
 * Finds the `@Operator` classes bound in an InversifyJS container and builds their configurations.
 */
export { discoverOperators, discoverOperatorsAsync, OPERATORS } from './discover-operators.js';
export { Operon } from './operon.js';
