import type { KubeObject } from '../types/kube-object.js';
import type { ResourceType } from '../types/resource-type.js';
import type { ChildRef, DesiredObject } from '../types/sync.js';
import type { UpdateStrategy } from '../types/update-strategy.js';

/**
 * Makes the typed handle on one child type that a hand-written {@link OperatorConfig} lists in
 * `children` (`@Child` makes the same handle for you).
 *
 * @remarks
 * The handle is frozen. Its `desired(obj)` returns a new object whose first keys are the type's
 * `apiVersion` and `kind`, followed by the given fields; the input is not changed (nested objects
 * are shared, not copied). An `apiVersion` or `kind` in the input is ignored: the handle decides
 * the type. The strategy is checked by validation, not here.
 *
 * @example
 * ```ts
 * const pods = childRef(Pod, 'recreate');
 * pods.desired({ metadata: { name: 'web-0' }, spec: { containers: [{ name: 'web', image: 'nginx' }] } });
 * // → { apiVersion: 'v1', kind: 'Pod', metadata: {...}, spec: {...} }
 * ```
 */
export function childRef<T extends KubeObject>(
  type: ResourceType<T>,
  strategy: UpdateStrategy = 'apply',
  property: string = type.kind,
): ChildRef<T> {
  return Object.freeze({
    type,
    strategy,
    property,
    desired(object: DesiredObject<T>): T {
      const { apiVersion: _a, kind: _k, ...fields } = object as DesiredObject<T> & KubeObject;
      return { apiVersion: type.apiVersion, kind: type.kind, ...fields } as unknown as T;
    },
  });
}
