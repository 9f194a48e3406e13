// An independent check of the Kubernetes structural-schema rules, so the tests do not trust the
// code they test: every problem found in a schema, as `path: rule`.
import type { JsonSchema } from '../../../src/generate/json-schema.js';

const JUNCTORS = ['allOf', 'anyOf', 'oneOf'] as const;
const FORBIDDEN_IN_JUNCTORS = ['type', 'description', 'default', 'nullable', 'additionalProperties'];

export function structuralProblems(schema: JsonSchema, path = '', inJunctor = false): string[] {
  const s = schema as Record<string, unknown>;
  const out: string[] = [];
  const at = path || '.';
  if ('$ref' in s) out.push(`${at}: $ref`);
  if ('definitions' in s) out.push(`${at}: definitions`);
  if (s.uniqueItems === true) out.push(`${at}: uniqueItems`);
  if (s.additionalProperties === false) out.push(`${at}: additionalProperties false`);
  if (typeof s.exclusiveMinimum === 'number' || typeof s.exclusiveMaximum === 'number')
    out.push(`${at}: numeric exclusive bound`);
  if (inJunctor) {
    for (const k of FORBIDDEN_IN_JUNCTORS) if (k in s) out.push(`${at}: ${k} inside a junctor`);
  } else {
    const typed = typeof s.type === 'string';
    const free =
      s['x-kubernetes-preserve-unknown-fields'] === true || s['x-kubernetes-int-or-string'] === true;
    if (!typed && !free) out.push(`${at}: no type`);
    if (s.properties && s.additionalProperties) out.push(`${at}: properties with additionalProperties`);
    if (s.type === 'array' && !s.items) out.push(`${at}: array without items`);
  }
  for (const [name, child] of Object.entries(schema.properties ?? {}))
    out.push(...structuralProblems(child, `${path}.${name}`, inJunctor));
  if (schema.items) out.push(...structuralProblems(schema.items, `${path}[]`, inJunctor));
  if (schema.additionalProperties)
    out.push(...structuralProblems(schema.additionalProperties, `${path}{}`, inJunctor));
  for (const j of JUNCTORS)
    for (const [i, b] of (schema[j] ?? []).entries())
      out.push(...structuralProblems(b, `${path}.${j}[${i}]`, true));
  if (schema.not) out.push(...structuralProblems(schema.not, `${path}.not`, true));
  return out;
}
