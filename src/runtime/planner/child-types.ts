import type { KubeObject } from '../../types/kube-object.js';
import { describeType } from '../../types/resource-type.js';
import type { ChildRef } from '../../types/sync.js';

/** The declared child type an object belongs to, matched by `apiVersion` and `kind`; first wins. */
export function childRefFor(children: readonly ChildRef[], obj: KubeObject): ChildRef | undefined {
  return children.find((ref) => ref.type.apiVersion === obj.apiVersion && ref.type.kind === obj.kind);
}

/** The declared child types for messages: `Pod (v1), Service (v1)`. */
export function describeDeclared(children: readonly ChildRef[]): string {
  return children.length === 0 ? 'none' : children.map((ref) => describeType(ref.type)).join(', ');
}
