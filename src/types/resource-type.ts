import type { KubeObject } from './kube-object.js';

/**
 * Describes one kind of Kubernetes resource: where it lives in the API and whether it is namespaced.
 *
 * @remarks
 * `T` is the object's TypeScript shape (a client-node model for built-ins, your own interface for a
 * CRD). It is carried only for typing: a `ResourceType` is plain data.
 */
export interface ResourceType<T extends KubeObject = KubeObject> {
  /** API group; `''` for the core group (`v1`). */
  readonly group: string;
  /** API version within the group, e.g. `v1` or `v1alpha1`. */
  readonly version: string;
  /** The kind, as in an object's `kind` field, e.g. `Pod`. */
  readonly kind: string;
  /** Lower-case plural used in URLs, e.g. `pods`. */
  readonly plural: string;
  /** True when objects of this type live in a namespace; false for cluster-scoped types such as `Namespace`. */
  readonly namespaced: boolean;
  /** `group/version`, or `version` for the core group. */
  readonly apiVersion: string;
  /** Phantom field that carries `T`; never set at run time. */
  readonly __object?: T;
}

/** What {@link resourceType} needs to describe a resource. */
export interface ResourceTypeSpec {
  /** API group, e.g. `apps` or `example.com`; defaults to `''`, the core group. */
  group?: string;
  /** API version within the group, e.g. `v1`. */
  version: string;
  /** The kind, as in an object's `kind` field, e.g. `Certificate`. */
  kind: string;
  /** Defaults to the lower-cased kind plus `s` (`es` after s, x, ch, sh; `ies` after a consonant + y). */
  plural?: string;
  /** Defaults to true. */
  namespaced?: boolean;
}

/**
 * Describes any resource type, built-in or custom, in one line.
 *
 * @example
 * ```ts
 * const Certificate = resourceType<CertificateObject>({ group: 'cert-manager.io', version: 'v1', kind: 'Certificate' });
 * ```
 */
export function resourceType<T extends KubeObject = KubeObject>(spec: ResourceTypeSpec): ResourceType<T> {
  const group = spec.group ?? '';
  return Object.freeze({
    group,
    version: spec.version,
    kind: spec.kind,
    plural: spec.plural ?? defaultPlural(spec.kind),
    namespaced: spec.namespaced ?? true,
    apiVersion: group ? `${group}/${spec.version}` : spec.version,
  });
}

/** English pluralisation as `kubectl` and controller-gen do it for kinds. */
export function defaultPlural(kind: string): string {
  const k = kind.toLowerCase();
  if (/(s|x|z|ch|sh)$/.test(k)) return `${k}es`;
  if (/[^aeiou]y$/.test(k)) return `${k.slice(0, -1)}ies`;
  return `${k}s`;
}

/** A stable identity for a resource type: `group/version/plural` (`core` for the core group). */
export function resourceTypeId(t: Pick<ResourceType, 'group' | 'version' | 'plural'>): string {
  return `${t.group || 'core'}/${t.version}/${t.plural}`;
}

/** Human-readable name: `Pod (v1)`, `EchoServer (example.com/v1alpha1)`. */
export function describeType(t: Pick<ResourceType, 'kind' | 'apiVersion'>): string {
  return `${t.kind} (${t.apiVersion})`;
}
