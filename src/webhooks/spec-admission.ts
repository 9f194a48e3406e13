import type { SpecClass } from '../config/operator-config.js';
import { transformAndValidateSpec } from '../runtime/reconcile/validate-spec.js';
import type { ResourceType } from '../types/resource-type.js';
import type { AdmissionRequest, AdmissionResponse } from './admission-review.js';

/** What one validating webhook judges: a parent type, and the spec class of every operator of that type. */
export interface ParentAdmission {
  readonly type: ResourceType;
  /** One per operator of this parent type; an object must satisfy them all. */
  readonly specs: readonly SpecClass<unknown>[];
}

/**
 * Judges one AdmissionReview request for a parent type with the operators' own class-validator rules,
 * the same check (`transformAndValidateSpec`) a reconcile runs before `sync`.
 *
 * @remarks
 * Only the spec is judged, and only when it is new or changed:
 * - CREATE: the spec is validated;
 * - UPDATE: validated only when the spec differs from the stored one. An update that leaves the spec
 *   as it is (labels, annotations, finalizers: Operon's own finalizer patches among them) is allowed
 *   even when the stored spec is invalid — it was stored before the webhook existed, or while it was
 *   down with `failurePolicy: Ignore` — so such a parent can still be labelled, finalized and deleted;
 * - anything on a subresource (the configuration's rule names the main resource only, so `status`
 *   writes are never sent), DELETE and CONNECT: allowed.
 *
 * A refusal carries code 422 (`Invalid`, as the API server's own validation), the message
 * `The spec is invalid: <path>: <message>; …` in the words the operator uses in `Synced=False`, and one
 * cause per problem. The API server prefixes it with `admission webhook "<name>" denied the request`.
 *
 * @example
 * ```ts
 * const response = await admitParent({ type: ShardSet, specs: [ShardSetSpec] }, request);
 * ```
 */
export async function admitParent(
  admission: ParentAdmission,
  request: AdmissionRequest,
): Promise<AdmissionResponse> {
  const { uid } = request;
  const allowed: AdmissionResponse = { uid, allowed: true };
  if (request.subResource) return allowed;
  if (request.operation !== 'CREATE' && request.operation !== 'UPDATE') return allowed;
  const { type } = admission;
  if (request.resource.group !== type.group || request.resource.resource !== type.plural) {
    // A rule broader than Operon's own (edited by hand): not this webhook's type, so not its call.
    const got = `${request.resource.resource}${request.resource.group ? `.${request.resource.group}` : ''}`;
    return {
      uid,
      allowed: true,
      warnings: [
        `the ${type.kind} webhook was sent ${got}, which it does not validate; check the webhook configuration's rules`,
      ],
    };
  }
  const object = request.object as { spec?: unknown; metadata?: { deletionTimestamp?: string } };
  if (request.operation === 'UPDATE') {
    const old = request.oldObject as { spec?: unknown; metadata?: { deletionTimestamp?: string } };
    if (old.metadata?.deletionTimestamp) return allowed;
    if (sameJson(old.spec, object.spec)) return allowed;
  }
  const problems: string[] = [];
  for (const spec of admission.specs) {
    const result = await transformAndValidateSpec(spec, object.spec);
    if (!result.ok) for (const p of result.problems) if (!problems.includes(p)) problems.push(p);
  }
  if (problems.length === 0) return allowed;
  return {
    uid,
    allowed: false,
    status: {
      code: 422,
      reason: 'Invalid',
      message: `The spec is invalid: ${problems.join('; ')}`,
      details: {
        name: request.name,
        group: type.group,
        kind: type.kind,
        causes: problems.map((p) => {
          const at = p.indexOf(': ');
          return at > 0
            ? { reason: 'FieldValueInvalid', field: p.slice(0, at), message: p.slice(at + 2) }
            : { reason: 'FieldValueInvalid', message: p };
        }),
      },
    },
  };
}

/** Equality of two JSON values (as decoded from the review), ignoring key order. */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((v, i) => sameJson(v, b[i]));
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  const rb = b as Record<string, unknown>;
  const ra = a as Record<string, unknown>;
  return ka.every((k) => Object.hasOwn(rb, k) && sameJson(ra[k], rb[k]));
}
