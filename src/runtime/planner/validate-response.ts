import type { KubeObject } from '../../types/kube-object.js';
import { describeType, type ResourceType, resourceTypeId } from '../../types/resource-type.js';
import type { ChildRef } from '../../types/sync.js';
import { childRefFor, describeDeclared } from './child-types.js';
import { isRecord, show } from './json.js';
import {
  ANNOTATIONS_SIZE_LIMIT,
  annotationKeyProblem,
  annotationSize,
  KEY_FORM,
  LABEL_VALUE_RULE,
  labelValueProblem,
  qualifiedNameProblem,
} from './label-syntax.js';
import { checkObjectName, DNS_LABEL_RULE, dnsLabelProblem } from './names.js';
import { DESIRED_HASH_ANNOTATION, desiredHash, OPERATOR_LABEL, type ParentObject } from './ownership.js';

/** What {@link validateSyncResponse} checks a response against. */
export interface ResponseContext {
  readonly parent: ParentObject;
  readonly parentType: ResourceType;
  /** The operator's declared child types. */
  readonly children: readonly ChildRef[];
  /**
   * The namespaces the operator watches; undefined or empty = all. A namespaced child outside them
   * would be invisible to Operon's caches, so it is refused.
   */
  readonly watchedNamespaces?: readonly string[];
}

/**
 * Checks what `sync` returned before anything is planned or written (DESIGN §3 step 4, rule 3).
 *
 * @param response - the value `sync` resolved to, untyped: authors' code may return anything.
 * @returns one message per problem, each naming the offending child and saying what to fix; empty
 * when the response is safe to plan from. The reconciler puts these in the `Synced=False` condition.
 *
 * @remarks
 * Checks: the response is an object; `children` is an array (a missing list is a problem, not "no
 * children", which would delete them all); each child is JSON data (no cycles, no BigInt) of a
 * declared type (matched by `apiVersion` and `kind`) with a `metadata.name` valid for its kind;
 * namespaces follow the placement rules (a namespaced child defaults to a namespaced parent's
 * namespace; a cluster-scoped parent's namespaced children name one; a cluster-scoped child names
 * none; a namespaced child lives in a namespace the operator watches); no two children share type, namespace and name; no child names another
 * controller; `status` is a JSON object; `resync` is a non-negative finite number.
 *
 * Each child's metadata is also held to the API server's own validation (apimachinery's
 * `ValidateObjectMeta`), so that a response it would refuse for one child is refused whole, before
 * any write, instead of being written in part: the name's form for its kind (see `checkObjectName`);
 * `metadata.namespace` a DNS label; label keys qualified names and values valid label values;
 * annotation keys qualified names (in any letter case) and all annotations, Operon's own included,
 * at most 256 KiB; finalizers qualified names, not both `orphan` and `foregroundDeletion`; each
 * owner reference an object with non-empty `apiVersion` (with a version), `kind`, `name` and `uid`
 * strings and boolean flags. Operon's own label and annotation, and an author's reference to the
 * parent, are skipped: Operon replaces them. Spec fields are the API server's alone to judge.
 */
export function validateSyncResponse(response: unknown, ctx: ResponseContext): string[] {
  if (!isRecord(response)) {
    return [
      `sync returned ${show(response)}; it must return an object such as { status: {...}, children: [...] }`,
    ];
  }
  const problems: string[] = [];
  const { children, status, resync } = response;
  if (!Array.isArray(children)) {
    problems.push(
      `children must be an array of desired objects (use [] for none); got ${show(children)}. ` +
        'Operon does not read a missing list as "no children", which would delete them all',
    );
  } else {
    const seen = new Map<string, number>();
    children.forEach((child: unknown, index) => {
      checkChild(child, index, ctx, seen, problems);
    });
  }
  if (status !== undefined) {
    const why = statusProblem(status);
    if (why) problems.push(why);
  }
  if (resync !== undefined && !(typeof resync === 'number' && Number.isFinite(resync) && resync >= 0)) {
    problems.push(
      `resync must be a non-negative, finite number of milliseconds (or left out); got ${show(resync)}`,
    );
  }
  return problems;
}

function statusProblem(status: unknown): string | undefined {
  if (isRecord(status) && typeof status.then === 'function') {
    return 'status is a Promise; await it in sync before returning';
  }
  if (!isRecord(status) || isBuiltinObject(status)) {
    const what = isRecord(status) ? `a ${status.constructor.name}` : show(status);
    return `status must be a plain JSON object (or left out); got ${what}`;
  }
  return undefined;
}

