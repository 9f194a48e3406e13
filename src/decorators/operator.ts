import 'reflect-metadata';
import { injectable } from 'inversify';
import { type CustomResourceSpec, customResource, type DataClass } from '../types/custom-resource.js';
import type { DeletionBudget } from '../types/deletion-budget.js';
import type { ResourceType } from '../types/resource-type.js';
import { INVERSIFY_INJECTABLE_FLAG, OPERATOR_METADATA } from './metadata-keys.js';
import { registerOperatorClass } from './operator-registry.js';
import type { OperatorClass, OperatorMetadata } from './read-metadata.js';

/**
 * Options every form of `@Operator` accepts.
 *
 * @remarks
 * `name` must be a DNS-1123 label; it becomes the field manager, the ownership label value and
 * part of the default finalizer name, so changing it later orphans existing children.
 *
 * @example
 * ```ts
 * const common: OperatorCommonOptions = { name: 'echo', finalizerName: 'example.com/echo' };
 * ```
 */
export interface OperatorCommonOptions {
  /** Defaults to the class name in kebab-case without a trailing `Operator` (`EchoServerOperator` → `echo-server`). */
  name?: string;
  /** `<domain>/<name>`; defaults to `<parent plural>.<parent group>/finalizer`, which does not change when the class is renamed. Only used with `@Finalize`. */
  finalizerName?: string;
  /**
   * Limits on deleting children without consent; `false` turns them off for this operator. Default:
   * the host's `deletionBudget`, else more than half of one parent's children (and at least 2), or
   * more than 20 across all parents within 5 minutes, are held unless a spec change explains them.
   */
  deletionBudget?: DeletionBudget | false;
}

/**
 * `@Operator` options naming a parent type defined elsewhere (with {@link customResource} or
 * `resourceType`).
 *
 * @remarks
 * `spec` and `status` override the classes a {@link CustomResourceType} carries.
 *
 * @example
 * ```ts
 * @Operator({ parent: EchoServer })
 * ```
 */
export interface OperatorParentOptions extends OperatorCommonOptions {
  /** The parent's resource type: a {@link CustomResourceType} from {@link customResource}, or any `resourceType`. */
  parent: ResourceType;
  /**
   * The class the parent's spec is transformed into and validated against before `sync`; defaults
   * to the one `parent` carries, if any.
   */
  spec?: DataClass;
  /** The class of the parent's status, used only for the CRD's status schema; defaults to the one `parent` carries. */
  status?: DataClass;
}

/**
 * `@Operator` options that describe the parent custom resource inline.
 *
 * @remarks
 * Equivalent to `{ parent: customResource({ group, version, kind, ... }) }`, so CRD extras
 * (short names, printer columns) and several `versions` with their conversions can be given here
 * too; `version` is then the one `sync` works with.
 *
 * @example
 * ```ts
 * @Operator({ group: 'example.com', version: 'v1alpha1', kind: 'EchoServer', spec: EchoServerSpec })
 * @Operator({
 *   group: 'example.com', kind: 'Shard', version: 'v1',
 *   versions: [{ name: 'v1alpha1', spec: ShardSpecV1alpha1, convert: v1alpha1, storage: true }, { name: 'v1', spec: ShardSpecV1 }],
 * })
 * ```
 */
export interface OperatorInlineOptions extends OperatorCommonOptions, CustomResourceSpec<unknown, unknown> {
  /** Never set in this form: a `parent` makes the options {@link OperatorParentOptions}. */
  parent?: undefined;
}

/**
 * What `@Operator` accepts: a parent type, or the parent custom resource described inline.
 *
 * @remarks
 * Both forms build the same {@link OperatorMetadata}.
 *
 * @example
 * ```ts
 * const inline: OperatorOptions = { group: 'example.com', version: 'v1', kind: 'Cache' };
 * const byRef: OperatorOptions = { parent: Cache, name: 'cache' };
 * ```
 */
export type OperatorOptions = OperatorParentOptions | OperatorInlineOptions;

/**
 * Declares a class as an operator: the custom resource it owns, and its name.
 *
 * @remarks
 * Records metadata and nothing else: no watch starts until the class is bound in a container and
 * `Operon.run` discovers it. Mistakes (no `@Sync`, a bad name, …) are reported all together when
 * the configuration is built, as one `ConfigError`.
 *
 * The decorator also makes the class injectable for InversifyJS, unless `@injectable()` already
 * ran on it. Put `@Operator` above `@injectable(...)` when you use both: decorators run bottom-up,
 * and inversify throws if `@injectable()` comes second.
 *
 * @example
 * ```ts
 * @Operator({ group: 'example.com', version: 'v1alpha1', kind: 'EchoServer', spec: EchoServerSpec })
 * export class EchoServerOperator {
 *   constructor(private readonly greeter: Greeter) {}   // injected by type
 *   @Sync() sync(req: SyncRequest<EchoServerSpec>): SyncResponse { return { children: [] }; }
 * }
 * ```
 */
export function Operator(options: OperatorOptions): <T extends OperatorClass>(target: T) => void {
  const metadata = toMetadata(options);
  return (target) => {
    Reflect.defineMetadata(OPERATOR_METADATA, metadata, target);
    if (Reflect.getOwnMetadata(INVERSIFY_INJECTABLE_FLAG, target) === undefined) injectable()(target);
    registerOperatorClass(target);
  };
}
/** Constants that belong with the `@Operator` decorator. */
export namespace Operator {
  /**
   * The reflect-metadata key (`'operon:operator'`) under which `@Operator` records the operator's options on
   * the class.
   */
  export const KEY = OPERATOR_METADATA;
}

function toMetadata(options: OperatorOptions | undefined): OperatorMetadata {
  if (!options || typeof options !== 'object') return Object.freeze({});
  const common = {
    ...(options.name !== undefined ? { name: options.name } : {}),
    ...(options.finalizerName !== undefined ? { finalizerName: options.finalizerName } : {}),
    ...(options.deletionBudget !== undefined ? { deletionBudget: options.deletionBudget } : {}),
  };
  if (options.parent) {
    const fromType = options.parent as { spec?: DataClass; status?: DataClass };
    const spec = options.spec ?? fromType.spec;
    const status = options.status ?? fromType.status;
    return Object.freeze({
      parent: options.parent,
      ...(spec ? { spec } : {}),
      ...(status ? { status } : {}),
      ...common,
    });
  }
  const parent = customResource(options);
  return Object.freeze({
    parent,
    ...(parent.spec ? { spec: parent.spec } : {}),
    ...(parent.status ? { status: parent.status } : {}),
    ...common,
  });
}
