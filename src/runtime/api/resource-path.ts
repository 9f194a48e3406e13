import type { ResourceType } from '../../types/resource-type.js';

/** What a URL path addresses: a collection (no name) or one object, maybe a subresource of it. */
export interface PathTarget {
  namespace?: string;
  name?: string;
  subresource?: string;
}

/**
 * Builds the REST path of a resource: `/api/v1/namespaces/ns/pods/name/status`, or
 * `/apis/apps/v1/deployments` for every namespace.
 */
export function resourcePath(
  type: Pick<ResourceType, 'group' | 'version' | 'plural' | 'namespaced'>,
  target: PathTarget = {},
): string {
  const root = type.group ? `/apis/${type.group}/${type.version}` : `/api/${type.version}`;
  const ns = type.namespaced && target.namespace ? `/namespaces/${encodeURIComponent(target.namespace)}` : '';
  const name = target.name ? `/${encodeURIComponent(target.name)}` : '';
  const sub = target.name && target.subresource ? `/${target.subresource}` : '';
  return `${root}${ns}/${type.plural}${name}${sub}`;
}
