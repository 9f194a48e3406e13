import type { DataClass } from '../types/custom-resource.js';
import type { ResourceType } from '../types/resource-type.js';
import type { UpdateStrategy } from '../types/update-strategy.js';

/**
 * What generation needs to know about one operator: its parent type and classes, its child types
 * and their strategies, its related types, and whether it finalizes. Never its instance.
 *
 * @remarks
 * Every {@link OperatorConfig} is one, so hand-written configs get CRDs and RBAC too; so is what
 * {@link declarationsFromClasses} reads from decorators without constructing anything.
 *
 * @example
 * ```ts
 * const echo: OperatorDeclaration = {
 *   name: 'echo-server',
 *   parent: { type: EchoServerResource, spec: EchoServerSpec },
 *   children: [{ type: Pod, strategy: 'recreate' }],
 * };
 * ```
 */
export interface OperatorDeclaration {
  readonly name: string;
  readonly parent: {
    readonly type: ResourceType;
    readonly spec?: DataClass;
    readonly status?: DataClass;
  };
  readonly children: readonly { readonly type: ResourceType; readonly strategy: UpdateStrategy }[];
  /** Types the operator reads but never writes (`@Related`); optional, as in `OperatorConfig`. */
  readonly related?: readonly { readonly type: ResourceType; readonly property?: string }[];
  /** Present (any value) when the operator has a finalize step: it then patches the parent's finalizers. */
  readonly finalize?: unknown;
}
