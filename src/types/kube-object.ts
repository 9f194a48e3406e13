import type { V1ObjectMeta } from '@kubernetes/client-node';

/**
 * Any Kubernetes object as it travels on the wire: plain JSON, no class instances.
 *
 * @remarks
 * Objects in Operon's caches are the API server's JSON with `metadata.managedFields` removed, so
 * timestamps are RFC 3339 strings even where client-node's model types say `Date`.
 */
export interface KubeObject {
  /** `group/version`, or `v1` for the core group. */
  apiVersion?: string;
  /** The type's CamelCase kind, e.g. `ConfigMap`. */
  kind?: string;
  /** Name, namespace, labels, annotations, owner references and what the server sets. */
  metadata?: V1ObjectMeta;
}

/** A Kubernetes object that is known to carry a name (every object read from the API server does). */
export type NamedObject<T extends KubeObject = KubeObject> = T & {
  metadata: V1ObjectMeta & { name: string };
};

/**
 * The key of an object in a cache and in a work queue: `namespace/name`, or `name` when cluster-scoped.
 * Same format as client-go's `MetaNamespaceKeyFunc`.
 */
export type ObjectKey = string;

/** Builds the {@link ObjectKey} of an object. */
export function objectKey(obj: KubeObject): ObjectKey {
  const ns = obj.metadata?.namespace;
  const name = obj.metadata?.name ?? '';
  return ns ? `${ns}/${name}` : name;
}

/** Splits an {@link ObjectKey} into namespace (undefined when cluster-scoped) and name. */
export function splitKey(key: ObjectKey): { namespace: string | undefined; name: string } {
  const i = key.indexOf('/');
  return i < 0 ? { namespace: undefined, name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}
