import type { V1ObjectMeta } from '@kubernetes/client-node';
import { type CustomResourceType, isCustomResourceType } from '../types/custom-resource.js';
import type { KubeObject } from '../types/kube-object.js';
import type { ResourceType } from '../types/resource-type.js';
import {
  type ConversionInput,
  type ConversionOutput,
  hubVersion,
  needsConversionWebhook,
} from '../types/resource-versions.js';
import type { ConversionRequest, ConversionResponse } from './conversion-review.js';
import type { WebhookDeclaration } from './webhook-configuration.js';

/**
 * An object Operon could not convert: unknown version, a conversion function that threw or broke
 * the metadata rules. The conversion webhook answers `Failed` with this message, which the API server
 * passes on to the client whose read or write needed it.
 */
export class ConversionError extends Error {
  /** Always `ConversionError`, so logs and `error.name` checks tell it from other errors. */
  override readonly name = 'ConversionError';
}

/** What conversion reads of a custom resource type (any {@link CustomResourceType} will do). */
export type ConvertibleType = Pick<CustomResourceType, 'group' | 'kind' | 'versions'>;

/** The metadata a conversion must not change: the API server fails the request that needed it. */
const FIXED_METADATA = ['name', 'namespace', 'uid'] as const;

/**
 * Converts one object of a custom resource with several versions to another of its versions, the
 * way the conversion webhook does: through the hub, with the author's `toHub` / `fromHub`.
 *
 * @remarks
 * The same version gives a copy. Otherwise a spoke goes to the hub with its `toHub`, and the hub to a
 * spoke with that spoke's `fromHub`. Each function gets a deep copy; its result gets `apiVersion` and
 * `kind`, and the metadata of its input except `labels` and `annotations`, which are taken from the
 * result when it sets them (`undefined` or an empty map removes them). The API server keeps the
 * stored object's other metadata and rejects a changed name, namespace or uid, so such a change fails
 * here, naming the function; other metadata changes are dropped, as the API server drops them. Use it
 * in unit tests to check that a round trip is lossless.
 *
 * @example
 * ```ts
 * const v1 = convertCustomObject(Shard, alpha, 'v1');
 * assert.deepEqual(convertCustomObject(Shard, v1, 'v1alpha1'), alpha);
 * ```
 *
 * @throws ConversionError naming the object, the versions and what went wrong.
 */
export function convertCustomObject(
  type: ConvertibleType,
  object: KubeObject,
  toVersion: string,
): KubeObject {
  const what = describeObject(object);
  const versions = type.versions ?? [];
  const known = () => versions.map((v) => v.name).join(', ');
  const [group, fromVersion] = splitApiVersion(object.apiVersion);
  if (group !== type.group || object.kind !== type.kind) {
    throw new ConversionError(
      `${what} is not a ${type.kind} of ${type.group}; this webhook converts only those`,
    );
  }
  const source = versions.find((v) => v.name === fromVersion);
  if (!source)
    throw new ConversionError(
      `${what} is in version ${fromVersion}, which ${type.kind} does not declare (${known()})`,
    );
  const target = versions.find((v) => v.name === toVersion);
  if (!target)
    throw new ConversionError(`${type.kind} has no version ${toVersion} to convert ${what} to (${known()})`);
  const hub = hubVersion(type);
  if (fromVersion === toVersion || hub === undefined) {
    // Without conversion functions the versions share one schema: only apiVersion changes.
    return { ...structuredClone(object), apiVersion: `${group}/${toVersion}` };
  }
  let current = structuredClone(object);
  if (fromVersion !== hub) {
    current = step(current, (o) => source.convert?.toHub(o), `${fromVersion} toHub`, `${group}/${hub}`, what);
  }
  if (toVersion !== hub) {
    current = step(
      current,
      (o) => target.convert?.fromHub(o),
      `${toVersion} fromHub`,
      `${group}/${toVersion}`,
      what,
    );
  }
  return current;
}

function step(
  input: KubeObject,
  convert: (o: ConversionInput) => ConversionOutput | undefined,
  label: string,
  apiVersion: string,
  what: string,
): KubeObject {
  let out: unknown;
  try {
    out = convert(structuredClone(input) as ConversionInput);
  } catch (e) {
    throw new ConversionError(`converting ${what} to ${apiVersion}: ${label} threw: ${messageOf(e)}`);
  }
  if (!isRecord(out)) {
    throw new ConversionError(
      `converting ${what} to ${apiVersion}: ${label} returned ${out === null ? 'null' : typeof out}, not an object`,
    );
  }
  if (out.kind !== undefined && out.kind !== input.kind) {
    throw new ConversionError(
      `converting ${what} to ${apiVersion}: ${label} changed kind to ${JSON.stringify(out.kind)}; a conversion keeps the kind`,
    );
  }
  const { apiVersion: _apiVersion, kind: _kind, metadata, ...rest } = out;
  return {
    apiVersion,
    kind: input.kind,
    metadata: mergeMetadata(input.metadata ?? {}, metadata, `converting ${what} to ${apiVersion}: ${label}`),
    ...rest,
  };
}

