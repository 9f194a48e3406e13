/**
 * @packageDocumentation
 * Plain data shared by every layer: objects, resource types and the built-in kinds, and the
 * sync contract. No behaviour beyond tiny pure helpers.
 */
export * from './builtins.js';
export * from './conditions.js';
export * from './custom-resource.js';
export * from './deletion-budget.js';
export * from './kube-object.js';
export * from './related.js';
export * from './resource-type.js';
export * from './resource-versions.js';
export * from './sync.js';
export * from './update-strategy.js';
