import type { KubeObject } from '../../types/kube-object.js';
import { type ChildBaseline, projectionOf } from './baseline.js';
import { differenceIn, renderPath } from './compare.js';
import { DESIRED_HASH_ANNOTATION } from './ownership.js';

/**
 * True when the live object already holds the desired state, so no write is needed (DESIGN rule 4).
 *
 * @param desired - a child as `decorateChild` returns it (it carries the desired-hash annotation).
 * @param live - the object in the cache.
 * @param baseline - what the server made of Operon's last write of this child, if Operon remembers it.
 *
 * @remarks
 * Two checks, both required:
 * 1. The live desired-hash annotation equals the desired one. This catches a field the author
 *    removed, which the live object still has and no subset comparison can see.
 * 2. The live object holds every field the desired object sets, by the mutation-tolerant rules of
 *    {@link firstDifference}: fields, list elements and labels that others add are ignored, and
 *    quantities compare by value. This catches drift made by someone else in fields the operator owns.
 *
 * When 2 fails and a `baseline` for the same desired hash is given, the child still holds if it is the
 * very object the server returned (same `resourceVersion`), or if every field the desired object sets
 * reads as it did then (same {@link projectionOf}). That covers rewrites the rules do not know, such as
 * a webhook pinning an image to a digest, while a later change by another writer to a field Operon
 * sets is still drift. Owner references and finalizers must hold in every case: nothing rewrites them.
 *
 * Limitation: list entries, labels and fields that others add are not drift, so Operon never removes
 * them (a sidecar someone injected stays). Only a field the author removed from the desired object is
 * removed from the live one, through the hash and the strategy's write.
 */
export function matchesDesired(desired: KubeObject, live: KubeObject, baseline?: ChildBaseline): boolean {
  // Cheap, and the common case of a changed desired object; it also rejects a desired object that lacks
  // the annotation.
  const hash = desired.metadata?.annotations?.[DESIRED_HASH_ANNOTATION];
  if (hash === undefined || live.metadata?.annotations?.[DESIRED_HASH_ANNOTATION] !== hash) return false;
  if (firstDifference(desired, live) === undefined) return true;
  if (baseline === undefined || baseline.desiredHash !== hash) return false;
  const { ownerReferences, finalizers } = desired.metadata ?? {};
  if (differenceIn({ ownerReferences, finalizers }, live.metadata) !== undefined) return false;
  const version = live.metadata?.resourceVersion;
  return (
    (version !== undefined && version !== '' && version === baseline.resourceVersion) ||
    projectionOf(desired, live) === baseline.projection
  );
}

/**
 * The path of the first field where `live` does not hold `desired` (`spec.containers[name=app].image`,
 * `spec.replicas`, `metadata.labels.app`), or `undefined` when it holds: check 2 of
 * {@link matchesDesired}, baseline aside.
 *
 * @remarks
 * Objects compare key by key on the desired side; empty and zero values match an absent field
 * (Go's `omitempty`). Lists of objects are multisets: each desired element must be held by a distinct
 * live element, paired by merge key (`name`; `mountPath` for volume mounts; `containerPort` or `port`
 * with `protocol`, default TCP, for ports; ...), and elements others add are ignored, so Operon never
 * removes them. Lists of scalars keep their order, except `finalizers`. Scalars compare strictly,
 * except quantities under `limits`, `requests` and the other quantity maps, and `sizeLimit`. Owner
 * references are keyed by UID. `apiVersion` and `kind` are not compared (the caller pairs objects
 * of the same type, and list items may lack them).
 */
export function firstDifference(desired: KubeObject, live: KubeObject): string | undefined {
  const { apiVersion: _apiVersion, kind: _kind, metadata, ...rest } = desired;
  // A replace carries the live resourceVersion as a precondition; it says nothing about the content.
  const { resourceVersion: _resourceVersion, ...meta } = metadata ?? {};
  const found = differenceIn(metadata === undefined ? rest : { ...rest, metadata: meta }, live);
  return found && renderPath(found);
}