// Class instances are fine as a status (authors may use their status class); built-in containers
// are not JSON objects and would be written as {} or as a string.
function isBuiltinObject(value: object): boolean {
  return (
    value instanceof Date ||
    value instanceof Map ||
    value instanceof Set ||
    value instanceof RegExp ||
    value instanceof Error ||
    value instanceof ArrayBuffer ||
    ArrayBuffer.isView(value)
  );
}

function checkChild(
  child: unknown,
  index: number,
  ctx: ResponseContext,
  seen: Map<string, number>,
  problems: string[],
): void {
  if (!isRecord(child)) {
    problems.push(
      `children[${index}] is ${show(child)}, not an object; return objects made with a ChildRef's desired()`,
    );
    return;
  }
  const obj = child as KubeObject;
  const meta: unknown = child.metadata;
  const name = isRecord(meta) && typeof meta.name === 'string' && meta.name !== '' ? meta.name : undefined;
  const kind = typeof obj.kind === 'string' ? obj.kind : undefined;
  // show() keeps a 253-character name from swamping the message; plain names print as "web-1".
  const shown = name === undefined ? undefined : show(name);
  const who = `children[${index}]${kind ? ` (${kind}${shown ? ` ${shown}` : ''})` : shown ? ` (${shown})` : ''}`;
  try {
    JSON.stringify(child);
  } catch (error) {
    // A cycle or a BigInt: it could be neither hashed nor sent.
    const why = (error instanceof Error ? error.message : String(error)).split('\n')[0];
    problems.push(`${who} cannot be turned into JSON (${why}); children must be plain data`);
    return;
  }

  const ref = checkType(obj, who, ctx, problems);
  if (!isRecord(meta)) {
    problems.push(`${who} has no metadata; set metadata.name`);
    return;
  }
  if (name === undefined) {
    const hint = meta.generateName === undefined ? '' : ' (metadata.generateName is not supported)';
    problems.push(
      `${who} has no metadata.name${hint}; every child needs a fixed name so Operon can find it on the next sync`,
    );
  } else if (ref) {
    const why = checkObjectName(ref.type, name, child);
    if (why) problems.push(`${who}: metadata.name ${why}`);
  }
  const namespace = ref ? checkNamespace(meta.namespace, ref.type, who, ctx, problems) : undefined;
  checkOwnerReferences(meta.ownerReferences, who, ctx, problems);
  checkLabels(meta.labels, who, problems);
  checkAnnotations(meta.annotations, who, problems);
  checkFinalizers(meta.finalizers, who, problems);

  if (ref && name !== undefined) {
    const key = `${resourceTypeId(ref.type)}\u0000${namespace ?? ''}\u0000${name}`;
    const first = seen.get(key);
    if (first === undefined) {
      seen.set(key, index);
    } else {
      const where = namespace === undefined ? '' : ` in namespace "${namespace}"`;
      problems.push(
        `children[${first}] and children[${index}] are both ${ref.type.kind} "${name}"${where}; ` +
          'names must be unique per type and namespace',
      );
    }
  }
}

function checkType(
  obj: KubeObject,
  who: string,
  ctx: ResponseContext,
  problems: string[],
): ChildRef | undefined {
  if (typeof obj.apiVersion !== 'string' || typeof obj.kind !== 'string') {
    problems.push(
      `${who} has no apiVersion and kind; build it with a ChildRef's desired(), which sets them (declared child types: ${describeDeclared(ctx.children)})`,
    );
    return undefined;
  }
  const ref = childRefFor(ctx.children, obj);
  if (ref) return ref;
  const sameKind = ctx.children.find((r) => r.type.kind === obj.kind);
  if (sameKind) {
    problems.push(
      `${who} has apiVersion "${obj.apiVersion}", but ${obj.kind} is declared as a child with apiVersion "${sameKind.type.apiVersion}"; use that version`,
    );
  } else {
    problems.push(
      `${who} is a ${describeType({ kind: obj.kind, apiVersion: obj.apiVersion })}, which is not a declared child type of this operator; ` +
        `declared: ${describeDeclared(ctx.children)}. Declare it with @Child (or in the config's children) to create it`,
    );
  }
  return undefined;
}

