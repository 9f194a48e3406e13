import type { V1ObjectMeta } from '@kubernetes/client-node';
import type { DataClass } from './custom-resource.js';

/**
 * An object of one version of a custom resource, as a conversion function receives it: a deep copy
 * of the API server's JSON.
 *
 * @remarks
 * `spec` and `status` are plain JSON shaped like the version's classes, never class instances, and
 * are not validated: a stored object must convert even when it would no longer pass validation.
 *
 * @example
 * ```ts
 * const toHub = (o: ConversionInput<ShardSpecV1alpha1>): ConversionOutput<ShardSpecV1> => ({ ...o, spec: { ... } });
 * ```
 */
export interface ConversionInput<TSpec = unknown, TStatus = unknown> {
  /** The version the object comes in, `group/version`. */
  readonly apiVersion: string;
  /** The parent's kind. */
  readonly kind: string;
  /** As stored; only `labels` and `annotations` of the output's metadata are kept. */
  readonly metadata: Readonly<V1ObjectMeta>;
  /** The spec in the input's version. */
  readonly spec?: TSpec;
  /** The status in the input's version. */
  readonly status?: TStatus;
}

/**
 * What a conversion function returns: the object in the other version.
 *
 * @remarks
 * Operon sets `apiVersion` and `kind`. Of `metadata`, only `labels` and `annotations` are taken (when
 * given; left out, the input's stay), because the API server keeps every other metadata field of the
 * stored object; a changed name, namespace or uid fails the conversion. Everything else (`spec`,
 * `status`, other top-level fields) is exactly what is returned, so spread the input to keep what
 * does not change: `({ ...o, spec: { ... } })`.
 *
 * @example
 * ```ts
 * const out: ConversionOutput<ShardSpecV1> = { spec: { host: 'a', port: 80 }, status: o.status };
 * ```
 */
export interface ConversionOutput<TSpec = unknown, TStatus = unknown> {
  /** Only `labels` and `annotations` are taken (e.g. to keep a field the other version lacks). */
  readonly metadata?: Readonly<V1ObjectMeta>;
  /** The spec in the target version. */
  readonly spec?: TSpec;
  /** The status in the target version. */
  readonly status?: TStatus;
}

/**
 * How one version (a spoke) converts to and from the hub version: the version of the parent that
 * has no `convert` of its own.
 *
 * @remarks
 * Hub and spoke, as kubebuilder's conversion: with N versions, 2(N−1) functions, and a conversion
 * between two spokes goes through the hub. For lossless round trips, a spoke that cannot hold a hub
 * field keeps it in an annotation in `fromHub` and restores it in `toHub`. Both functions must be
 * pure and synchronous: the API server calls them on every read and write of another version.
 *
 * @example
 * ```ts
 * const convert: VersionConversion<ShardSpecV1alpha1, ShardSpecV1> = {
 *   toHub: (o) => ({ ...o, spec: { host: o.spec?.hostPort.split(':')[0], ... } }),
 *   fromHub: (o) => ({ ...o, spec: { hostPort: `${o.spec?.host}:${o.spec?.port}` } }),
 * };
 * ```
 */
export interface VersionConversion<
  TSpoke = unknown,
  THub = unknown,
  TSpokeStatus = unknown,
  THubStatus = unknown,
> {
  /** This version's object → the hub version's. */
  toHub(object: ConversionInput<TSpoke, TSpokeStatus>): ConversionOutput<THub, THubStatus>;
  /** The hub version's object → this version's. */
  fromHub(hub: ConversionInput<THub, THubStatus>): ConversionOutput<TSpoke, TSpokeStatus>;
}

/**
 * One version of a custom resource with several versions (`customResource({ versions })`).
 *
 * @remarks
 * Each version has its own schema in the CRD, from its own spec and status classes (the resource's
 * top-level `spec` / `status` when it names none). Exactly one version is the `storage` version. The
 * version without `convert` is the hub; every other one says how to convert to and from it. With no
 * `convert` anywhere, every version must share one spec class: the API server then only rewrites
 * `apiVersion` (conversion strategy `None`).
 *
 * @example
 * ```ts
 * const versions: CustomResourceVersion[] = [
 *   { name: 'v1alpha1', spec: ShardSpecV1alpha1, convert: shardV1alpha1 },
 *   { name: 'v1', spec: ShardSpecV1, storage: true },
 * ];
 * ```
 */
export interface CustomResourceVersion {
  /** The version in `apiVersion` and URLs, e.g. `v1alpha1` (a DNS-1035 label). */
  readonly name: string;
  /**
   * The class this version's spec follows: its CRD schema, and what `sync` validates against when
   * it is the operator's version. Defaults to the resource's top-level `spec`.
   */
  readonly spec?: DataClass;
  /** The class this version's CRD status schema comes from. Defaults to the resource's top-level `status`. */
  readonly status?: DataClass;
  /** True for the one version objects are stored in. */
  readonly storage?: boolean;
  /** Whether the API serves this version. Default true. */
  readonly served?: boolean;
  /** Marks the version deprecated; a string is the warning clients get (`deprecationWarning`). */
  readonly deprecated?: boolean | string;
  /** How this version converts to and from the hub; left out on the hub itself. */
  readonly convert?: VersionConversion;
}

