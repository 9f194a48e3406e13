import type { KubeObject } from './kube-object.js';
import { type ResourceType, resourceType } from './resource-type.js';
import type { CustomResourceVersion } from './resource-versions.js';
import type { JsonObject } from './sync.js';

/**
 * A class whose instances describe plain data: a custom resource's `spec` or `status`.
 *
 * @remarks
 * Operon builds instances with class-transformer and checks them with class-validator, and later
 * derives the CRD schema from the same decorators. The constructor must accept no arguments.
 *
 * @example
 * ```ts
 * class EchoServerSpec { @IsInt() replicas!: number; }
 * const specClass: DataClass<EchoServerSpec> = EchoServerSpec;
 * ```
 */
export type DataClass<T = unknown> = new (...args: never[]) => T;

/**
 * One extra column `kubectl get` prints for a custom resource (`additionalPrinterColumns` in the CRD).
 *
 * @remarks
 * Fed to CRD generation as-is; Operon itself never reads the values.
 *
 * @example
 * ```ts
 * const ready: PrinterColumn = { name: 'Ready', type: 'integer', jsonPath: '.status.readyReplicas' };
 * ```
 */
export interface PrinterColumn {
  /** Column header, as `kubectl get` prints it. */
  readonly name: string;
  /** OpenAPI type of the value. */
  readonly type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  /** Simple JSONPath into the object, e.g. `.status.readyReplicas`. */
  readonly jsonPath: string;
  /** What the column shows, for people; copied to the CRD's column `description` when set. */
  readonly description?: string;
  /** `0` (the default) shows the column always; higher values only with `kubectl get -o wide`. */
  readonly priority?: number;
}

/**
 * A custom resource object as it travels on the wire, with its `spec` and `status` typed.
 *
 * @remarks
 * Plain JSON: `spec` is an instance of the spec class only inside `sync`, after validation.
 *
 * @example
 * ```ts
 * type EchoServer = CustomObject<EchoServerSpec, EchoServerStatus>;
 * ```
 */
export interface CustomObject<TSpec = JsonObject, TStatus = JsonObject> extends KubeObject {
  /** What the user asks for. */
  spec?: TSpec;
  /** What the operator reports, through the status subresource. */
  status?: TStatus;
}

/** What {@link customResource} needs to describe a custom resource and its CRD. */
export interface CustomResourceSpec<TSpec = JsonObject, TStatus = JsonObject> {
  /** API group; a custom resource cannot live in the core group, so this must be a domain. */
  group: string;
  /**
   * The version the operator works with: its informer watches it and `sync` sees objects in it (the
   * API server converts the others). Required with one version; with `versions`, defaults to the
   * storage version.
   */
  version?: string;
  /** The kind, as in an object's `kind` field: CamelCase, singular, e.g. `EchoServer`. */
  kind: string;
  /** Defaults to the lower-cased kind plus `s` (see {@link defaultPlural}). */
  plural?: string;
  /** Defaults to true. */
  namespaced?: boolean;
  /** The class the spec follows (class-validator / class-transformer decorators). */
  spec?: DataClass<TSpec>;
  /** The class the status follows; used only for the CRD schema. */
  status?: DataClass<TStatus>;
  /** Short names for `kubectl`, e.g. `['echo']`. */
  shortNames?: readonly string[];
  /** Categories for `kubectl get <category>`, e.g. `['all']`. */
  categories?: readonly string[];
  /** Extra columns for `kubectl get`. */
  printerColumns?: readonly PrinterColumn[];
  /**
   * Several versions of the resource, each with its own spec (and status) class, one of them
   * `storage`, the others converting to and from the hub (the one without `convert`). `spec` and
   * `status` above are the classes of versions that name none.
   */
  versions?: readonly CustomResourceVersion[];
}

/**
 * A custom resource type: a {@link ResourceType} that also carries its spec and status classes and
 * the extras its CRD needs.
 *
 * @remarks
 * Plain, frozen data. Everything that accepts a `ResourceType` accepts this too; CRD generation
 * recognises it with {@link isCustomResourceType}.
 *
 * @example
 * ```ts
 * const EchoServer = customResource({ group: 'example.com', version: 'v1alpha1', kind: 'EchoServer', spec: EchoServerSpec });
 * EchoServer.plural; // 'echoservers'
 * ```
 */