/** Checks the namespace rules and returns the namespace the child will live in (undefined if none). */
function checkNamespace(
  value: unknown,
  type: ResourceType,
  who: string,
  ctx: ResponseContext,
  problems: string[],
): string | undefined {
  const parentNs = ctx.parentType.namespaced ? ctx.parent.metadata.namespace : undefined;
  const parentDesc = `${ctx.parentType.kind} "${ctx.parent.metadata.name}"`;
  if (value !== undefined && (typeof value !== 'string' || value === '')) {
    problems.push(`${who}: metadata.namespace must be a non-empty string or left out; got ${show(value)}`);
    return undefined;
  }
  const namespace = value as string | undefined;
  if (!type.namespaced) {
    if (namespace !== undefined) {
      problems.push(`${who}: ${type.kind} is cluster-scoped; remove metadata.namespace`);
    }
    return undefined;
  }
  const why = namespace === undefined ? undefined : dnsLabelProblem(namespace);
  if (why) {
    const fix = ctx.parentType.namespaced ? " Leave it out (it defaults to the parent's)" : '';
    problems.push(
      `${who}: metadata.namespace ${show(namespace)} ${why}; namespace names must be DNS labels: ${DNS_LABEL_RULE}.${fix}`,
    );
    return undefined;
  }
  if (ctx.parentType.namespaced) {
    const placed = namespace ?? parentNs;
    checkWatched(placed, who, ctx, problems);
    return placed;
  }
  if (namespace === undefined) {
    problems.push(
      `${who} has no metadata.namespace; its parent ${parentDesc} is cluster-scoped, so there is no namespace to default to. Set one`,
    );
  } else checkWatched(namespace, who, ctx, problems);
  return namespace;
}

/** A namespaced child must be where the operator's caches can see it. */
function checkWatched(namespace: string | undefined, who: string, ctx: ResponseContext, problems: string[]) {
  const watched = ctx.watchedNamespaces;
  if (namespace === undefined || !watched?.length || watched.includes(namespace)) return;
  problems.push(
    `${who} is in namespace "${namespace}", which this operator does not watch (it watches ${watched
      .map((n) => `"${n}"`)
      .join(', ')}); Operon could not see the child to update or delete it. ` +
      'Add the namespace to the watched namespaces, watch all namespaces, or create the child in a watched one',
  );
}

// The owner reference fields the API server requires to be non-empty (ValidateOwnerReferences).
const OWNER_REFERENCE_FIELDS = ['apiVersion', 'kind', 'name', 'uid'] as const;

function checkOwnerReferences(value: unknown, who: string, ctx: ResponseContext, problems: string[]): void {
  if (value === undefined) return;
  if (!Array.isArray(value)) {
    problems.push(`${who}: metadata.ownerReferences must be an array; got ${show(value)}`);
    return;
  }
  (value as unknown[]).forEach((ref, i) => {
    const field = `metadata.ownerReferences[${i}]`;
    if (!isRecord(ref)) {
      problems.push(
        `${who}: ${field} is ${show(ref)}; an owner reference is an object with apiVersion, kind, name and uid`,
      );
      return;
    }
    // Operon puts its own controller reference to the parent in place of this one.
    if (ref.uid === ctx.parent.metadata.uid) return;
    const described = typeof ref.kind === 'string' && typeof ref.name === 'string';
    const owner = described ? `${field} (${ref.kind} ${show(ref.name)})` : field;
    const bad = OWNER_REFERENCE_FIELDS.filter((f) => typeof ref[f] !== 'string' || ref[f] === '');
    if (bad.length > 0) {
      const got = bad.map((f) => `${f} is ${show(ref[f])}`).join(', ');
      problems.push(
        `${who}: ${owner}: ${got}; apiVersion, kind, name and uid must all be non-empty strings, copied from the owner object`,
      );
    } else {
      const apiVersion = ref.apiVersion as string;
      const slashes = apiVersion.split('/').length - 1;
      if (slashes > 1 || apiVersion.endsWith('/')) {
        problems.push(
          `${who}: ${owner}: apiVersion ${show(apiVersion)} has no version; write "version" or "group/version", e.g. "v1" or "apps/v1"`,
        );
      } else if (apiVersion === 'v1' && ref.kind === 'Event') {
        problems.push(
          `${who}: ${owner}: the API server does not allow an Event to be an owner; remove this reference`,
        );
      }
    }
    for (const flag of ['controller', 'blockOwnerDeletion'] as const) {
      if (ref[flag] !== undefined && typeof ref[flag] !== 'boolean') {
        problems.push(
          `${who}: ${owner}: ${flag} must be true or false (or left out); got ${show(ref[flag])}`,
        );
      }
    }
    if (ref.controller === true) {
      problems.push(
        `${who}: metadata.ownerReferences names ${String(ref.kind)} "${String(ref.name)}" as controller; ` +
          `Operon makes the parent ${ctx.parentType.kind} "${ctx.parent.metadata.name}" the controller, and an object has only one. Drop controller: true from that reference`,
      );
    }
  });
}

