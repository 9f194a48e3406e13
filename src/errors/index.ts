/**
 * @packageDocumentation
 * Every error Operon throws, and how to tell them apart.
 */
export * from './operon-error.js';
export * from './permanent-error.js';
