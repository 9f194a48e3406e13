import { type ResourceType, resourceTypeId } from '../../types/resource-type.js';

/**
 * Which objects of a resource type an informer holds. Everything left out means "all".
 *
 * @remarks
 * `namespace` is ignored for cluster-scoped types. Selectors use the API server's syntax
 * (`app=web,tier in (a,b)`), and are applied by the server, so the cache never sees other objects.
 */
export interface InformerScope {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

/**
 * The identity of a (resource type, scope) pair: two scopes that select the same objects get the
 * same key, so they share one informer.
 *
 * @remarks
 * Selector terms are trimmed and sorted (`b=2, a=1` equals `a=1,b=2`); commas inside set-based
 * terms (`env in (a,b)`) are kept.
 */
export function informerKey(
  type: Pick<ResourceType, 'group' | 'version' | 'plural' | 'namespaced'>,
  scope: InformerScope = {},
): string {
  const ns = type.namespaced ? (scope.namespace ?? '') : '';
  return [
    resourceTypeId(type),
    ns,
    normalizeSelector(scope.labelSelector),
    normalizeSelector(scope.fieldSelector),
  ].join('|');
}

/** The scope with its namespace dropped for cluster-scoped types and its selectors normalized. */
export function normalizeScope(
  type: Pick<ResourceType, 'namespaced'>,
  scope: InformerScope = {},
): InformerScope {
  const out: InformerScope = {};
  if (type.namespaced && scope.namespace) out.namespace = scope.namespace;
  const labels = normalizeSelector(scope.labelSelector);
  if (labels) out.labelSelector = labels;
  const fields = normalizeSelector(scope.fieldSelector);
  if (fields) out.fieldSelector = fields;
  return out;
}

function normalizeSelector(selector: string | undefined): string {
  if (!selector) return '';
  const terms: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < selector.length; i++) {
    const c = selector[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      terms.push(selector.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(selector.slice(start));
  return terms
    .map((t) => t.trim())
    .filter((t) => t.length > 0)
    .sort()
    .join(',');
}
