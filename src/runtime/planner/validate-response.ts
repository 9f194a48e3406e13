import type { KubeObject } from '../../types/kube-object.js';
import { describeType, type ResourceType, resourceTypeId } from '../../types/resource-type.js';
import type { ChildRef } from '../../types/sync.js';
import { childRefFor, describeDeclared } from './child-types.js';
import { isRecord, show } from './json.js';
import { checkObjectName } from './names.js';
import type { ParentObject } from './ownership.js';

/** What {@link validateSyncResponse} checks a response against. */
export interface ResponseContext {
  readonly parent: ParentObject;
  readonly parentType: ResourceType;
  /** The operator's declared child types. */
  readonly children: readonly ChildRef[];
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
 * namespaces follow the ownership rules (a namespaced parent's children live in its namespace; a
 * cluster-scoped parent's namespaced children name one; cluster-scoped children cannot belong to a
 * namespaced parent); no two children share type, namespace and name; no child names another
 * controller; labels and annotations are strings; `status` is a JSON object; `resync` is a
 * non-negative finite number.
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
  const label = `children[${index}]${kind ? ` (${kind}${name ? ` "${name}"` : ''})` : name ? ` ("${name}")` : ''}`;
  try {
    JSON.stringify(child);
  } catch (error) {
    // A cycle or a BigInt: it could be neither hashed nor sent.
    const why = (error instanceof Error ? error.message : String(error)).split('\n')[0];
    problems.push(`${label} cannot be turned into JSON (${why}); children must be plain data`);
    return;
  }

  const ref = checkType(obj, label, ctx, problems);
  if (!isRecord(meta)) {
    problems.push(`${label} has no metadata; set metadata.name`);
    return;
  }
  if (name === undefined) {
    const hint = meta.generateName === undefined ? '' : ' (metadata.generateName is not supported)';
    problems.push(
      `${label} has no metadata.name${hint}; every child needs a fixed name so Operon can find it on the next sync`,
    );
  } else if (ref) {
    const why = checkObjectName(ref.type, name);
    if (why) problems.push(`${label}: metadata.name ${why}`);
  }
  const namespace = ref ? checkNamespace(meta.namespace, ref.type, label, ctx, problems) : undefined;
  checkOwnerReferences(meta.ownerReferences, label, ctx, problems);
  checkStringMap(meta.labels, 'labels', label, problems);
  checkStringMap(meta.annotations, 'annotations', label, problems);

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
  label: string,
  ctx: ResponseContext,
  problems: string[],
): ChildRef | undefined {
  if (typeof obj.apiVersion !== 'string' || typeof obj.kind !== 'string') {
    problems.push(
      `${label} has no apiVersion and kind; build it with a ChildRef's desired(), which sets them (declared child types: ${describeDeclared(ctx.children)})`,
    );
    return undefined;
  }
  const ref = childRefFor(ctx.children, obj);
  if (ref) return ref;
  const sameKind = ctx.children.find((r) => r.type.kind === obj.kind);
  if (sameKind) {
    problems.push(
      `${label} has apiVersion "${obj.apiVersion}", but ${obj.kind} is declared as a child with apiVersion "${sameKind.type.apiVersion}"; use that version`,
    );
  } else {
    problems.push(
      `${label} is a ${describeType({ kind: obj.kind, apiVersion: obj.apiVersion })}, which is not a declared child type of this operator; ` +
        `declared: ${describeDeclared(ctx.children)}. Declare it with @Child (or in the config's children) to create it`,
    );
  }
  return undefined;
}

/** Checks the namespace rules and returns the namespace the child will live in (undefined if none). */
function checkNamespace(
  value: unknown,
  type: ResourceType,
  label: string,
  ctx: ResponseContext,
  problems: string[],
): string | undefined {
  const parentNs = ctx.parentType.namespaced ? ctx.parent.metadata.namespace : undefined;
  const parentDesc = `${ctx.parentType.kind} "${ctx.parent.metadata.name}"`;
  if (value !== undefined && (typeof value !== 'string' || value === '')) {
    problems.push(`${label}: metadata.namespace must be a non-empty string or left out; got ${show(value)}`);
    return undefined;
  }
  const namespace = value as string | undefined;
  if (!type.namespaced) {
    if (namespace !== undefined) {
      problems.push(`${label}: ${type.kind} is cluster-scoped; remove metadata.namespace`);
    }
    if (ctx.parentType.namespaced) {
      problems.push(
        `${label}: ${type.kind} is cluster-scoped and cannot be owned by the namespaced ${parentDesc} ` +
          '(Kubernetes rejects owner references from cluster-scoped objects to namespaced ones); ' +
          'manage it from a cluster-scoped parent instead',
      );
    }
    return undefined;
  }
  if (ctx.parentType.namespaced) {
    if (namespace !== undefined && namespace !== parentNs) {
      problems.push(
        `${label} is in namespace "${namespace}", but its parent ${parentDesc} is in "${parentNs}"; ` +
          "owner references cannot cross namespaces. Leave metadata.namespace out (it defaults to the parent's)",
      );
    }
    return namespace ?? parentNs;
  }
  if (namespace === undefined) {
    problems.push(
      `${label} has no metadata.namespace; its parent ${parentDesc} is cluster-scoped, so there is no namespace to default to. Set one`,
    );
  }
  return namespace;
}

function checkOwnerReferences(value: unknown, label: string, ctx: ResponseContext, problems: string[]): void {
  if (value === undefined) return;
  if (!Array.isArray(value)) {
    problems.push(`${label}: metadata.ownerReferences must be an array; got ${show(value)}`);
    return;
  }
  for (const ref of value as unknown[]) {
    if (isRecord(ref) && ref.controller === true && ref.uid !== ctx.parent.metadata.uid) {
      problems.push(
        `${label}: metadata.ownerReferences names ${String(ref.kind)} "${String(ref.name)}" as controller; ` +
          `Operon makes the parent ${ctx.parentType.kind} "${ctx.parent.metadata.name}" the controller, and an object has only one. Drop controller: true from that reference`,
      );
    }
  }
}

function checkStringMap(value: unknown, field: string, label: string, problems: string[]): void {
  if (value === undefined) return;
  if (!isRecord(value)) {
    problems.push(`${label}: metadata.${field} must be an object of strings; got ${show(value)}`);
    return;
  }
  for (const [key, v] of Object.entries(value)) {
    if (v !== undefined && typeof v !== 'string') {
      const hint = typeof v === 'number' || typeof v === 'boolean' ? ` (write it as "${v}")` : '';
      problems.push(`${label}: metadata.${field}["${key}"] must be a string; got ${show(v)}${hint}`);
    }
  }
}