const VERSION_NAME = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** The fields of a custom resource type {@link versionProblems} reads. */
export interface VersionedType {
  /** The resource's kind; messages name it. */
  readonly kind: string;
  /** The version the operator works with; it must be one of `versions`, and served. */
  readonly version: string;
  /** The spec class of the operator's version, as a {@link CustomResourceType} carries it. */
  readonly spec?: DataClass;
  /** Every declared version; left out for a resource with one version, which has nothing to check. */
  readonly versions?: readonly CustomResourceVersion[];
}

/**
 * The hub version of a type with several versions: the one without `convert`, when the others have
 * one; undefined when nothing converts (one version, or strategy `None`).
 *
 * @example
 * ```ts
 * hubVersion(Shard); // 'v1'
 * ```
 */
export function hubVersion(type: Pick<VersionedType, 'versions'>): string | undefined {
  const versions = type.versions ?? [];
  if (!versions.some((v) => v.convert)) return undefined;
  const hubs = versions.filter((v) => !v.convert);
  return hubs.length === 1 ? hubs[0]?.name : undefined;
}

/**
 * Whether the API server must call the operator to convert this type's objects between versions
 * (some version declares `convert`).
 *
 * @example
 * ```ts
 * if (needsConversionWebhook(Shard)) serveConversion(Shard);
 * ```
 */
export function needsConversionWebhook(type: object): boolean {
  const versions = (type as Partial<VersionedType>).versions;
  return Array.isArray(versions) && versions.some((v) => v.convert !== undefined);
}

/**
 * What is wrong with the versions of a custom resource type, each line saying what to change; empty
 * when it has one version or its versions are sound.
 *
 * @remarks
 * Checks: version names are unique DNS-1035 labels; exactly one is `storage`; the version the
 * operator works with (`version`) is declared and served; with any `convert`, exactly one version has
 * none (the hub) and each `convert` has `toHub` and `fromHub`; without any, every version has the
 * same spec class, since the API server would only rewrite `apiVersion` and drop what the other
 * schema lacks.
 *
 * @example
 * ```ts
 * versionProblems(Shard); // []
 * ```
 */
export function versionProblems(type: VersionedType): string[] {
  const versions = type.versions;
  if (versions === undefined) return [];
  const kind = type.kind || 'the custom resource';
  if (!Array.isArray(versions) || versions.length === 0)
    return [`${kind}: versions is empty; list at least one version, or leave versions out and set version.`];
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const v of versions) {
    if (typeof v?.name !== 'string' || v.name.length > 63 || !VERSION_NAME.test(v.name)) {
      problems.push(
        `${kind}: version name ${JSON.stringify(v?.name)} is not valid; use a lower-case DNS-1035 label such as 'v1alpha1' or 'v1'.`,
      );
    } else if (seen.has(v.name)) problems.push(`${kind}: version '${v.name}' is declared twice.`);
    seen.add(v?.name);
    if (v?.convert !== undefined) {
      const missing = (['toHub', 'fromHub'] as const).filter((f) => typeof v.convert?.[f] !== 'function');
      if (missing.length)
        problems.push(
          `${kind}: version '${v.name}' has convert without ${missing.join(' and ')}; give both functions (to and from the hub version).`,
        );
    }
  }
  const storage = versions.filter((v) => v?.storage === true);
  if (storage.length !== 1) {
    problems.push(
      `${kind}: ${storage.length === 0 ? 'no version is' : `${storage.map((v) => `'${v.name}'`).join(' and ')} are all`} marked storage: true; mark exactly one, the version objects are stored in.`,
    );
  }
  const own = versions.find((v) => v?.name === type.version);
  if (!own) {
    problems.push(
      `${kind}: the operator's version '${type.version}' is not one of the declared versions (${versions.map((v) => v?.name).join(', ')}); set version to one of them.`,
    );
  } else if (own.served === false) {
    problems.push(
      `${kind}: the operator works with version '${own.name}', which is not served; serve it, or set version to a served one.`,
    );
  }
  const spokes = versions.filter((v) => v?.convert !== undefined);
  if (spokes.length > 0) {
    const hubs = versions.filter((v) => v?.convert === undefined);
    if (hubs.length !== 1) {
      problems.push(
        hubs.length === 0
          ? `${kind}: every version has convert; leave it out on exactly one version, the hub the others convert to and from.`
          : `${kind}: ${hubs.map((v) => `'${v.name}'`).join(', ')} have no convert; exactly one version (the hub) may lack it: give the others convert: { toHub, fromHub }.`,
      );
    }
  } else if (versions.length > 1) {
    const classes = new Set(versions.map((v) => v?.spec));
    if (classes.size > 1) {
      problems.push(
        `${kind}: the versions have different spec classes but no conversion; without it the API server only rewrites apiVersion and drops fields the other schema lacks. Give every version but one (the hub) convert: { toHub, fromHub }.`,
      );
    }
  }
  return problems;
}