/**
 * The string members of a label or annotation map, reporting the rest; members set to `undefined`
 * are skipped, as JSON drops them and the API server never sees them.
 */
function stringEntries(value: unknown, field: string, who: string, problems: string[]): [string, string][] {
  if (value === undefined) return [];
  if (!isRecord(value)) {
    problems.push(`${who}: metadata.${field} must be an object of strings; got ${show(value)}`);
    return [];
  }
  const entries: [string, string][] = [];
  for (const [key, v] of Object.entries(value)) {
    if (v === undefined) continue;
    if (typeof v === 'string') {
      entries.push([key, v]);
    } else {
      const hint = typeof v === 'number' || typeof v === 'boolean' ? ` (write it as "${v}")` : '';
      problems.push(`${who}: metadata.${field}[${show(key)}] must be a string; got ${show(v)}${hint}`);
    }
  }
  return entries;
}

function checkLabels(value: unknown, who: string, problems: string[]): void {
  for (const [key, v] of stringEntries(value, 'labels', who, problems)) {
    // Operon sets its own label to the operator's name; the author's value is never sent.
    if (key === OPERATOR_LABEL) continue;
    const keyWhy = qualifiedNameProblem(key);
    if (keyWhy) {
      problems.push(
        `${who}: metadata.labels key ${show(key)} is not a valid label key: ${keyWhy}; a label key is ${KEY_FORM}`,
      );
    }
    const valueWhy = labelValueProblem(v);
    if (valueWhy) {
      problems.push(
        `${who}: metadata.labels[${show(key)}] has value ${show(v)}, which is not a valid label value: it ${valueWhy}; ${LABEL_VALUE_RULE}`,
      );
    }
  }
}

// What Operon's own annotation adds to every child, counted so that a child the API server would
// refuse once it is decorated is refused here; the hash's length does not depend on the object.
const HASH_ANNOTATION_SIZE = annotationSize(DESIRED_HASH_ANNOTATION, desiredHash({}));

function checkAnnotations(value: unknown, who: string, problems: string[]): void {
  let size = HASH_ANNOTATION_SIZE;
  let largest = { key: DESIRED_HASH_ANNOTATION, size: HASH_ANNOTATION_SIZE };
  for (const [key, v] of stringEntries(value, 'annotations', who, problems)) {
    // Operon replaces the author's copy of its own annotation.
    if (key === DESIRED_HASH_ANNOTATION) continue;
    const why = annotationKeyProblem(key);
    if (why) {
      problems.push(
        `${who}: metadata.annotations key ${show(key)} is not a valid annotation key: ${why}; an annotation key is ${KEY_FORM}, in any letter case`,
      );
    }
    const bytes = annotationSize(key, v);
    size += bytes;
    if (bytes > largest.size) largest = { key, size: bytes };
  }
  if (size > ANNOTATIONS_SIZE_LIMIT) {
    problems.push(
      `${who}: metadata.annotations come to ${size} bytes (keys and values in UTF-8, with Operon's ${DESIRED_HASH_ANNOTATION}), ` +
        `over the API server's limit of ${ANNOTATIONS_SIZE_LIMIT} (256 KiB); the largest is ${show(largest.key)} at ${largest.size} bytes. ` +
        'Keep large data in a ConfigMap or Secret instead',
    );
  }
}

function checkFinalizers(value: unknown, who: string, problems: string[]): void {
  if (value === undefined) return;
  if (!Array.isArray(value)) {
    problems.push(`${who}: metadata.finalizers must be an array of strings; got ${show(value)}`);
    return;
  }
  (value as unknown[]).forEach((finalizer, i) => {
    if (typeof finalizer !== 'string') {
      problems.push(`${who}: metadata.finalizers[${i}] must be a string; got ${show(finalizer)}`);
      return;
    }
    const why = qualifiedNameProblem(finalizer);
    if (why) {
      problems.push(
        `${who}: metadata.finalizers[${i}] is ${show(finalizer)}, which is not a valid finalizer name: ${why}; finalizer names take the form of label keys, ${KEY_FORM}`,
      );
    }
  });
  if (value.includes('orphan') && value.includes('foregroundDeletion')) {
    problems.push(
      `${who}: metadata.finalizers holds both "orphan" and "foregroundDeletion", which the API server refuses together; keep one`,
    );
  }
}