/** The input's metadata with the result's labels and annotations, after checking the result kept the rest. */
function mergeMetadata(input: V1ObjectMeta, output: unknown, context: string): V1ObjectMeta {
  const merged = structuredClone(input);
  if (output === undefined) return merged;
  if (!isRecord(output)) throw new ConversionError(`${context} returned metadata that is not an object`);
  for (const field of FIXED_METADATA) {
    if (field in output && output[field] !== input[field]) {
      throw new ConversionError(
        `${context} changed metadata.${field} from ${JSON.stringify(input[field])} to ${JSON.stringify(output[field])}; a conversion may change only labels and annotations`,
      );
    }
  }
  for (const field of ['labels', 'annotations'] as const) {
    if (!(field in output)) continue;
    const value = output[field];
    if (value === undefined || value === null) {
      delete merged[field];
      continue;
    }
    if (!isRecord(value))
      throw new ConversionError(`${context} returned metadata.${field} that is not an object`);
    const bad = Object.entries(value).find(([, v]) => typeof v !== 'string');
    if (bad) {
      throw new ConversionError(
        `${context} returned metadata.${field}[${JSON.stringify(bad[0])}] of type ${typeof bad[1]}; ${field} are strings`,
      );
    }
    // Empty maps are dropped, as the API server omits them: a round trip compares equal.
    if (Object.keys(value).length === 0) delete merged[field];
    else merged[field] = { ...(value as Record<string, string>) };
  }
  return merged;
}

/**
 * Answers one ConversionReview for one custom resource type: every object converted to the desired
 * version, or `Failed` with the first problem (the API server needs all or nothing).
 *
 * @example
 * ```ts
 * const response = convertReview(Shard, parseConversionReview(body));
 * ```
 */
export function convertReview(type: ConvertibleType, request: ConversionRequest): ConversionResponse {
  const [group, version] = splitApiVersion(request.desiredAPIVersion);
  try {
    if (group !== type.group)
      throw new ConversionError(
        `cannot convert to ${request.desiredAPIVersion}: this webhook converts ${type.kind} of ${type.group}`,
      );
    const convertedObjects = request.objects.map((o) => convertCustomObject(type, o, version));
    return { uid: request.uid, result: { status: 'Success' }, convertedObjects };
  } catch (e) {
    return { uid: request.uid, result: { status: 'Failed', message: messageOf(e) }, convertedObjects: [] };
  }
}

/**
 * The parent types whose CRD converts through the operator (a version declares `convert`), each
 * once.
 */
export function parentConversions(operators: readonly WebhookDeclaration[]): CustomResourceType[] {
  const byName = new Map<string, CustomResourceType>();
  for (const op of operators) {
    const type = op.parent.type;
    if (isCustomResourceType(type) && needsConversionWebhook(type)) byName.set(crdNameOf(type), type);
  }
  return [...byName.values()];
}

/** The name of a type's CRD, `<plural>.<group>` (as `crdName` in generate, which builds on this folder). */
export function crdNameOf(type: Pick<ResourceType, 'plural' | 'group'>): string {
  return `${type.plural}.${type.group}`;
}

/** Path the webhook server answers a type's ConversionReviews on (one per CRD). */
export function conversionWebhookPath(type: Pick<ResourceType, 'group' | 'kind'>): string {
  return `/convert-${type.group.replace(/\./g, '-')}-${type.kind.toLowerCase()}`;
}

function splitApiVersion(apiVersion: string | undefined): [group: string, version: string] {
  const value = apiVersion ?? '';
  const slash = value.lastIndexOf('/');
  return slash < 0 ? ['', value] : [value.slice(0, slash), value.slice(slash + 1)];
}

function describeObject(o: KubeObject): string {
  const name = o.metadata?.namespace
    ? `${o.metadata.namespace}/${o.metadata?.name}`
    : (o.metadata?.name ?? '');
  return `${o.kind ?? 'object'} "${name}" (${o.apiVersion ?? 'no apiVersion'})`;
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