export interface CustomResourceType<TSpec = JsonObject, TStatus = JsonObject>
  extends ResourceType<CustomObject<TSpec, TStatus>> {
  /** The class the spec is transformed into and validated as, and its CRD schema comes from. */
  readonly spec?: DataClass<TSpec>;
  /** The class the CRD's status schema comes from. */
  readonly status?: DataClass<TStatus>;
  /** Short names for kubectl (`kubectl get es`). */
  readonly shortNames: readonly string[];
  /** Categories for kubectl (`kubectl get all` lists the `all` category). */
  readonly categories: readonly string[];
  /** Extra `kubectl get` columns (Operon adds Synced, Reason and Ready). */
  readonly printerColumns: readonly PrinterColumn[];
  /**
   * Every version, when declared with `versions` (each with its spec and status classes resolved and
   * `served` defaulted); `version`, `spec` and `status` above are those of the operator's version.
   */
  readonly versions?: readonly CustomResourceVersion[];
}

/**
 * Describes a custom resource (the parent an operator owns, or any CRD) in one call.
 *
 * @remarks
 * Never throws: a missing `kind` or `version` gives a type with empty fields, which operator
 * validation reports with the rest of the configuration problems (with `versions`, see
 * {@link versionProblems}). The result and its arrays are frozen.
 *
 * With `versions`, the type's `version`, `spec` and `status` are those of the version the operator
 * works with (`version`, by default the storage version), and `versions` lists all of them for the
 * CRD and the conversion webhook.
 *
 * @example
 * ```ts
 * export const EchoServer = customResource({
 *   group: 'example.com', version: 'v1alpha1', kind: 'EchoServer',
 *   spec: EchoServerSpec, status: EchoServerStatus, shortNames: ['echo'],
 *   printerColumns: [{ name: 'Ready', type: 'integer', jsonPath: '.status.readyReplicas' }],
 * });
 * @Operator({ parent: EchoServer })
 * export class EchoServerOperator { ... }
 * ```
 */
export function customResource<TSpec = JsonObject, TStatus = JsonObject>(
  spec: CustomResourceSpec<TSpec, TStatus>,
): CustomResourceType<TSpec, TStatus> {
  const kind = spec.kind ?? '';
  const versions = Array.isArray(spec.versions)
    ? spec.versions.map((v) =>
        Object.freeze({
          ...v,
          spec: v?.spec ?? spec.spec,
          status: v?.status ?? spec.status,
          served: v?.served ?? true,
        }),
      )
    : undefined;
  const version = spec.version ?? versions?.find((v) => v.storage === true)?.name ?? '';
  // The classes of the operator's own version, which validation and `sync` use.
  const own = versions?.find((v) => v.name === version);
  const specClass = (own ? own.spec : spec.spec) as DataClass<TSpec> | undefined;
  const statusClass = (own ? own.status : spec.status) as DataClass<TStatus> | undefined;
  const base = resourceType<CustomObject<TSpec, TStatus>>({
    group: spec.group ?? '',
    version,
    kind,
    // An empty kind has no plural; validation reports the missing kind instead.
    plural: spec.plural ?? (kind ? undefined : ''),
    namespaced: spec.namespaced,
  });
  const type: CustomResourceType<TSpec, TStatus> = {
    ...base,
    ...(specClass ? { spec: specClass } : {}),
    ...(statusClass ? { status: statusClass } : {}),
    shortNames: Object.freeze([...(spec.shortNames ?? [])]),
    categories: Object.freeze([...(spec.categories ?? [])]),
    printerColumns: Object.freeze((spec.printerColumns ?? []).map((c) => Object.freeze({ ...c }))),
    ...(versions ? { versions: Object.freeze(versions) } : {}),
  };
  return Object.freeze(type);
}

/**
 * Tells a {@link CustomResourceType} (made by {@link customResource}) from a plain {@link ResourceType}.
 *
 * @remarks
 * Checks the shape, not a brand, so it also works across duplicate installs of Operon.
 *
 * @example
 * ```ts
 * if (isCustomResourceType(config.parent.type)) generateCrd(config.parent.type);
 * ```
 */
export function isCustomResourceType(type: ResourceType): type is CustomResourceType {
  const t = type as Partial<CustomResourceType>;
  return Array.isArray(t.printerColumns) && Array.isArray(t.shortNames) && Array.isArray(t.categories);
}
