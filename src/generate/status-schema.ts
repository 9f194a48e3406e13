import type { DataClass } from '../types/custom-resource.js';
import { classSchema } from './class-schema.js';
import { freeObject, type JsonSchema } from './json-schema.js';

/** The `metav1.Condition` shape Operon writes into `status.conditions`. */
export const CONDITIONS_SCHEMA: JsonSchema = {
  type: 'array',
  description: 'Conditions of the resource; Operon maintains the Synced condition.',
  items: {
    type: 'object',
    required: ['type', 'status'],
    properties: {
      type: { type: 'string' },
      status: { type: 'string', enum: ['True', 'False', 'Unknown'] },
      reason: { type: 'string' },
      message: { type: 'string' },
      observedGeneration: { type: 'integer', format: 'int64' },
      lastTransitionTime: { type: 'string', format: 'date-time' },
    },
  },
  'x-kubernetes-list-type': 'map',
  'x-kubernetes-list-map-keys': ['type'],
};

/** `status.observedGeneration`, which Operon sets after each successful pass. */
export const OBSERVED_GENERATION_SCHEMA: JsonSchema = {
  type: 'integer',
  format: 'int64',
  description: 'The metadata.generation the status describes.',
};

/**
 * The CRD schema of a parent's `status`: from its status class when there is one, else an object
 * that keeps any field.
 *
 * @remarks
 * With a class, Operon's own fields (`observedGeneration`, `conditions`) are added unless the class
 * declares them, and the top level has no `required`: when the first pass fails, Operon writes a
 * status holding only its condition, which the API server must accept. Property initialisers are not
 * turned into defaults here (Operon writes the whole status itself).
 *
 * @example
 * ```ts
 * statusSchema(undefined); // { type: 'object', 'x-kubernetes-preserve-unknown-fields': true }
 * statusSchema(EchoServerStatus).properties?.conditions; // the metav1.Condition list
 * ```
 */
export function statusSchema(statusClass: DataClass | undefined, notes?: string[]): JsonSchema {
  if (!statusClass) return freeObject();
  const { required: _dropped, ...schema } = classSchema(statusClass, { defaults: false, notes });
  if (schema['x-kubernetes-preserve-unknown-fields'] && !schema.properties) return freeObject();
  return {
    ...schema,
    properties: {
      ...schema.properties,
      observedGeneration: schema.properties?.observedGeneration ?? OBSERVED_GENERATION_SCHEMA,
      conditions: schema.properties?.conditions ?? CONDITIONS_SCHEMA,
    },
  };
}
